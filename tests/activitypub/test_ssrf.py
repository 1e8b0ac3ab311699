"""The SSRF guard and the total deadline against real sockets on 127.0.0.1.

Only loopback is ever connected to; every other forbidden address is refused before any
connection attempt.
"""

from __future__ import annotations

import ipaddress
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from activitypub.client import ClientConfig, FederationClient
from activitypub.errors import FetchForbiddenAddress, FetchUnavailable
from activitypub.ssrf import GuardedTransport, is_forbidden_address

TRICKLE_INTERVAL = 0.5
TRICKLE_MAX_BYTES = 20  # bounded: the handler gives up after 10 s whatever happens


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections: list[int] = []

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        type(self).connections.append(self.client_address[1])
        try:
            if self.path.startswith("/trickle-body"):
                self._trickle_body()
            elif self.path.startswith("/trickle-headers"):
                self._trickle_headers()
            else:
                self._actor()
        except (BrokenPipeError, ConnectionResetError):
            return

    def _actor(self) -> None:
        body = json.dumps({"id": f"http://{self.headers['Host']}{self.path}", "type": "Person"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/activity+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _trickle_body(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/activity+json")
        self.send_header("Content-Length", str(TRICKLE_MAX_BYTES))
        self.end_headers()
        self.wfile.flush()
        for _ in range(TRICKLE_MAX_BYTES):
            self.wfile.write(b" ")
            self.wfile.flush()
            time.sleep(TRICKLE_INTERVAL)

    def _trickle_headers(self) -> None:
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * TRICKLE_MAX_BYTES:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(TRICKLE_INTERVAL / 4)
        self.close_connection = True


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _config(*, private: bool, total: float = 30.0) -> ClientConfig:
    return ClientConfig(
        user_agent="fedi-test",
        allow_http=True,
        allow_private_addresses=private,
        total_timeout=total,
    )


@pytest.mark.parametrize(
    ("address", "forbidden"),
    [
        ("8.8.8.8", False),
        ("1.1.1.1", False),
        ("2606:4700:4700::1111", False),
        ("127.0.0.1", True),
        ("127.255.255.254", True),
        ("10.0.0.1", True),
        ("172.31.255.255", True),
        ("172.32.0.1", False),
        ("192.168.0.1", True),
        ("169.254.169.254", True),
        ("100.64.0.1", True),
        ("100.127.255.255", True),
        ("100.128.0.1", False),
        ("0.0.0.0", True),
        ("0.1.2.3", True),
        ("198.18.0.1", True),
        ("198.19.255.255", True),
        ("192.0.2.5", True),
        ("198.51.100.5", True),
        ("203.0.113.5", True),
        ("224.0.0.251", True),
        ("255.255.255.255", True),
        ("::", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("::ffff:8.8.8.8", True),
        ("64:ff9b::a00:1", True),
        ("fc00::1", True),
        ("fd12:3456::1", True),
        ("fe80::1", True),
        ("ff02::1", True),
        ("2001:db8::1", True),
        ("2002:7f00:1::1", True),
        ("2001::1", True),
        ("100::1", True),
    ],
)
def test_is_forbidden_address(address: str, forbidden: bool) -> None:
    assert is_forbidden_address(ipaddress.ip_address(address)) is forbidden


def test_loopback_server_refused_unless_allowed(server: int) -> None:
    url = f"http://127.0.0.1:{server}/users/alice"
    with FederationClient(_config(private=False)) as client, pytest.raises(FetchForbiddenAddress):
        client.fetch_object(url, signed_as=None)
    with FederationClient(_config(private=True)) as client:
        assert client.fetch_object(url, signed_as=None)["id"] == url


def test_localhost_is_refused_after_resolution(server: int) -> None:
    url = f"http://localhost:{server}/users/alice"
    with (
        FederationClient(_config(private=False)) as client,
        pytest.raises(FetchForbiddenAddress) as caught,
    ):
        client.fetch_object(url, signed_as=None)
    assert caught.value.url == url
    with FederationClient(_config(private=True)) as client:
        assert client.fetch_object(url, signed_as=None)["id"] == url


def test_resolved_address_is_checked_at_connect_time(server: int) -> None:
    # A public-looking name whose DNS answer is loopback (DNS rebinding).
    def rebinding(host: str, port: int) -> list[str]:
        return ["127.0.0.1"] if host == "rebind.test" else []

    url = f"http://rebind.test:{server}/users/alice"
    guarded = GuardedTransport(allow_private_addresses=False, resolver=rebinding)
    with (
        FederationClient(_config(private=False), transport=guarded) as client,
        pytest.raises(FetchForbiddenAddress),
    ):
        client.fetch_object(url, signed_as=None)
    allowed = GuardedTransport(allow_private_addresses=True, resolver=rebinding)
    with FederationClient(_config(private=True), transport=allowed) as client:
        assert client.fetch_object(url, signed_as=None)["id"] == url


def test_every_resolved_address_must_pass(server: int) -> None:
    def mixed(host: str, port: int) -> list[str]:
        return ["10.9.8.7", "127.0.0.1"]  # neither is public: nothing is dialled

    guarded = GuardedTransport(allow_private_addresses=False, resolver=mixed)
    with (
        FederationClient(_config(private=False), transport=guarded) as client,
        pytest.raises(FetchForbiddenAddress),
    ):
        client.fetch_object(f"http://mixed.test:{server}/x", signed_as=None)


@pytest.mark.parametrize(
    "url",
    [
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://[::]/",
        "http://localhost/",
        "http://127.0.0.1/",
    ],
)
def test_loopback_spellings_refused(url: str) -> None:
    with FederationClient(_config(private=False)) as client, pytest.raises(FetchForbiddenAddress):
        client.fetch_object(url, signed_as=None)


def test_connections_are_reused(server: int) -> None:
    _Handler.connections.clear()
    with FederationClient(_config(private=True)) as client:
        for name in ("a", "b", "c"):
            client.fetch_object(f"http://127.0.0.1:{server}/users/{name}", signed_as=None)
    assert len(_Handler.connections) == 3
    assert len(set(_Handler.connections)) == 1


@pytest.mark.parametrize("path", ["/trickle-body", "/trickle-headers"])
def test_total_deadline_aborts_a_trickling_peer(server: int, path: str) -> None:
    config = _config(private=True, total=1.5)
    started = time.monotonic()
    with FederationClient(config) as client, pytest.raises(FetchUnavailable) as caught:
        client.fetch_object(f"http://127.0.0.1:{server}{path}", signed_as=None)
    elapsed = time.monotonic() - started
    assert caught.value.retryable
    assert 1.4 < elapsed < 3.0
