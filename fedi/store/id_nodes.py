"""Claims of id nodes by starting processes (fedi.ids)."""

from __future__ import annotations

from sqlmodel import Session, col, delete

from fedi.ids import NODES
from fedi.models.processes import IdNode


def claim(session: Session) -> int:
    """A node for this process: consecutive claims get different nodes, round robin."""
    row = IdNode()
    session.add(row)
    session.flush()
    assert row.id is not None
    # Older claims than one full round can no longer tell anything apart.
    session.exec(delete(IdNode).where(col(IdNode.id) <= row.id - NODES))
    return row.id % NODES
