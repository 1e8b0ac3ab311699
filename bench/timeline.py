"""B5 home_timeline: does the home timeline cost grow with the page, not with the table?

For each database (SQLite, PostgreSQL) and size (10^4 and 10^6 statuses by default, 5,000
accounts, the viewer follows 200 of them) it loads a fresh database with SQLAlchemy Core bulk
inserts, then measures, interleaved over repetitions:

  endpoint  GET /api/v1/timelines/home?limit=20 (first pages and max_id pages deep in the feed),
            through the whole ASGI stack in process (token check, queries, rendering, JSON);
  bare      the indexed page query alone (20 ids from home_feed's primary key, then those
            statuses by primary key) with the same bounds, on a plain connection.

It prints one JSON line (machine, versions, seed, every figure) and a summary. The bar (see
BENCHMARKS.md): p99(10^6)/p99(10^4) <= 1.5 and endpoint p99 <= 3x the bare query's.

    python bench/timeline.py                      # both databases, 10^4 and 10^6
    python bench/timeline.py --quick              # CI size: 2,000 and 20,000 statuses, 3 x 30 requests
    python bench/timeline.py --db sqlite --sizes 10000,100000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout: python bench/timeline.py

import httpx
import sqlalchemy
import starlette
from sqlalchemy import Engine, create_engine, insert, text

from fedi import __version__
from fedi.app import create_app
from fedi.composition import build_runtime
from fedi.config import Settings, load_settings
from fedi.db import make_engine, migrate
from fedi.ids import id_floor
from fedi.models.accounts import Account, User, acct_key
from fedi.models.oauth import OAuthApplication, OAuthToken
from fedi.models.relationships import Follow
from fedi.models.statuses import HomeFeedEntry, Status
from fedi.security.tokens import hash_secret

ACCOUNTS = 5_000
FOLLOWED = 200
PAGE = 20
BATCH = 10_000
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TOKEN = "bench-token-" + "x" * 32
# The page cut from home_feed's primary key, then its statuses by primary key: one statement.
BARE_QUERY = text(
    "SELECT statuses.* FROM (SELECT status_id FROM home_feed WHERE account_id = :viewer AND status_id < :max_id "
    "ORDER BY status_id DESC LIMIT :limit) AS page JOIN statuses ON statuses.id = page.status_id "
    "ORDER BY statuses.id DESC"
)


@dataclass
class Loaded:
    viewer_id: int
    feed_ids: list[int]  # the viewer's home feed, newest first
    seconds: float


# Loading -------------------------------------------------------------------------------------


def load(engine: Engine, statuses: int, rng: random.Random) -> Loaded:
    """5,000 accounts, `statuses` posts among them, a viewer following 200, its home feed."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    account_ids = list(range(1, ACCOUNTS + 1))
    viewer_id = account_ids[0]
    followed = set(rng.sample(account_ids[1:], FOLLOWED))
    account_template = Account(id=0, username="", acct_key="", uri="").model_dump()
    accounts = []
    for account_id in account_ids:
        username = f"user{account_id}"
        uri = f"https://bench.test/users/{username}"
        accounts.append(
            account_template
            | {
                "id": account_id,
                "username": username,
                "acct_key": acct_key(username, None),
                "uri": uri,
                "url": uri,
            }
        )
    oldest = id_floor(now - timedelta(days=365))
    step = (id_floor(now) - oldest) // statuses
    status_template = Status(id=0, uri="", account_id=0).model_dump() | {
        "local": True,
        "content": "<p>A post with some words in it.</p>",
    }
    with engine.begin() as connection:
        connection.execute(insert(Account), accounts)
        connection.execute(
            insert(User),
            [User(id=1, account_id=viewer_id, email="viewer@bench.test", password_hash="-").model_dump()],
        )
        connection.execute(
            insert(Follow),
            [
                {
                    "id": n,
                    "account_id": viewer_id,
                    "target_account_id": target,
                    "uri": f"https://bench.test/follows/{n}",
                    "accepted": True,
                    "show_reblogs": True,
                    "notify": False,
                    "created_at": now,
                }
                for n, target in enumerate(sorted(followed), 1)
            ],
        )
        app = OAuthApplication(
            id=1,
            name="bench",
            redirect_uris="urn:ietf:wg:oauth:2.0:oob",
            client_id="bench",
            client_secret_hash="-",
        )
        connection.execute(insert(OAuthApplication), [app.model_dump()])
        token = OAuthToken(
            id=1, token_hash=hash_secret(TOKEN), application_id=1, user_id=1, scopes="read", last_used_at=now
        )
        connection.execute(insert(OAuthToken), [token.model_dump()])
    feed: list[int] = []
    for start in range(0, statuses, BATCH):
        rows, entries = [], []
        for n in range(start, min(start + BATCH, statuses)):
            status_id = oldest + n * step
            author = rng.choice(account_ids)
            rows.append(
                status_template
                | {
                    "id": status_id,
                    "uri": f"https://bench.test/s/{status_id}",
                    "account_id": author,
                    "created_at": now - timedelta(seconds=statuses - n),
                }
            )
            if author in followed:
                entries.append({"account_id": viewer_id, "status_id": status_id})
                feed.append(status_id)
        with engine.begin() as connection:
            connection.execute(insert(Status), rows)
            if entries:
                connection.execute(insert(HomeFeedEntry), entries)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    feed.reverse()
    return Loaded(viewer_id, feed, time.perf_counter() - started)


