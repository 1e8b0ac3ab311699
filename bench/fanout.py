"""B3 fanout: one Create to 1,000 followers on 100 hosts, through fedi's real delivery path.

    python -m bench.fanout [--followers 1000] [--hosts 100] [--reps 5] [--quick]
    python -m bench.fanout --workers 2 [--quick]    # scale-out: 2 `fedi worker` vs 1

Receivers are no-op inboxes on 100 loopback ports in another process. Measured in the same run:
  * fedi's fan-out (durable delivery rows, signed POSTs, outcomes recorded) with shared inboxes
    (one request per host) and without (one per follower), at 8 and 64 deliveries in flight;
  * a naive sequential sender (a new HTTP client and a signature per request);
  * S, RSA-2048 signatures per second on one core.
The bar (docs/DEVELOPMENT.md, Benchmarks): ≥ 0.4·S deliveries/s per sender core, ≥ 15x naive, exactly
one delivery per shared inbox, no duplicates, throughput at 64 in flight ≥ at 8.

With --workers N the fan-out runs as in production: the post queues a job on Redis, and N
`fedi worker` processes (PostgreSQL) share it, against one worker on its own queue, interleaved
in the same run; it reports both rates, their ratio and per-process figures (deliveries/s per
worker, deliveries per worker CPU-second).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import select

from activitypub.signatures import cavage
from activitypub.signatures.keys import generate_rsa_private_key_pem
from bench.common import fmt, free_ports, report, summary
from fedi.composition import build_runtime
from fedi.config import load_settings
from fedi.db import make_engine, migrate
from fedi.models.accounts import Account, acct_key
from fedi.models.federation import Delivery, OutboxActivity
from fedi.models.relationships import Follow
from fedi.runtime import Runtime
from fedi.services import statuses
from fedi.services.accounts import create_local_account
from fedi.services.federation import delivery
from fedi.services.system import ensure_system_accounts


def _start_receivers(ports: list[int], control: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.noop_receiver", ",".join(map(str, ports)), str(control)],
        cwd=Path(__file__).resolve().parents[1],
    )
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{control}/", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError("receivers did not start")


def _receiver_counts(control: int, *, reset: bool = False) -> dict[str, Any]:
    if reset:
        return httpx.post(f"http://127.0.0.1:{control}/", timeout=10).json()
    return httpx.get(f"http://127.0.0.1:{control}/", timeout=10).json()


def _runtime(directory: Path, database_url: str | None) -> Runtime:
    settings = load_settings(
        data_dir=directory,
        instance={"domain": "sender.test", "https": True},
        database={"url": database_url or ""},
        federation={"allow_private_addresses": True, "allow_http": True},
        log={"level": "warning"},
    )
    engine = make_engine(settings)
    migrate(engine)
    engine.dispose()
    runtime = build_runtime(settings)
    ensure_system_accounts(runtime)
    return runtime


def _author(runtime: Runtime, name: str, ports: list[int], followers: int, *, shared: bool) -> Account:
    with runtime.db.session() as session:
        author = create_local_account(session, runtime.urls, username=name)
        for number in range(followers):
            port = ports[number % len(ports)]
            base = f"http://127.0.0.1:{port}"
            uri = f"{base}/users/{name}-f{number}"
            follower = Account(
                username=f"{name}-f{number}",
                domain=f"127.0.0.1:{port}",
                acct_key=acct_key(f"{name}-f{number}", f"127.0.0.1:{port}"),
                uri=uri,
                inbox_url=f"{uri}/inbox",
                shared_inbox_url=f"{base}/inbox" if shared else None,
                public_key_id=f"{uri}#main-key",
            )
            session.add(follower)
            session.flush()
            session.add(
                Follow(account_id=follower.id, target_account_id=author.id, uri=f"{uri}#f", accepted=True)
            )
    return author


def _post(runtime: Runtime, author: Account, text: str) -> int:
    with runtime.db.session() as session:
        status = statuses.create(session, runtime, author, statuses.StatusDraft(text=text))
        activity = session.exec(
            select(OutboxActivity).where(OutboxActivity.uri == f"{status.uri}/activity")
        ).one()
        return activity.id


def _fan_out(runtime: Runtime, author: Account, concurrency: int, control: int) -> dict[str, float]:
    runtime.settings.federation.delivery_concurrency = concurrency
    activity_id = _post(runtime, author, f"benchmark post at {time.time()}")
    _receiver_counts(control, reset=True)
    wall, cpu = time.perf_counter(), time.process_time()
    delivery.fan_out(runtime, activity_id)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    with runtime.db.reader() as session:
        rows = session.exec(select(Delivery).where(Delivery.activity_id == activity_id)).all()
    counts = _receiver_counts(control)
    per_inbox = [n for inbox in counts["by_inbox"].values() for n in inbox.values()]
    return {
        "deliveries": len(rows),
        "delivered": sum(r.state == "delivered" for r in rows),
        "received": counts["total"],
        "duplicates": sum(n - 1 for n in per_inbox if n > 1),
        "rate": len(rows) / wall,
        "per_core": len(rows) / cpu,
    }


def _naive(urls: list[str], key_pem: str, body: bytes) -> float:
    """The baseline: sequential, a new client and a fresh signature for every request."""
    started = time.perf_counter()
    for url in urls:
        headers = {"Content-Type": "application/activity+json"}
        headers |= cavage.sign(
            "POST",
            url,
            headers,
            body,
            private_key_pem=key_pem,
            key_id="https://sender.test/users/naive#main-key",
            now=datetime.now(UTC),
        )
        with httpx.Client() as client:
            client.post(url, content=body, headers=headers).raise_for_status()
    return len(urls) / (time.perf_counter() - started)


def _sign_rate(key_pem: str, count: int) -> float:
    body = b'{"id":"x"}'
    started = time.perf_counter()
    for _ in range(count):
        cavage.sign(
            "POST",
            "https://a.test/inbox",
            {},
            body,
            private_key_pem=key_pem,
            key_id="k",
            now=datetime.now(UTC),
        )
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--followers", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--database", help="a PostgreSQL URL (default: SQLite in a temporary directory)")
    parser.add_argument("--quick", action="store_true", help="200 followers on 20 hosts, 3 repetitions")
    parser.add_argument(
        "--workers", type=int, help="compare N fedi worker processes with one (PostgreSQL, Redis)"
    )
    args = parser.parse_args()
    if args.quick:
        args.followers, args.hosts, args.reps = 200, 20, 3
    if args.workers:
        scale_out(args)
        return
    ports = free_ports(args.hosts + 1)
    control, ports = ports[-1], ports[:-1]
    receivers = _start_receivers(ports, control)
    try:
        with tempfile.TemporaryDirectory() as directory:
            runtime = _runtime(Path(directory), args.database)
            shared = _author(runtime, "shared", ports, args.followers, shared=True)
            personal = _author(runtime, "personal", ports, args.followers, shared=False)
            results = _measure(runtime, shared, personal, control, ports, args)
            runtime.close()
    finally:
        receivers.terminate()
    _print(results, args)


def _measure(
    runtime: Runtime, shared: Account, personal: Account, control: int, ports: list[int], args: Any
) -> dict[str, Any]:
    key_pem = generate_rsa_private_key_pem()
    body = json.dumps({"id": "https://sender.test/naive", "type": "Create"}).encode()
    naive_urls = [
        f"http://127.0.0.1:{ports[i % len(ports)]}/users/naive{i}/inbox"
        for i in range(min(args.followers, 200))
    ]
    runs: dict[str, list[dict[str, float]]] = {
        name: [] for name in ("personal@8", "personal@64", "shared@64")
    }
    naive: list[float] = []
    signs: list[float] = []
    _fan_out(runtime, personal, 8, control)  # warm-up: connections, caches
    for _ in range(args.reps):  # interleaved A/B/A/B
        runs["personal@8"].append(_fan_out(runtime, personal, 8, control))
        runs["personal@64"].append(_fan_out(runtime, personal, 64, control))
        runs["shared@64"].append(_fan_out(runtime, shared, 64, control))
        naive.append(_naive(naive_urls, key_pem, body))
        signs.append(_sign_rate(key_pem, 200))
    return {"runs": runs, "naive": naive, "signs": signs}


def _print(results: dict[str, Any], args: Any) -> None:
    runs = results["runs"]
    rate = {name: summary([r["rate"] for r in rows]) for name, rows in runs.items()}
    per_core = {name: summary([r["per_core"] for r in rows]) for name, rows in runs.items()}
    naive, signs = summary(results["naive"]), summary(results["signs"])
    best = "personal@64"
    ratio_naive = rate[best]["median"] / naive["median"]
    ratio_sign = per_core[best]["median"] / signs["median"]
    shared_ok = all(r["deliveries"] == args.hosts and r["received"] == args.hosts for r in runs["shared@64"])
    duplicates = sum(r["duplicates"] for rows in runs.values() for r in rows)
    undelivered = sum(r["deliveries"] - r["delivered"] for rows in runs.values() for r in rows)
    verdict = {
        "per_core_ge_0.4S": ratio_sign >= 0.4,
        "ge_15x_naive": ratio_naive >= 15,
        "one_per_shared_inbox": shared_ok,
        "no_duplicates": duplicates == 0 and undelivered == 0,
        "64_ge_8": rate["personal@64"]["median"] >= rate["personal@8"]["median"],
    }
    result = {
        "followers": args.followers,
        "hosts": args.hosts,
        "reps": args.reps,
        "deliveries_per_s": rate,
        "deliveries_per_cpu_s": per_core,
        "naive_per_s": naive,
        "rsa_signs_per_s": signs,
        "ratio_vs_naive": ratio_naive,
        "per_core_over_S": ratio_sign,
        "duplicates": duplicates,
        "bar": verdict,
    }
    lines = [
        f"B3 fanout: {args.followers} followers on {args.hosts} hosts, {args.reps} interleaved repetitions",
        *(
            f"  {name:12s} {fmt(rate[name])} deliveries/s, {fmt(per_core[name])} per CPU-second"
            for name in rate
        ),
        f"  naive sequential sender {fmt(naive)}/s; fedi is {ratio_naive:.1f}x naive (bar 15x)",
        f"  RSA-2048 signs S = {fmt(signs, 0)}/s; fedi per core = {ratio_sign:.2f} S (bar 0.4 S)",
        f"  shared inboxes: {'one delivery per host' if shared_ok else 'NOT one per host'}; duplicates {duplicates}",
        "  bar: " + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in verdict.items()),
    ]
    report("fanout", result, lines)


# Scale-out: N `fedi worker` processes against one -------------------------------------------


def scale_out(args: Any) -> None:
    from bench import cluster

    ports = free_ports(args.hosts + 1)
    control, ports = ports[-1], ports[:-1]
    receivers = _start_receivers(ports, control)
    try:
        with (
            tempfile.TemporaryDirectory() as directory,
            cluster.postgres_database() as database,
            cluster.redis_queue() as (redis_url, queue),
        ):
            results = _scale_runs(Path(directory), database, redis_url, queue, ports, control, args)
    finally:
        receivers.terminate()
    _print_scale(results, args)


def _scale_runs(
    directory: Path, database: str, redis_url: str, queue: str, ports: list[int], control: int, args: Any
) -> dict[str, Any]:
    from bench import cluster

    # Two instances of the same database: one with a queue read by 1 worker, one by N workers.
    configs, runtimes, workers = {}, {}, {}
    labels = {"1 worker": 1, f"{args.workers} workers": args.workers}
    for index, (label, count) in enumerate(labels.items()):
        (directory / f"q{index}").mkdir(parents=True)
        config = cluster.write_config(
            directory / f"q{index}" / "config.toml",
            instance={"domain": "sender.test", "https": True},
            database={"url": database},
            jobs={"backend": "redis", "url": redis_url, "name": f"{queue}{index}", "embedded": False},
            federation={"allow_private_addresses": True, "allow_http": True},
            generation={"enabled": False},
            log={"level": "warning"},
        )
        configs[label] = config
        settings = load_settings(config)
        engine = make_engine(settings)
        migrate(engine)
        engine.dispose()
        runtimes[label] = build_runtime(settings)
        ensure_system_accounts(runtimes[label])
        workers[label] = [cluster.Fedi(config, "worker") for _ in range(count)]
    try:
        author = _author(runtimes["1 worker"], "personal", ports, args.followers, shared=False)
        for label in labels:
            _wait_for_consumers(redis_url, f"{queue}{list(labels).index(label)}", workers[label])
        load = [cluster.load_average()[0]]
        runs: dict[str, list[dict[str, float]]] = {label: [] for label in labels}
        for label in labels:  # warm-up: connections, caches, imports
            _worker_fan_out(runtimes[label], author, workers[label], control)
        for _ in range(args.reps):  # interleaved
            for label in labels:
                runs[label].append(_worker_fan_out(runtimes[label], author, workers[label], control))
            load.append(cluster.load_average()[0])
        return {"runs": runs, "load": load, "signs": [_sign_rate(generate_rsa_private_key_pem(), 200)]}
    finally:
        for label in labels:
            for process in workers[label]:
                process.stop()
            runtimes[label].close()


def _wait_for_consumers(redis_url: str, queue: str, processes: list[Any]) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + 120
    try:
        for process in processes:
            while not any(client.scan_iter(match=f"huey.alive.{queue}.*-{process.pid}-*")):
                if time.monotonic() > deadline:
                    raise RuntimeError("fedi worker did not start")
                time.sleep(0.1)
    finally:
        client.close()


def _worker_fan_out(
    runtime: Runtime, author: Account, processes: list[Any], control: int
) -> dict[str, float]:
    """Post (the job goes on Redis), then wait until every delivery is recorded."""
    from bench import cluster

    _receiver_counts(control, reset=True)
    before = {p.pid: cluster.cpu_seconds(p.pid) for p in processes}
    started = time.perf_counter()
    activity_id = _post(runtime, author, f"benchmark post at {time.time()}")
    while True:
        with runtime.db.reader() as session:
            rows = session.exec(select(Delivery).where(Delivery.activity_id == activity_id)).all()
        if rows and all(r.state != "pending" for r in rows):
            break
        time.sleep(0.02)
    wall = time.perf_counter() - started
    cpu = {pid: cluster.cpu_seconds(pid) - before[pid] for pid in before}
    counts = _receiver_counts(control)
    per_inbox = [n for inbox in counts["by_inbox"].values() for n in inbox.values()]
    return {
        "deliveries": len(rows),
        "delivered": sum(r.state == "delivered" for r in rows),
        "duplicates": sum(n - 1 for n in per_inbox if n > 1),
        "rate": len(rows) / wall,
        "per_worker_cpu_s": len(rows) / max(sum(cpu.values()), 1e-9),
        "busiest_worker_share": max(cpu.values()) / max(sum(cpu.values()), 1e-9),
    }


def _print_scale(results: dict[str, Any], args: Any) -> None:
    runs = results["runs"]
    one, many = "1 worker", f"{args.workers} workers"
    rate = {label: summary([r["rate"] for r in rows]) for label, rows in runs.items()}
    per_cpu = {label: summary([r["per_worker_cpu_s"] for r in rows]) for label, rows in runs.items()}
    share = summary([r["busiest_worker_share"] for r in runs[many]])
    ratio = rate[many]["median"] / rate[one]["median"]
    duplicates = sum(r["duplicates"] for rows in runs.values() for r in rows)
    undelivered = sum(r["deliveries"] - r["delivered"] for rows in runs.values() for r in rows)
    signs = summary(results["signs"])
    result = {
        "mode": "scale_out",
        "workers": args.workers,
        "followers": args.followers,
        "hosts": args.hosts,
        "reps": args.reps,
        "deliveries_per_s": rate,
        "deliveries_per_worker_cpu_s": per_cpu,
        "busiest_worker_cpu_share": share,
        "ratio": ratio,
        "per_process_deliveries_per_s": {one: rate[one]["median"], many: rate[many]["median"] / args.workers},
        "rsa_signs_per_s": signs,
        "duplicates": duplicates,
        "undelivered": undelivered,
        "load_average_1m": results["load"],
    }
    lines = [
        f"B3 fanout, scale-out: one post to {args.followers} followers on {args.hosts} hosts through `fedi worker` processes (PostgreSQL, Redis), {args.reps} interleaved repetitions",
        *(
            f"  {label:10s} {fmt(rate[label])} deliveries/s; {fmt(per_cpu[label])} per worker CPU-second"
            for label in runs
        ),
        f"  ratio {many} / {one}: {ratio:.2f}; per worker {rate[many]['median'] / args.workers:.0f}/s vs {rate[one]['median']:.0f}/s; busiest of {args.workers} did {fmt(share, 2)} of the CPU work",
        f"  RSA-2048 signs S = {fmt(signs, 0)}/s; duplicates {duplicates}, undelivered {undelivered}",
        f"  1-minute load average during the run: {', '.join(f'{v:.1f}' for v in results['load'])} (2 cores, shared)",
    ]
    report("fanout", result, lines)


if __name__ == "__main__":
    main()
