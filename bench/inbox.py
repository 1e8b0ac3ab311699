"""B4 inbox_accept: signed 2.3 KB Create{Note} from 1,000 actors with cached keys.

    python -m bench.inbox [--requests 2000] [--reps 5] [--concurrency 32] [--quick]
    python -m bench.inbox --serves 2 [--quick]     # scale-out: 2 serve processes vs 1 behind nginx

A real `fedi serve` stack (uvicorn, one process) accepts them: size limit, parse, digest and
signature verification, origin checks, de-duplication by activity id, durable write, 202. The
load comes from another process over keep-alive connections. Measured in the same run:
  * P, the same stack's rate for a no-op POST of the same bodies;
  * accepts/s of valid signed activities (each a new activity id);
  * rejects/s of the same requests with a broken signature (401);
  * bare RSA-2048 verifications per second on one core;
  * accepts/s of the same valid traffic under a hostile mix: one POST in ten (on connections of
    its own) is signed by a key on one of 8 loopback servers that answer after 30 s, each a new
    actor, so that every one of them makes fedi start or join a key fetch that cannot finish.
The bars (docs/DEVELOPMENT.md, Benchmarks, issue 9): accepts/s ≥ 0.5·P on one core; rejects/s ≥
accepts/s; accepts/s under the hostile mix ≥ 0.8 times the accepts/s of the clean runs.
The server runs with the default configuration except `inbox_posts_per_host_per_minute = 0`
(the load comes from one host, remote.test, far faster than any real server delivers).

With --serves N the same signed Creates go to nginx in front of N `fedi serve` processes and,
interleaved in the same run, to nginx in front of one of them, on PostgreSQL with jobs on Redis
(the distributed configuration); it reports both rates, their ratio, and per-process figures
(accepts/s per serve process, accepts per CPU-second of the serve processes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from activitypub.signatures import cavage
from activitypub.signatures.keys import load_private_key
from activitypub.testing import STATIC_KEYS
from bench.common import fmt, free_ports, report, summary

ACTORS = 1000
ROOT = Path(__file__).resolve().parents[1]
# The hostile mix: one POST in HOSTILE_EVERY names a key on a slow server (of SLOW_HOSTS).
HOSTILE_EVERY = 10
SLOW_HOSTS = 8
SLOW_S = 30.0
HOSTILE_CONNECTIONS = 64


# The server side ---------------------------------------------------------------------------


def serve(data_dir: Path, port: int) -> None:
    """Run the fedi app with a no-op POST route added for the baseline."""
    import uvicorn
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from fedi.app import create_app
    from fedi.composition import build_runtime

    settings = _settings(data_dir, port)
    runtime = build_runtime(settings)
    app = create_app(runtime, consume_jobs=False)

    async def noop(request: Request) -> Response:
        await request.body()
        return Response(status_code=202)

    app.router.routes.insert(0, Route("/bench/noop", noop, methods=["POST"]))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _settings(data_dir: Path, port: int, **sections: Any) -> Any:
    from fedi.config import load_settings

    return load_settings(
        data_dir=data_dir,
        instance={"domain": f"127.0.0.1:{port}", "https": False},
        jobs={"embedded": False, **sections.pop("jobs", {})},
        federation={
            "allow_private_addresses": True,
            "allow_http": True,
            "inbox_posts_per_host_per_minute": 0,
        },
        log={"level": "warning"},
        **sections,
    )


def prepare(data_dir: Path, port: int, **sections: Any) -> None:
    """Migrate, and store 1,000 remote actors whose keys are then known (cached)."""
    from fedi.composition import build_runtime
    from fedi.db import make_engine, migrate
    from fedi.models.accounts import Account, acct_key
    from fedi.services.system import ensure_system_accounts

    settings = _settings(data_dir, port, **sections)
    engine = make_engine(settings)
    migrate(engine)
    engine.dispose()
    runtime = build_runtime(settings)
    ensure_system_accounts(runtime)
    with runtime.db.session() as session:
        for number in range(ACTORS):
            uri = _actor(number)
            session.add(
                Account(
                    username=f"a{number}",
                    domain="remote.test",
                    acct_key=acct_key(f"a{number}", "remote.test"),
                    uri=uri,
                    inbox_url=f"{uri}/inbox",
                    public_key_id=f"{uri}#main-key",
                    public_key_pem=STATIC_KEYS[number % len(STATIC_KEYS)].public_key_pem,
                    fetched_at=datetime.now(UTC),
                )
            )
    runtime.close()


def _actor(number: int) -> str:
    return f"https://remote.test/users/a{number}"


# The load side ----------------------------------------------------------------------------


def _requests(
    port: int, count: int, tag: str, *, path: str, broken: bool = False, slow_bases: list[str] | None = None
) -> list[bytes]:
    """Raw HTTP/1.1 requests, signed as Mastodon signs them (2.3 KB Create{Note} bodies).

    With `slow_bases`, each comes from a new actor on one of those servers (the hostile mix).
    """
    host = f"127.0.0.1:{port}"
    filler = "lorem ipsum dolor sit amet " * 70
    raw = []
    for index in range(count):
        number = index % ACTORS
        actor = f"{slow_bases[index % len(slow_bases)]}/users/{tag}-{index}" if slow_bases else _actor(number)
        note_id = f"{actor}/statuses/{tag}-{index}"
        activity = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{note_id}/activity",
            "type": "Create",
            "actor": actor,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": {
                "id": note_id,
                "type": "Note",
                "attributedTo": actor,
                "content": f"<p>{filler}</p>",
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
            },
        }
        body = json.dumps(activity).encode()
        headers = {"Content-Type": "application/activity+json"}
        headers |= cavage.sign(
            "POST",
            f"http://{host}{path}",
            headers,
            body,
            private_key_pem=STATIC_KEYS[number % len(STATIC_KEYS)].private_key_pem,
            key_id=f"{actor}#main-key",
            now=datetime.now(UTC),
        )
        if broken:
            headers["Signature"] = headers["Signature"].replace('signature="', 'signature="AAAA')
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        raw.append(f"POST {path} HTTP/1.1\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
    return raw


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """Send one request on a keep-alive connection; return the answer's status."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)
    return int(head.split(b" ", 2)[1])