# Measuring -----------------------------------------------------------------------------------


def bounds(loaded: Loaded, count: int, rng: random.Random) -> list[int | None]:
    """Half first pages, half max_id pages anywhere in the feed (deep paging included)."""
    deepest = max(len(loaded.feed_ids) - PAGE, 1)
    return [None if n % 2 == 0 else loaded.feed_ids[rng.randrange(deepest)] for n in range(count)]


async def endpoint_latencies(client: httpx.AsyncClient, pages: list[int | None]) -> list[float]:
    latencies = []
    for max_id in pages:
        url = f"/api/v1/timelines/home?limit={PAGE}" + (f"&max_id={max_id}" if max_id else "")
        started = time.perf_counter()
        response = await client.get(url, headers={"Authorization": f"Bearer {TOKEN}"})
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200 or len(response.json()) != PAGE:
            raise RuntimeError(f"unexpected answer {response.status_code}: {response.text[:200]}")
    return latencies


def bare_latencies(engine: Engine, viewer_id: int, pages: list[int | None]) -> list[float]:
    latencies = []
    with engine.connect() as connection:
        for max_id in pages:
            started = time.perf_counter()
            rows = connection.execute(
                BARE_QUERY, {"viewer": viewer_id, "max_id": max_id or 2**63 - 1, "limit": PAGE}
            ).all()
            latencies.append(time.perf_counter() - started)
            if len(rows) != PAGE:
                raise RuntimeError("the bare query returned a short page")
    return latencies


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98]


async def measure(
    settings: Settings, loaded: Loaded, *, requests: int, repetitions: int, rng: random.Random
) -> dict[str, Any]:
    runtime = build_runtime(settings)
    app = create_app(runtime, consume_jobs=False)
    endpoint_p99s, bare_p99s, endpoint_all, bare_all = [], [], [], []
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=settings.base_url
        ) as client:
            await endpoint_latencies(client, bounds(loaded, 10, rng))  # warm caches and the pool
            bare_latencies(runtime.db.engine, loaded.viewer_id, bounds(loaded, 10, rng))
            for _ in range(repetitions):  # A/B interleaved, the same pages for both
                pages = bounds(loaded, requests, rng)
                endpoint = await endpoint_latencies(client, pages)
                bare = bare_latencies(runtime.db.engine, loaded.viewer_id, pages)
                endpoint_p99s.append(p99(endpoint))
                bare_p99s.append(p99(bare))
                endpoint_all += endpoint
                bare_all += bare
    finally:
        runtime.close()
    ms = 1000.0
    return {
        "endpoint_p99_ms": round(statistics.median(endpoint_p99s) * ms, 3),
        "endpoint_p99_spread_ms": [round(min(endpoint_p99s) * ms, 3), round(max(endpoint_p99s) * ms, 3)],
        "endpoint_p50_ms": round(statistics.median(endpoint_all) * ms, 3),
        "bare_p99_ms": round(statistics.median(bare_p99s) * ms, 3),
        "bare_p99_spread_ms": [round(min(bare_p99s) * ms, 3), round(max(bare_p99s) * ms, 3)],
        "bare_p50_ms": round(statistics.median(bare_all) * ms, 3),
        "endpoint_over_bare_p99": round(statistics.median(endpoint_p99s) / statistics.median(bare_p99s), 2),
    }


