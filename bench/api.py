"""B7 api_cost: server CPU per request and 16-client throughput of the client API's hot paths.

    python -m bench.api [--quick] [--workers N] [--requests 1000] [--reps 5] [--clients 16]

A real `fedi serve` stack (uvicorn, the whole middleware stack, rate limits off, job consumers
off so only the web path is measured) holds a small instance: a viewer following 15 local
accounts, ~300 posts among them, a thread of replies, and favourites and mentions of the viewer's
posts. The load comes from another process over keep-alive connections, each path in turn and
interleaved over repetitions:

  noop           GET a no-op JSON endpoint added for the baseline (same middleware stack)
  home           GET /api/v1/timelines/home?limit=20
  public         GET /api/v1/timelines/public?limit=20
  context        GET /api/v1/statuses/:id/context (a thread of 6)
  notifications  GET /api/v1/notifications?limit=20
  post           POST /api/v1/statuses (a new short post each time)

Server CPU per request is the CPU time the server's processes spent (user + system, from
/proc) during a batch, divided by its requests; throughput is requests over wall time. Ratios
are against the no-op endpoint in the same run. The bar (docs/DEVELOPMENT.md, Benchmarks B7): home and
public <= 8x the no-op's CPU per request, posting <= 12x; `--workers 2` >= 1.7x one worker.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.common import fmt, free_ports, report, summary

ROOT = Path(__file__).resolve().parents[1]
AUTHORS = 15
PAGE = 20
TOKEN_PREFIX = "bench-api-token-"
NOOP_FACTOR = 10
PATHS = ("noop", "home", "public", "context", "notifications", "post")


# The server side ---------------------------------------------------------------------------


def _settings(data_dir: Path, port: int) -> Any:
    from fedi.config import load_settings

    return load_settings(
        data_dir=data_dir,
        instance={"domain": f"127.0.0.1:{port}", "https": False},
        jobs={"embedded": False},
        api={"rate_limit": 0},
        federation={"allow_private_addresses": True, "allow_http": True},
        log={"level": "warning"},
    )


def make_app() -> Any:
    """The fedi app with a no-op JSON route added for the baseline (an ASGI factory)."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from fedi.app import create_app
    from fedi.composition import build_runtime

    settings = _settings(Path(os.environ["BENCH_API_DATA"]), int(os.environ["BENCH_API_PORT"]))
    app = create_app(build_runtime(settings), consume_jobs=False)

    async def noop(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    app.router.routes.insert(0, Route("/bench/noop", noop, methods=["GET"]))
    return app


def serve(workers: int) -> None:
    import uvicorn

    uvicorn.run(
        "bench.api:make_app",
        factory=True,
        host="127.0.0.1",
        port=int(os.environ["BENCH_API_PORT"]),
        workers=workers,
        log_level="warning",
        access_log=False,
    )


def prepare(data_dir: Path, port: int) -> None:
    """Migrate; the viewer and the authors, each with an OAuth token."""
    from fedi.composition import build_runtime
    from fedi.db import make_engine, migrate
    from fedi.models.oauth import OAuthApplication, OAuthToken
    from fedi.security.tokens import hash_secret
    from fedi.services.accounts import create_local_account
    from fedi.services.system import ensure_system_accounts

    settings = _settings(data_dir, port)
    engine = make_engine(settings)
    migrate(engine)
    engine.dispose()
    runtime = build_runtime(settings)
    ensure_system_accounts(runtime)
    with runtime.db.session() as session:
        app = OAuthApplication(
            name="bench",
            redirect_uris="urn:ietf:wg:oauth:2.0:oob",
            scopes="read write follow",
            client_id="bench-client",
            client_secret_hash=hash_secret("bench-secret"),
        )
        session.add(app)
        session.flush()
        for number in range(AUTHORS + 1):
            account = create_local_account(session, runtime.urls, username=f"user{number}")
            user = _login_for(session, account)
            session.add(
                OAuthToken(
                    token_hash=hash_secret(_token(number)),
                    application_id=app.id,
                    user_id=user,
                    scopes="read write follow",
                )
            )
    runtime.close()


def _login_for(session: Any, account: Any) -> int:
    from fedi.models.accounts import User

    user = User(account_id=account.id, email=f"{account.username}@bench.test", password_hash="-")
    session.add(user)
    session.flush()
    return int(user.id)


def _token(number: int) -> str:
    return f"{TOKEN_PREFIX}{number:04d}" + "x" * 24


# Seeding through the API (the same code paths clients use) ----------------------------------


def seed(base: str, posts: int) -> dict[str, str]:
    """Follows, posts, a thread, favourites and mentions; returns the ids the load needs."""
    viewer = {"Authorization": f"Bearer {_token(0)}"}
    with httpx.Client(base_url=base, timeout=30) as http:
        me = http.get("/api/v1/accounts/verify_credentials", headers=viewer).raise_for_status().json()
        author_ids = []
        for number in range(1, AUTHORS + 1):
            author = (
                http.get("/api/v1/accounts/verify_credentials", headers=_auth(number))
                .raise_for_status()
                .json()
            )
            author_ids.append(author["id"])
            http.post(f"/api/v1/accounts/{author['id']}/follow", headers=viewer).raise_for_status()
        for index in range(posts):
            number = 1 + index % AUTHORS
            http.post(
                "/api/v1/statuses",
                headers=_auth(number),
                json={
                    "status": f"Post {index} by user{number}, with a #bench tag and a https://example.org link."
                },
            ).raise_for_status()
        root = (
            http.post("/api/v1/statuses", headers=viewer, json={"status": "A thread to read in context."})
            .raise_for_status()
            .json()
        )
        parent = root["id"]
        for number in range(1, 6):
            reply = (
                http.post(
                    "/api/v1/statuses",
                    headers=_auth(number),
                    json={"status": f"@user0 reply {number}", "in_reply_to_id": parent},
                )
                .raise_for_status()
                .json()
            )
            parent = reply["id"]
        for number in range(1, AUTHORS + 1):
            http.post(f"/api/v1/statuses/{root['id']}/favourite", headers=_auth(number)).raise_for_status()
            http.post(f"/api/v1/accounts/{me['id']}/follow", headers=_auth(number)).raise_for_status()
    return {"thread": str(root["id"])}


def _auth(number: int) -> dict[str, str]:
    return {"Authorization": f"Bearer {_token(number)}"}


# The load side ----------------------------------------------------------------------------


def _requests(path: str, count: int, port: int, ids: dict[str, str], tag: str) -> list[bytes]:
    head = f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {_token(0)}\r\nAccept: application/json\r\n"
    targets = {
        "noop": "/bench/noop",
        "home": f"/api/v1/timelines/home?limit={PAGE}",
        "public": f"/api/v1/timelines/public?limit={PAGE}",
        "context": f"/api/v1/statuses/{ids['thread']}/context",
        "notifications": f"/api/v1/notifications?limit={PAGE}",
    }
    if path != "post":
        raw = f"GET {targets[path]} HTTP/1.1\r\n{head}\r\n".encode()
        return [raw] * count
    out = []
    for index in range(count):
        body = json.dumps({"status": f"Benchmark post {tag}-{index}"}).encode()
        out.append(
            f"POST /api/v1/statuses HTTP/1.1\r\n{head}Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
    return out


async def _fire(port: int, requests: list[bytes], clients: int) -> tuple[float, dict[int, int]]:
    """Send over `clients` keep-alive connections; returns (wall seconds, status counts)."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)
    statuses: dict[int, int] = {}

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while not queue.empty():
                writer.write(queue.get_nowait())
                await writer.drain()
                status, length, chunked = _head(await reader.readuntil(b"\r\n\r\n"))
                if chunked:
                    await _skip_chunked(reader)
                elif length:
                    await reader.readexactly(length)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(clients)))
    return time.perf_counter() - started, statuses


def _head(head: bytes) -> tuple[int, int, bool]:
    status = int(head.split(b" ", 2)[1])
    length, chunked = 0, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
        elif name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    return status, length, chunked


async def _skip_chunked(reader: asyncio.StreamReader) -> None:
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
        await reader.readexactly(size + 2)
        if size == 0:
            return


def _tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and all its descendants (uvicorn's workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        total += times.get(current, 0.0)
        stack.extend(children.get(current, []))
    return total


def _tree_rss_mb(pid: int) -> float:
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            stack.extend(int(c) for c in Path(f"/proc/{current}/task/{current}/children").read_text().split())
        except OSError:
            continue
    return total / 1024


def _measure(pid: int, port: int, ids: dict[str, str], args: Any) -> dict[str, Any]:
    cpu_ms: dict[str, list[float]] = {path: [] for path in PATHS}
    per_s: dict[str, list[float]] = {path: [] for path in PATHS}
    statuses: dict[str, dict[int, int]] = {path: {} for path in PATHS}
    for path in PATHS:  # warm every path once
        asyncio.run(_fire(port, _requests(path, 50, port, ids, "warm"), args.clients))
    for rep in range(args.reps):
        for path in PATHS:
            # The no-op is cheap: more of it, so /proc's 10 ms clock ticks still resolve it.
            count = args.requests * NOOP_FACTOR if path == "noop" else args.requests
            batch = _requests(path, count, port, ids, f"r{rep}")
            before = _tree_cpu_seconds(pid)
            wall, counts = asyncio.run(_fire(port, batch, args.clients))
            cpu_ms[path].append((_tree_cpu_seconds(pid) - before) * 1000 / len(batch))
            per_s[path].append(len(batch) / wall)
            for status, n in counts.items():
                statuses[path][status] = statuses[path].get(status, 0) + n
    return {"cpu_ms": cpu_ms, "per_s": per_s, "statuses": statuses, "rss_mb": _tree_rss_mb(pid)}


def run(args: Any) -> dict[str, Any]:
    [port] = free_ports(1)
    with tempfile.TemporaryDirectory() as directory:
        data_dir = Path(directory)
        prepare(data_dir, port)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "BENCH_API_DATA": str(data_dir),
            "BENCH_API_PORT": str(port),
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "bench.api", "--serve", "--workers", str(args.workers)],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        try:
            _wait(port)
            ids = seed(f"http://127.0.0.1:{port}", args.posts)
            return _measure(server.pid, port, ids, args)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def _wait(port: int) -> None:
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not start")


def _print(results: dict[str, Any], args: Any) -> None:
    cpu = {path: summary(values) for path, values in results["cpu_ms"].items()}
    rate = {path: summary(values) for path, values in results["per_s"].items()}
    noop = cpu["noop"]["median"]
    over_noop = {path: cpu[path]["median"] / noop for path in PATHS}
    all_ok = all(set(results["statuses"][path]) == {200} for path in PATHS)
    verdict = {
        "home_le_8x_noop": over_noop["home"] <= 8,
        "public_le_8x_noop": over_noop["public"] <= 8,
        "post_le_12x_noop": over_noop["post"] <= 12,
        "every_answer_200": all_ok,
    }
    result = {
        "workers": args.workers,
        "clients": args.clients,
        "requests": args.requests,
        "reps": args.reps,
        "posts_seeded": args.posts,
        "cpu_ms_per_request": cpu,
        "per_s": rate,
        "cpu_over_noop": over_noop,
        "server_rss_mb": results["rss_mb"],
        "statuses": {p: {str(s): n for s, n in v.items()} for p, v in results["statuses"].items()},
        "bar": verdict,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    lines = [
        f"B7 api_cost: {args.requests} requests per path and repetition, {args.reps} interleaved repetitions, "
        f"{args.clients} clients, {args.workers} worker process(es)",
        f"  {'path':<14}{'CPU ms/request':>22}{'x no-op':>9}{'requests/s':>26}",
    ]
    for path in PATHS:
        lines.append(f"  {path:<14}{fmt(cpu[path], 2):>22}{over_noop[path]:>9.1f}{fmt(rate[path], 0):>26}")
    lines.append(f"  server memory after the run: {results['rss_mb']:.0f} MB")
    lines.append("  bar: " + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in verdict.items()))
    report("api", result, lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=1000, help="requests per path and repetition")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--clients", type=int, default=16, help="concurrent keep-alive connections")
    parser.add_argument("--posts", type=int, default=300, help="posts seeded before measuring")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument(
        "--quick", action="store_true", help="CI size: 150 requests, 2 repetitions, 100 posts"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.workers)
        return
    if args.quick:
        args.requests, args.reps, args.posts = 60, 2, 60
    _print(run(args), args)


if __name__ == "__main__":
    main()
