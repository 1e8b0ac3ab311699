"""Outbound request guard: refuse non-public destinations and enforce a whole-request deadline.

URL checks run before any I/O. The address check runs at connect time on every address
the name resolves to, and the socket is opened to the checked IP, so DNS rebinding cannot
slip a private address in between (GoToSocial dials through the same kind of sanitizer).
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any
from urllib.parse import SplitResult, urlsplit

import httpcore
import httpx

from .errors import FetchForbiddenAddress, FetchInvalidURL, FormatError
from .urls import normalize_host

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

MAX_URL_LENGTH = 2048

# IANA special-purpose registries (as GoToSocial's netutil lists them).
_V4_RESERVED = tuple(
    ipaddress.IPv4Network(net)
    for net in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.31.196.0/24",
        "192.52.193.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "192.175.48.0/24",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
)
_V6_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
_V6_RESERVED = tuple(
    ipaddress.IPv6Network(net)
    for net in (
        "::/128",
        "::1/128",
        "::ffff:0:0/96",
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "2002::/16",
        "2620:4f:8000::/48",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)

# The deadline of the request being sent on this thread (a monotonic timestamp).
_deadline: ContextVar[float | None] = ContextVar("activitypub_deadline", default=None)


def is_forbidden_address(address: IPAddress) -> bool:
    """Whether federation traffic must never reach this address (not globally routable)."""
    if isinstance(address, ipaddress.IPv4Address):
        return any(address in net for net in _V4_RESERVED)
    if address.ipv4_mapped is not None:
        return True
    return address not in _V6_GLOBAL_UNICAST or any(address in net for net in _V6_RESERVED)


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _looks_numeric(host: str) -> bool:
    # The resolver reads 127.1, 2130706433 or 0x7f.0.0.1 as IPv4; no real TLD is numeric.
    last = host.rstrip(".").rsplit(".", 1)[-1].lower()
    return last.isdigit() or (last.startswith("0x") and all(c in "0123456789abcdef" for c in last[2:]))


def check_url(url: str, *, allow_http: bool, allow_private_addresses: bool) -> SplitResult:
    """Validate a URL before any I/O; raise FetchInvalidURL or FetchForbiddenAddress.

    Refuses non-ASCII or control characters, spaces, backslashes, userinfo, schemes other
    than https (and http when allowed), numeric hosts that are not plain IP literals, and
    IP literals of non-public addresses.
    """
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise FetchInvalidURL(str(url)[:100], "Invalid URL")
    if not url.isascii() or any(c.isspace() or c == "\\" or ord(c) < 32 or ord(c) == 127 for c in url):
        raise FetchInvalidURL(url, "URL contains forbidden characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise FetchInvalidURL(url, "Invalid URL") from exc
    allowed_schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in allowed_schemes:
        raise FetchInvalidURL(url, f"URL scheme must be {' or '.join(allowed_schemes)}")
    if "@" in parts.netloc:
        raise FetchInvalidURL(url, "URL must not contain credentials")
    host = parts.hostname
    if not host:
        raise FetchInvalidURL(url, "URL has no host")
    address = _ip_literal(host)
    if address is None:
        if _looks_numeric(host):
            raise FetchInvalidURL(url, "Numeric host is not a valid IP address")
        try:
            normalize_host(host)
            httpx.URL(url)
        except (FormatError, httpx.InvalidURL) as exc:
            raise FetchInvalidURL(url, "Invalid host") from exc
    if address is not None and not allow_private_addresses and is_forbidden_address(address):
        raise FetchForbiddenAddress(url, "Destination address is not allowed")
    return parts


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _remaining(timeout: float | None, expired: type[Exception]) -> float | None:
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise expired("Request exceeded its total deadline")
    return remaining if timeout is None else min(timeout, remaining)


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Bound everything sent on this thread inside the block to ``seconds`` in total."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def deadline_exceeded() -> bool:
    current = _deadline.get()
    return current is not None and time.monotonic() > current


class _DeadlineStream(httpcore.NetworkStream):
    """Caps every socket wait at what is left of the request's deadline, so a peer that
    trickles bytes cannot hold a worker beyond it (CVE-2023-36461)."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _remaining(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _remaining(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(
            ssl_context, server_hostname, _remaining(timeout, httpcore.ConnectTimeout)
        )
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """Resolves, refuses non-public addresses, and connects to the address it checked."""

    def __init__(self, *, allow_private_addresses: bool, resolver: Resolver | None = None) -> None:
        self._allow_private = allow_private_addresses
        self._resolve = resolver or _system_resolver
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _remaining(timeout, httpcore.ConnectTimeout)
        try:
            candidates = self._resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"Cannot resolve {host}: {exc}") from exc
        allowed = [ip for ip in candidates if self._permitted(ip)]
        if not allowed:
            raise FetchForbiddenAddress(host, f"{host} resolves to a forbidden address")
        error: Exception = httpcore.ConnectError(f"Cannot connect to {host}")
        for ip in allowed:
            try:
                stream = self._inner.connect_tcp(
                    ip,
                    port,
                    _remaining(timeout, httpcore.ConnectTimeout),
                    local_address,
                    socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return _DeadlineStream(stream)
        raise error

    def _permitted(self, ip: str) -> bool:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return self._allow_private or not is_forbidden_address(address)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise FetchForbiddenAddress(path, "Unix sockets are not allowed")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


# Most specific first: the first match wins.
_EXCEPTIONS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextlib.contextmanager
def _httpx_errors() -> Iterator[None]:
    try:
        yield
    except tuple(source for source, _ in _EXCEPTIONS) as exc:
        target = next(t for source, t in _EXCEPTIONS if isinstance(exc, source))
        raise target(str(exc)) from exc


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _httpx_errors():
            yield from self._stream

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport over an httpcore pool whose connections go through GuardedBackend."""

    def __init__(
        self,
        *,
        allow_private_addresses: bool = False,
        resolver: Resolver | None = None,
        max_connections: int = 100,
        max_keepalive_connections: int = 20,
    ) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_keepalive_connections,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(
                allow_private_addresses=allow_private_addresses, resolver=resolver
            ),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _httpx_errors():
            response = self._pool.handle_request(core_request)
        assert isinstance(response.stream, Iterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()
