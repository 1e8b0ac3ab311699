"""Time-sortable 64-bit ids, Mastodon style: milliseconds since the epoch << 16 | 16 low bits.

They sort by creation time, fit PostgreSQL's bigint, and are exposed to clients as strings.
The low bits are this process's node (8 bits) and a sequence within the millisecond (8 bits):
processes that share a database claim different nodes at start (fedi.store.id_nodes), so two
of them minting in the same millisecond never collide.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime

_LOW_BITS = 16
_SEQUENCE_BITS = 8
_SEQUENCE_MASK = (1 << _SEQUENCE_BITS) - 1
NODES = 1 << (_LOW_BITS - _SEQUENCE_BITS)
_lock = threading.Lock()
_last_ms = 0
_sequence = 0
# A process that never claims a node (a one-off command) takes a random one.
_node = int.from_bytes(os.urandom(1), "big") % NODES


def use_node(node: int) -> None:
    """Mint ids with this node from now on (one claimed from the database)."""
    global _node
    if not 0 <= node < NODES:
        raise ValueError(f"an id node is between 0 and {NODES - 1}, not {node}")
    _node = node


def new_id(at: datetime | None = None) -> int:
    """A new id for now, or for a past moment (remote posts keep their publication order).

    Ids minted for now are strictly increasing within the process (256 per millisecond; more
    borrow the next one); ids for a past moment take random low bits, since many remote posts
    share a publication second.
    """
    global _last_ms, _sequence
    now_ms = int(time.time() * 1000)
    if at is not None:
        ms = min(int(at.timestamp() * 1000), now_ms)
        return (max(ms, 0) << _LOW_BITS) | int.from_bytes(os.urandom(2), "big")
    with _lock:
        if now_ms <= _last_ms:
            _sequence += 1
            if _sequence > _SEQUENCE_MASK:
                _last_ms += 1
                _sequence = 0
        else:
            _last_ms = now_ms
            _sequence = 0
        return (_last_ms << _LOW_BITS) | (_node << _SEQUENCE_BITS) | _sequence


def id_floor(at: datetime) -> int:
    """The smallest id minted at `at`: for paging by time."""
    return int(at.timestamp() * 1000) << _LOW_BITS


def parse_id(value: object) -> int | None:
    """A client-supplied id, or None when it is not a valid one."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value < 2**63 else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        number = int(value)
        return number if 0 < number < 2**63 else None
    return None
