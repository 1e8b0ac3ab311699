"""Per-host budgets, counted in memory by one process or in Redis by all of an instance's."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from fedi.config import Settings, load_settings
from fedi.services.federation.budgets import HostBudgets

REDIS_URL = "redis://127.0.0.1:6379/0"


def _settings(tmp_path: Path, **streaming: str) -> Settings:
    federation = {"inbox_posts_per_host_per_minute": 3, "new_actors_per_host_per_minute": 2}
    return load_settings(None, data_dir=tmp_path, federation=federation, streaming=streaming or {})


def _redis_problem() -> str | None:
    try:
        import redis
    except ImportError:
        return "redis is not installed (pip install 'fedi[redis]')"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"no Redis at {REDIS_URL} ({type(exc).__name__})"
    return None


def test_a_host_over_its_inbox_budget_is_told_when_to_come_back(tmp_path: Path) -> None:
    budgets = HostBudgets(_settings(tmp_path))
    assert [budgets.inbox_post("a.test") for _ in range(3)] == [None, None, None]
    retry_after = budgets.inbox_post("a.test")
    assert retry_after is not None and 1 <= retry_after <= 60
    assert budgets.inbox_post("b.test") is None  # other hosts keep their own budget


def test_new_accounts_per_host_are_counted(tmp_path: Path) -> None:
    budgets = HostBudgets(_settings(tmp_path))
    assert [budgets.new_actor("a.test") for _ in range(3)] == [True, True, False]
    assert budgets.new_actor("b.test")


def test_zero_means_no_budget(tmp_path: Path) -> None:
    settings = load_settings(
        None,
        data_dir=tmp_path,
        federation={"inbox_posts_per_host_per_minute": 0, "new_actors_per_host_per_minute": 0},
    )
    budgets = HostBudgets(settings)
    assert all(budgets.inbox_post("a.test") is None for _ in range(5000))
    assert all(budgets.new_actor("a.test") for _ in range(500))


def test_processes_sharing_redis_share_the_budget(tmp_path: Path) -> None:
    problem = _redis_problem()
    if problem:
        pytest.skip(problem)
    settings = _settings(tmp_path, backend="redis", redis_url=REDIS_URL)
    one, two = HostBudgets(settings), HostBudgets(settings)  # as two `fedi serve` processes
    host = f"{uuid.uuid4().hex}.test"  # keys of their own: other runs share this Redis
    assert [one.inbox_post(host), two.inbox_post(host), one.inbox_post(host)] == [None, None, None]
    assert two.inbox_post(host) is not None