async def _fire(
    port: int, requests: list[bytes], concurrency: int, hostile: list[bytes] | None = None
) -> tuple[float, dict[int, int], dict[int, int]]:
    """Send over `concurrency` keep-alive connections; returns (requests/s, status counts).

    With `hostile`, other connections send those alongside, one for every HOSTILE_EVERY - 1
    sent of `requests`, until `requests` are all answered (the rate counts `requests` only).
    """
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)
    statuses: dict[int, int] = {}
    hostile_statuses: dict[int, int] = {}
    # One hostile request may go for every HOSTILE_EVERY - 1 valid ones sent (no polling: the
    # load generator shares the machine with the server).
    credits = asyncio.Semaphore(0)
    sent = {"valid": 0}
    done = asyncio.Event()

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while not queue.empty():
                request = queue.get_nowait()
                sent["valid"] += 1
                if sent["valid"] % (HOSTILE_EVERY - 1) == 0:
                    credits.release()
                status = await _exchange(reader, writer, request)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    async def attacker(waiting: list[bytes]) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while True:
                await credits.acquire()
                if done.is_set() or not waiting:
                    return
                status = await _exchange(reader, writer, waiting.pop())
                hostile_statuses[status] = hostile_statuses.get(status, 0) + 1
        finally:
            writer.close()

    attackers = (
        [asyncio.create_task(attacker(hostile)) for _ in range(HOSTILE_CONNECTIONS)] if hostile else []
    )
    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    done.set()
    for _ in attackers:
        credits.release()
    await asyncio.gather(*attackers)
    return len(requests) / elapsed, statuses, hostile_statuses


