"""Jobs leave only after their transaction commits."""

from __future__ import annotations

from fedi.db import on_commit
from fedi.runtime import Runtime


def test_callbacks_wait_for_the_outermost_commit_and_savepoint_rollbacks_drop_theirs(
    runtime: Runtime,
) -> None:
    ran: list[str] = []
    with runtime.db.session() as session:
        on_commit(session, lambda: ran.append("outer"))
        with session.begin_nested():
            on_commit(session, lambda: ran.append("released savepoint"))
        assert ran == []  # releasing a savepoint is not a commit
        try:
            with session.begin_nested():
                on_commit(session, lambda: ran.append("rolled back savepoint"))
                raise RuntimeError("undo this part")
        except RuntimeError:
            pass
    assert ran == ["outer", "released savepoint"]
    try:
        with runtime.db.session() as session:
            on_commit(session, lambda: ran.append("rolled back"))
            raise RuntimeError("undo everything")
    except RuntimeError:
        pass
    assert ran == ["outer", "released savepoint"]