# Databases -----------------------------------------------------------------------------------


def run_one(backend: str, statuses: int, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    rng = random.Random(args.seed)
    data_dir = workdir / f"{backend}-{statuses}"
    data_dir.mkdir()
    database_url, drop = "", None
    if backend == "postgres":
        name = f"fedi_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        database_url = args.postgres_url.rsplit("/", 1)[0] + f"/{name}"

        def drop() -> None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    try:
        settings = load_settings(
            None,
            data_dir=data_dir,
            database={"url": database_url},
            instance={"domain": "bench.test", "https": True},
            api={"rate_limit": 0},
        )
        engine = make_engine(settings)
        migrate(engine)
        loaded = load(engine, statuses, rng)
        engine.dispose()
        figures = asyncio.run(
            measure(settings, loaded, requests=args.requests, repetitions=args.repetitions, rng=rng)
        )
        return {
            "db": backend,
            "statuses": statuses,
            "home_feed": len(loaded.feed_ids),
            "load_s": round(loaded.seconds, 1),
            **figures,
        }
    finally:
        if drop is not None:
            drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--sizes", default="10000,1000000", help="status counts, comma separated")
    parser.add_argument(
        "--quick", action="store_true", help="CI size: 2,000 and 20,000 statuses, fewer requests"
    )
    parser.add_argument("--requests", type=int, default=200, help="requests per repetition")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--postgres-url", default=os.environ.get("FEDI_TEST_POSTGRES", DEFAULT_PG))
    args = parser.parse_args()
    sizes = [2_000, 20_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    if args.quick:
        args.requests, args.repetitions = min(args.requests, 30), min(args.repetitions, 3)
    backends = ["sqlite", "postgres"] if args.db == "both" else [args.db]

    results = []
    with tempfile.TemporaryDirectory(prefix="fedi-bench-") as workdir:
        for backend in backends:
            for size in sizes:
                results.append(run_one(backend, size, args, Path(workdir)))
    growth = {}
    for backend in backends:
        rows = [r for r in results if r["db"] == backend]
        growth[backend] = round(rows[-1]["endpoint_p99_ms"] / rows[0]["endpoint_p99_ms"], 2)
    report = {
        "benchmark": "B5 home_timeline",
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "versions": {
            "fedi": __version__,
            "sqlalchemy": sqlalchemy.__version__,
            "starlette": starlette.__version__,
        },
        "seed": args.seed,
        "accounts": ACCOUNTS,
        "followed": FOLLOWED,
        "page": PAGE,
        "requests_per_repetition": args.requests,
        "repetitions": args.repetitions,
        "results": results,
        "p99_growth_largest_over_smallest": growth,
    }
    print(json.dumps(report))
    print()
    print(
        f"B5 home timeline: limit={PAGE}, {ACCOUNTS} accounts, viewer follows {FOLLOWED}; medians of {args.repetitions} x {args.requests} requests"
    )
    for r in results:
        print(
            f"  {r['db']:8} {r['statuses']:>9,} statuses ({r['home_feed']:>7,} in the feed, loaded in {r['load_s']} s): "
            f"endpoint p99 {r['endpoint_p99_ms']} ms (p50 {r['endpoint_p50_ms']}), bare query p99 {r['bare_p99_ms']} ms "
            f"-> {r['endpoint_over_bare_p99']}x the bare query (bar <= 3)"
        )
    for backend, ratio in growth.items():
        print(f"  {backend}: p99 at {sizes[-1]:,} / p99 at {sizes[0]:,} statuses = {ratio} (bar <= 1.5)")


if __name__ == "__main__":
    main()