class SlowKeyServers:
    """Loopback servers that hold every request for SLOW_S seconds (released when closed)."""

    def __init__(self, count: int) -> None:
        released = self.released = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                released.wait(SLOW_S)
                try:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

        self.servers = [ThreadingHTTPServer(("127.0.0.1", 0), Handler) for _ in range(count)]
        for server in self.servers:
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
        self.bases = [f"http://127.0.0.1:{server.server_address[1]}" for server in self.servers]

    def close(self) -> None:
        self.released.set()
        for server in self.servers:
            server.shutdown()
            server.server_close()


def _verify_rate(count: int) -> float:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    private = load_private_key(STATIC_KEYS[0].private_key_pem)
    public = private.public_key()
    message = b"(request-target): post /inbox\nhost: a\ndate: b\ndigest: c"
    signature = private.sign(message, padding.PKCS1v15(), hashes.SHA256())
    started = time.perf_counter()
    for _ in range(count):
        public.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--quick", action="store_true", help="600 requests, 3 repetitions")
    parser.add_argument(
        "--serves", type=int, help="compare N fedi serve processes behind nginx with one (PostgreSQL, Redis)"
    )
    parser.add_argument("--serve", nargs=2, metavar=("DATA_DIR", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]))
        return
    if args.quick:
        args.requests, args.reps = 600, 3
    if args.serves:
        scale_out(args)
        return
    [port] = free_ports(1)
    with tempfile.TemporaryDirectory() as directory:
        data_dir = Path(directory)
        prepare(data_dir, port)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        server = subprocess.Popen(
            [sys.executable, "-m", "bench.inbox", "--serve", str(data_dir), str(port)], cwd=ROOT, env=env
        )
        try:
            _wait(port)
            results = _measure(port, args)
            results["server_cpu_s"] = _cpu_seconds(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=20)
    _print(results, args)


def _wait(port: int) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(port: int, args: Any) -> dict[str, Any]:
    names = ("noop", "accept", "reject", "accept_hostile")
    rates: dict[str, list[float]] = {name: [] for name in names}
    statuses: dict[str, dict[int, int]] = {name: {} for name in (*names, "hostile")}
    verifies: list[float] = []
    asyncio.run(_fire(port, _requests(port, 200, "warm", path="/inbox"), args.concurrency))
    slow = SlowKeyServers(SLOW_HOSTS)
    try:
        for rep in range(args.reps):  # interleaved
            batches = {
                "noop": _requests(port, args.requests, f"n{rep}", path="/bench/noop"),
                "accept": _requests(port, args.requests, f"a{rep}", path="/inbox"),
                "reject": _requests(port, args.requests, f"r{rep}", path="/inbox", broken=True),
                "accept_hostile": _requests(port, args.requests, f"h{rep}", path="/inbox"),
            }
            hostile = _requests(
                port,
                args.requests // (HOSTILE_EVERY - 1) + 1,
                f"s{rep}",
                path="/inbox",
                slow_bases=slow.bases,
            )
            for name, batch in batches.items():
                rate, counts, hostile_counts = asyncio.run(
                    _fire(port, batch, args.concurrency, hostile if name == "accept_hostile" else None)
                )
                rates[name].append(rate)
                for kind, found in ((name, counts), ("hostile", hostile_counts)):
                    for status, n in found.items():
                        statuses[kind][status] = statuses[kind].get(status, 0) + n
            verifies.append(_verify_rate(2000))
    finally:
        slow.close()
    return {"rates": rates, "statuses": statuses, "verifies": verifies}


