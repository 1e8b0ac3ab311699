"""Ids sort by time and come back from clients only when valid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fedi.ids import id_floor, new_id, parse_id


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
