"""Ids sort by time and come back from clients only when valid."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta

from fedi import ids
from fedi.ids import id_floor, new_id, parse_id
from fedi.runtime import Runtime
from fedi.services.system import claim_id_node


def test_ids_increase_and_fit_a_bigint() -> None:
    ids = [new_id() for _ in range(10_000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(0 < i < 2**63 for i in ids)


def test_ids_for_a_past_moment_sort_before_now() -> None:
    past = datetime.now(UTC) - timedelta(days=3)
    assert id_floor(past) <= new_id(past) < new_id()
    # A claimed publication date in the future is clamped to now.
    assert new_id(datetime.now(UTC) + timedelta(days=365)) <= new_id() + (1 << 16)


def test_parse_id_accepts_only_positive_64_bit_numbers() -> None:
    assert parse_id("123") == 123
    for bad in ["", "-1", "0", "1e5", "9" * 20, " 12", "١٢", None, True, 2**63]:
        assert parse_id(bad) is None


def _mint_after(start_at: float, count: int) -> list[int]:
    """In a process of its own: wait for the shared start, then mint as fast as possible."""
    import time

    time.sleep(max(0.0, start_at - time.time()))
    return [new_id() for _ in range(count)]


def test_processes_sharing_a_database_never_mint_the_same_id(runtime: Runtime) -> None:
    # Two processes (a serve and a worker, or two serves) each claim a node at start, then
    # mint ids in the same milliseconds: the group commit of one inbox batch mints ten at once.
    import time

    claim_id_node(runtime)
    first = ids._node
    claim_id_node(runtime)
    second = ids._node
    assert first != second
    spawn = multiprocessing.get_context("spawn")
    with (
        spawn.Pool(1, initializer=ids.use_node, initargs=(first,)) as one,
        spawn.Pool(1, initializer=ids.use_node, initargs=(second,)) as two,
    ):
        # Both processes are up, with this module imported (a slow machine takes seconds), before
        # the start.
        one.apply(_mint_after, (0.0, 0)), two.apply(_mint_after, (0.0, 0))
        start_at = time.time() + 0.5
        minted_by_one = one.apply_async(_mint_after, (start_at, 50_000))
        minted_by_two = two.apply_async(_mint_after, (start_at, 50_000))
        a, b = minted_by_one.get(timeout=60), minted_by_two.get(timeout=60)
    assert {i >> 16 for i in a} & {i >> 16 for i in b}, "the two processes minted in the same milliseconds"
    assert not set(a) & set(b)