def _print(results: dict[str, Any], args: Any) -> None:
    rates = {name: summary(values) for name, values in results["rates"].items()}
    verify = summary(results["verifies"])
    ratio = rates["accept"]["median"] / rates["noop"]["median"]
    hostile_ratio = rates["accept_hostile"]["median"] / rates["accept"]["median"]
    statuses = results["statuses"]
    all_accepted = set(statuses["accept"]) == {202} and set(statuses["accept_hostile"]) == {202}
    all_rejected = set(statuses["reject"]) == {401} and set(statuses["hostile"]) == {401}
    hostile_sent = sum(statuses["hostile"].values())
    valid_sent = sum(statuses["accept_hostile"].values())
    verdict = {
        "accepts_ge_0.5P": ratio >= 0.5,
        "rejects_ge_accepts": rates["reject"]["median"] >= rates["accept"]["median"],
        "every_valid_accepted": all_accepted,
        "every_forged_rejected": all_rejected,
        "hostile_accepts_ge_0.8_clean": hostile_ratio >= 0.8,
    }
    result = {
        "requests": args.requests,
        "reps": args.reps,
        "concurrency": args.concurrency,
        "per_s": rates,
        "rsa_verifies_per_s": verify,
        "accept_over_P": ratio,
        "hostile_over_clean": hostile_ratio,
        "hostile_share": hostile_sent / max(hostile_sent + valid_sent, 1),
        "statuses": {k: {str(s): n for s, n in v.items()} for k, v in statuses.items()},
        "server_cpu_s": results["server_cpu_s"],
        "bar": verdict,
    }
    lines = [
        f"B4 inbox_accept: {args.requests} signed 2.3 KB Creates per run from {ACTORS} actors, {args.reps} interleaved repetitions, {args.concurrency} connections",
        f"  no-op POST P      {fmt(rates['noop'])}/s",
        f"  accepted (202)    {fmt(rates['accept'])}/s = {ratio:.2f} P (bar 0.5 P)",
        f"  bad signature 401 {fmt(rates['reject'])}/s",
        f"  accepted under the hostile mix ({hostile_sent} slow-key POSTs = "
        f"{result['hostile_share']:.0%} of all) {fmt(rates['accept_hostile'])}/s = {hostile_ratio:.2f} of clean (bar 0.8)",
        f"  bare RSA verify   {fmt(verify, 0)}/s",
        f"  statuses: {result['statuses']}",
        "  bar: " + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in verdict.items()),
    ]
    report("inbox", result, lines)


# Scale-out: N serve processes behind nginx against one -----------------------------------


def scale_out(args: Any) -> None:
    from bench import cluster

    public, front_one, front_many, *serve_ports = free_ports(3 + args.serves)
    with (
        tempfile.TemporaryDirectory() as directory,
        cluster.postgres_database() as database,
        cluster.redis_queue() as (redis_url, queue),
    ):
        data_dir = Path(directory)
        sections = {
            "database": {"url": database},
            "jobs": {"backend": "redis", "url": redis_url, "name": queue, "embedded": False},
            "generation": {"enabled": False},
            "api": {"rate_limit": 0},
        }
        prepare(data_dir, public, **sections)
        # Every request says Host: 127.0.0.1:<public>, whichever nginx it reaches.
        config = cluster.write_config(
            data_dir / "config.toml",
            instance={"domain": f"127.0.0.1:{public}", "https": False},
            # All the load comes from one sender host: its per-host budget would answer 429.
            federation={
                "allow_private_addresses": True,
                "allow_http": True,
                "inbox_posts_per_host_per_minute": 0,
            },
            log={"level": "warning"},
            **sections,
        )
        serves = [cluster.Fedi(config, "serve", "--port", str(port)) for port in serve_ports]
        fronts = {
            "1 serve": cluster.Nginx(data_dir / "nginx-one", front_one, serve_ports[:1]),
            f"{args.serves} serves": cluster.Nginx(data_dir / "nginx-many", front_many, serve_ports),
        }
        ports = {"1 serve": front_one, f"{args.serves} serves": front_many}
        try:
            for port in serve_ports:
                cluster.wait_http(f"http://127.0.0.1:{port}/healthz")
            results = _measure_scale(args, public, ports, fronts, serves)
            if any(set(counts) != {202} for counts in results["statuses"].values()):
                for process in serves:
                    print(f"== fedi serve {process.pid}\n{process.errors()}", file=sys.stderr)
        finally:
            for front in fronts.values():
                front.stop()
            for process in serves:
                process.stop()
    _print_scale(results, args)


