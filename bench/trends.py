"""B8 trends: does ranking what is trending cost the same at 10^4 and 10^6 posts?

For each size it loads a fresh SQLite database (Core bulk inserts): `posts` public posts among
1,000 accounts, every one of them scored (the worst case: everything was interacted with within
the window). It then measures, interleaved over repetitions:

  rank      the first page of `GET /api/v1/trends/statuses` (20 posts) through the whole ASGI
            stack in process (query, rendering, JSON);
  interact  one interaction recorded on a random post (`trends.record`, in its own transaction).

It prints one JSON line and a summary; the bar (docs/GENERATION.md, "Trending"): the median at
the largest size is at most 1.5x the median at the smallest, for both.

    python -m bench.trends                 # 10^4 and 10^6 posts
    python -m bench.trends --quick         # CI size: 10^3 and 10^5 posts
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, insert, text

from bench.common import fmt, machine, report, summary
from fedi.app import create_app
from fedi.composition import build_runtime
from fedi.config import load_settings
from fedi.db import make_engine, migrate
from fedi.ids import id_floor
from fedi.models.accounts import Account, acct_key
from fedi.models.statuses import Status
from fedi.models.trends import TrendScore
from fedi.runtime import Runtime
from fedi.services import trends

ACCOUNTS = 1_000
BATCH = 20_000


def load(engine: Engine, posts: int, rng: random.Random) -> list[int]:
    now = datetime.now(UTC)
    template = Account(id=0, username="", acct_key="", uri="").model_dump()
    accounts = [
        template
        | {"id": n, "username": f"u{n}", "acct_key": acct_key(f"u{n}", None), "uri": f"https://b.test/u{n}"}
        for n in range(1, ACCOUNTS + 1)
    ]
    oldest = id_floor(now - timedelta(days=6))
    step = (id_floor(now) - oldest) // posts
    status = Status(id=0, uri="", account_id=0).model_dump() | {"local": True, "content": "<p>a post</p>"}
    ids = []
    with engine.begin() as connection:
        connection.execute(insert(Account), accounts)
        for start in range(0, posts, BATCH):
            rows, scores = [], []
            for n in range(start, min(start + BATCH, posts)):
                status_id = oldest + n * step
                created = now - timedelta(days=6) + timedelta(days=6) * n / posts
                rows.append(
                    status
                    | {
                        "id": status_id,
                        "uri": f"https://b.test/s/{n}",
                        "account_id": 1 + n % ACCOUNTS,
                        "created_at": created,
                    }
                )
                at = created + timedelta(minutes=rng.randrange(60))
                scores.append(
                    {
                        "status_id": status_id,
                        "key": trends.term(trends.Interaction.FAVOURITE, at, rng.randrange(1, 50)),
                        "updated_at": at,
                    }
                )
                ids.append(status_id)
            connection.execute(insert(Status), rows)
            connection.execute(insert(TrendScore), scores)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    return ids


async def rank_latencies(client: httpx.AsyncClient, count: int) -> list[float]:
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        response = await client.get("/api/v1/trends/statuses?limit=20")
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200 or len(response.json()) != 20:
            raise RuntimeError(f"unexpected answer {response.status_code}: {response.text[:200]}")
    return latencies


def interact_latencies(runtime: Runtime, ids: list[int], count: int, rng: random.Random) -> list[float]:
    latencies = []
    for _ in range(count):
        target = rng.choice(ids)
        started = time.perf_counter()
        with runtime.db.session() as session:
            trends.record(session, target, trends.Interaction.REBLOG)
        latencies.append(time.perf_counter() - started)
    return latencies


def measure(size: int, reps: int, requests: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as directory:
        data = Path(directory)
        settings = load_settings(
            data_dir=data,
            database={"url": f"sqlite:///{data / 'bench.sqlite3'}"},
            instance={"domain": "bench.test"},
            generation={"enabled": False},
            api={"rate_limit": 0},
        )
        engine = make_engine(settings)
        migrate(engine)
        started = time.perf_counter()
        ids = load(engine, size, rng)
        loaded_s = time.perf_counter() - started
        engine.dispose()
        runtime = build_runtime(settings, immediate_jobs=True)

        async def run() -> tuple[list[float], list[float]]:
            transport = httpx.ASGITransport(app=create_app(runtime))
            ranks: list[float] = []
            updates: list[float] = []
            async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:
                await rank_latencies(client, 5)  # warm-up
                for _ in range(reps):
                    ranks += await rank_latencies(client, requests)
                    updates += interact_latencies(runtime, ids, requests, rng)
            return ranks, updates

        try:
            ranks, updates = asyncio.run(run())
        finally:
            runtime.close()
    return {"posts": size, "load_s": loaded_s, "rank_ms": summary([x * 1000 for x in ranks]),
            "interact_ms": summary([x * 1000 for x in updates])}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10^3 and 10^5 posts, 2 x 20 requests")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sizes = [1_000, 100_000] if args.quick else [10_000, 1_000_000]
    reps, requests = (2, 20) if args.quick else (args.reps, 50)
    results = [measure(size, reps, requests, args.seed) for size in sizes]
    small, large = results[0], results[-1]
    ratios = {
        "rank": large["rank_ms"]["median"] / small["rank_ms"]["median"],
        "interact": large["interact_ms"]["median"] / small["interact_ms"]["median"],
    }
    # The fastest of each: what the work costs with the least interference from a busy machine.
    best_ratios = {
        "rank": large["rank_ms"]["min"] / small["rank_ms"]["min"],
        "interact": large["interact_ms"]["min"] / small["interact_ms"]["min"],
    }
    lines = [
        f"B8 trends: the first page of trending posts, and one interaction, at {sizes[0]:,} and {sizes[-1]:,} posts (SQLite)"
    ]
    for item in results:
        lines.append(
            f"  {item['posts']:>9,} posts  rank {fmt(item['rank_ms'], 2)} ms; interact {fmt(item['interact_ms'], 2)} ms"
            f" (loaded in {item['load_s']:.0f} s)"
        )
    lines.append(
        f"  ratio {sizes[-1]:,} / {sizes[0]:,}: rank {ratios['rank']:.2f}, interact {ratios['interact']:.2f} (bar 1.5)"
    )
    report("trends", {"machine": machine(), "sizes": sizes, "results": results, "ratios": ratios, "best_ratios": best_ratios,
                      "median_of": statistics.median.__name__}, lines)  # fmt: skip


if __name__ == "__main__":
    main()
