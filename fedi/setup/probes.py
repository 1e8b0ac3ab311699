"""Quick checks of the answers `fedi setup` gets: each returns a problem to show, or None."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from fedi.config import _is_local_host

TIMEOUT_S = 3.0


def domain_hint(domain: str) -> str:
    """A one-line hint on whether other servers will reach `domain` (never a hard failure:
    the DNS record often comes after the set-up)."""
    host = domain.rsplit(":", 1)[0] if domain.count(":") == 1 else domain
    if _is_local_host(domain):
        return (
            f"{domain} is only reachable from this machine: fine for trying fedi, but other servers "
            "cannot follow anyone here. Run `fedi setup` again with the public name before federating."
        )
    # getaddrinfo has no timeout of its own; a resolver that hangs must not hang the wizard.
    with ThreadPoolExecutor(max_workers=1) as pool:
        lookup = pool.submit(socket.getaddrinfo, host, 443, type=socket.SOCK_STREAM)
        try:
            addresses = sorted({str(info[4][0]) for info in lookup.result(timeout=TIMEOUT_S)})
        except (OSError, FutureTimeout):
            addresses = []
    if not addresses:
        return (
            f"{host} does not resolve yet (from here): add a DNS record pointing at this server, then "
            "a TLS proxy for it (docs/OPERATIONS.md)."
        )
    return (
        f"{host} resolves to {', '.join(addresses[:3])}: put a TLS proxy there that forwards to "
        "this server's port (docs/OPERATIONS.md)."
    )


def database_problem(url: str) -> str | None:
    """Whether a PostgreSQL URL answers, within a few seconds."""
    if not url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return "a database URL starts with postgresql:// (or answer sqlite)"
    try:
        from sqlalchemy import create_engine, text
    except ImportError:  # pragma: no cover - sqlalchemy is a core dependency
        return "sqlalchemy is missing"
    normalised = "postgresql+psycopg://" + url.split("://", 1)[1]
    try:
        engine = create_engine(normalised, connect_args={"connect_timeout": int(TIMEOUT_S)})
    except Exception as exc:  # NoSuchModuleError without psycopg, ArgumentError for a bad URL
        return f"cannot use {url.split('@')[-1]}: {exc} (PostgreSQL needs `scripts/install postgres`)"
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL at {url.split('@')[-1]} does not answer: {first}"
    finally:
        engine.dispose()
    return None


def redis_problem(url: str) -> str | None:
    """Whether a Redis URL answers PING, within a few seconds."""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return "a Redis URL starts with redis:// (or answer embedded)"
    try:
        import redis
    except ImportError:
        return "the redis client is not installed (`scripts/install redis`)"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S)
        client.ping()
        client.close()
    except Exception as exc:
        return f"Redis at {url.split('@')[-1]} does not answer: {type(exc).__name__}: {exc}"
    return None