def _measure_scale(
    args: Any, public: int, ports: dict[str, int], fronts: dict[str, Any], serves: list[Any]
) -> dict[str, Any]:
    from bench import cluster

    pids = {"1 serve": [serves[0].pid], f"{args.serves} serves": [s.pid for s in serves]}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in ports}
    statuses: dict[str, dict[int, int]] = {name: {} for name in ports}
    load = [cluster.load_average()[0]]
    for port in ports.values():  # warm-up: connections, caches
        asyncio.run(_fire(port, _requests(public, 200, f"w{port}", path="/inbox"), args.concurrency))
    for rep in range(args.reps):  # interleaved
        for name, port in ports.items():
            batch = _requests(public, args.requests, f"{name[0]}{rep}", path="/inbox")
            before = {pid: cluster.cpu_seconds(pid) for pid in pids[name]}
            proxy_before = sum(cluster.cpu_seconds(pid) for pid in fronts[name].worker_pids())
            rate, counts, _ = asyncio.run(_fire(port, batch, args.concurrency))
            cpu = {pid: cluster.cpu_seconds(pid) - before[pid] for pid in pids[name]}
            proxy = sum(cluster.cpu_seconds(pid) for pid in fronts[name].worker_pids()) - proxy_before
            runs[name].append(
                {
                    "rate": rate,
                    "serve_cpu_s": sum(cpu.values()),
                    "per_serve_cpu_s": args.requests / max(sum(cpu.values()), 1e-9),
                    "busiest_serve_share": max(cpu.values()) / max(sum(cpu.values()), 1e-9),
                    "nginx_cpu_s": proxy,
                }
            )
            for status, n in counts.items():
                statuses[name][status] = statuses[name].get(status, 0) + n
        load.append(cluster.load_average()[0])
    return {"runs": runs, "statuses": statuses, "load": load}


def _print_scale(results: dict[str, Any], args: Any) -> None:
    runs = results["runs"]
    one, many = "1 serve", f"{args.serves} serves"
    rate = {name: summary([r["rate"] for r in rows]) for name, rows in runs.items()}
    per_cpu = {name: summary([r["per_serve_cpu_s"] for r in rows]) for name, rows in runs.items()}
    ratio = rate[many]["median"] / rate[one]["median"]
    all_accepted = all(set(counts) == {202} for counts in results["statuses"].values())
    result = {
        "mode": "scale_out",
        "serves": args.serves,
        "requests": args.requests,
        "reps": args.reps,
        "concurrency": args.concurrency,
        "accepts_per_s": rate,
        "accepts_per_serve_cpu_s": per_cpu,
        "ratio": ratio,
        "per_process_accepts_per_s": {one: rate[one]["median"], many: rate[many]["median"] / args.serves},
        "load_average_1m": results["load"],
        "statuses": {k: {str(s): n for s, n in v.items()} for k, v in results["statuses"].items()},
        "every_valid_accepted": all_accepted,
    }
    lines = [
        f"B4 inbox, scale-out: {args.requests} signed Creates per run through nginx, {args.reps} interleaved repetitions, {args.concurrency} connections, PostgreSQL + Redis",
        *(
            f"  {name:10s} {fmt(rate[name])} accepts/s; {fmt(per_cpu[name])} accepts per serve CPU-second"
            for name in runs
        ),
        f"  ratio {many} / {one}: {ratio:.2f}; per serve process {rate[many]['median'] / args.serves:.0f}/s vs {rate[one]['median']:.0f}/s",
        f"  1-minute load average during the run: {', '.join(f'{v:.1f}' for v in results['load'])} (2 cores, shared)",
        f"  every valid activity accepted: {all_accepted}",
    ]
    report("inbox", result, lines)


if __name__ == "__main__":
    main()
