from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime

import httpx
import pytest

from activitypub.client import ClientConfig, FederationClient, KeyPair
from activitypub.errors import (
    ActorMismatchError,
    FetchBadContentType,
    FetchError,
    FetchForbiddenAddress,
    FetchGone,
    FetchInvalidURL,
    FetchNotFound,
    FetchTooLarge,
    FetchUnavailable,
    FormatError,
)
from activitypub.signatures import key_id_for, verify_request
from activitypub.testing import STATIC_KEYS, FakeRemote
from activitypub.webfinger import Acct

CONFIG = ClientConfig(user_agent="fedi-test/0.1 (+https://fedi.example/)", max_json_bytes=10_000)
SIGNER = KeyPair(key_id_for("https://fedi.example/actor"), STATIC_KEYS[0].private_key_pem)
AS_JSON = {"Content-Type": "application/activity+json"}
Handler = Callable[[httpx.Request], httpx.Response]


def _client(handler: Handler, config: ClientConfig = CONFIG) -> FederationClient:
    return FederationClient(config, transport=httpx.MockTransport(handler))


def _serve(doc: Mapping[str, object], headers: dict[str, str] | None = None) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=doc, headers=headers or AS_JSON)

    return handler


def test_fetch_actor_from_fake_remote() -> None:
    remote = FakeRemote()
    bob = remote.add_actor("bob")
    with FederationClient(CONFIG, transport=remote.transport()) as client:
        doc = client.fetch_object(bob["id"], signed_as=SIGNER)
    assert doc == json.loads(json.dumps(bob))
    [request] = remote.requests
    assert request.headers["accept"].startswith("application/activity+json")
    assert request.headers["user-agent"] == CONFIG.user_agent
    now = datetime.now(UTC)
    signed_by = verify_request(
        "GET",
        str(request.url),
        request.headers,
        b"",
        public_key_pem=STATIC_KEYS[0].public_key_pem,
        now=now,
    )
    assert signed_by.key_id == SIGNER.key_id


def test_fetch_key_id_with_fragment_returns_the_actor() -> None:
    remote = FakeRemote()
    bob = remote.add_actor("bob")
    with FederationClient(CONFIG, transport=remote.transport()) as client:
        assert client.fetch_object(key_id_for(bob["id"]), signed_as=None)["id"] == bob["id"]
    assert "signature" not in remote.requests[0].headers


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "text/html; charset=utf-8", "image/png", "application/ld+json"],
)
def test_non_activity_content_type_rejected(content_type: str) -> None:
    doc = {"id": "https://remote.example/users/bob", "type": "Person"}
    with (
        _client(_serve(doc, {"Content-Type": content_type})) as client,
        pytest.raises(FetchBadContentType),
    ):
        client.fetch_object("https://remote.example/users/bob", signed_as=None)


def test_ld_json_with_profile_accepted() -> None:
    doc = {"id": "https://remote.example/users/bob", "type": "Person"}
    headers = {"Content-Type": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'}
    with _client(_serve(doc, headers)) as client:
        assert client.fetch_object("https://remote.example/users/bob", signed_as=None) == doc


def _big_chunks() -> Iterator[bytes]:
    yield b'{"id": "https://remote.example/x", "pad": "'
    for _ in range(1_000):
        yield b"a" * 1_000
    yield b'"}'


def test_size_cap_with_chunked_body() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=_big_chunks(), headers=AS_JSON)

    with _client(handler) as client, pytest.raises(FetchTooLarge):
        client.fetch_object("https://remote.example/x", signed_as=None)


def test_size_cap_with_lying_content_length() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = b"".join(_big_chunks())
        return httpx.Response(200, content=body, headers={**AS_JSON, "Content-Length": "100"})

    with _client(handler) as client, pytest.raises(FetchTooLarge):
        client.fetch_object("https://remote.example/x", signed_as=None)


def test_declared_content_length_over_cap_is_not_read() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"{}", headers={**AS_JSON, "Content-Length": "999999999"})

    with _client(handler) as client, pytest.raises(FetchTooLarge):
        client.fetch_object("https://remote.example/x", signed_as=None)


def test_gzip_bomb_is_capped_and_small_gzip_works() -> None:
    bomb = gzip.compress(b'{"id": "' + b"0" * 5_000_000 + b'"}')
    assert len(bomb) < 10_000
    doc = {"id": "https://remote.example/x", "type": "Note"}
    bodies = iter([bomb, gzip.compress(json.dumps(doc).encode())])

    def handler(request: httpx.Request) -> httpx.Response:
        # A streamed body, so the client (not httpx) does the decompression.
        stream = iter([next(bodies)])
        return httpx.Response(200, content=stream, headers={**AS_JSON, "Content-Encoding": "gzip"})

    with _client(handler) as client:
        with pytest.raises(FetchTooLarge):
            client.fetch_object("https://remote.example/x", signed_as=None)
        assert client.fetch_object("https://remote.example/x", signed_as=None) == doc


def test_unknown_content_encoding() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        stream = iter([b"{}"])
        return httpx.Response(200, content=stream, headers={**AS_JSON, "Content-Encoding": "br"})

    with _client(handler) as client, pytest.raises(FetchError, match="content encoding"):
        client.fetch_object("https://remote.example/x", signed_as=None)


def test_self_reported_id_on_another_origin_is_rejected() -> None:
    evil = {"id": "https://victim.example/users/bob", "type": "Person", "publicKey": {}}
    with _client(_serve(evil)) as client, pytest.raises(ActorMismatchError):
        client.fetch_object("https://evil.example/x", signed_as=None)


def test_same_origin_different_id_is_refetched() -> None:
    canonical = {"id": "https://remote.example/users/bob", "type": "Person"}
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json=canonical, headers=AS_JSON)

    with _client(handler) as client:
        assert client.fetch_object("https://remote.example/@bob", signed_as=None) == canonical
    assert seen == ["https://remote.example/@bob", "https://remote.example/users/bob"]


def test_refetched_id_that_still_differs_is_rejected() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": f"{request.url}/more"}, headers=AS_JSON)

    with _client(handler) as client, pytest.raises(ActorMismatchError):
        client.fetch_object("https://remote.example/a", signed_as=None)


def test_redirect_to_the_objects_own_origin_is_trusted() -> None:
    doc = {"id": "https://real.example/users/bob", "type": "Person"}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "alias.example":
            return httpx.Response(301, headers={"Location": "https://real.example/users/bob"})
        return httpx.Response(200, json=doc, headers=AS_JSON)

    with _client(handler) as client:
        assert client.fetch_object("https://alias.example/bob", signed_as=SIGNER) == doc


def test_document_without_id_or_not_an_object() -> None:
    bodies = iter([b'{"type": "Note"}', b"[1, 2]", b"{not json"])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=next(bodies), headers=AS_JSON)

    with _client(handler) as client:
        for _ in range(3):
            with pytest.raises(FormatError):
                client.fetch_object("https://remote.example/x", signed_as=None)


def test_redirect_limit() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        hop = int(request.url.params.get("hop", "0"))
        return httpx.Response(302, headers={"Location": f"/r?hop={hop + 1}"})

    with _client(handler) as client, pytest.raises(FetchError, match="Too many redirects"):
        client.fetch_object("https://remote.example/r", signed_as=None)


@pytest.mark.parametrize(
    ("location", "error"),
    [
        ("http://remote.example/x", FetchInvalidURL),
        ("https://127.0.0.1/x", FetchForbiddenAddress),
        ("https://[::1]/x", FetchForbiddenAddress),
        ("ftp://remote.example/x", FetchInvalidURL),
    ],
)
def test_redirect_targets_are_checked(location: str, error: type[FetchError]) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(302, headers={"Location": location})

    with _client(handler) as client, pytest.raises(error):
        client.fetch_object("https://remote.example/start", signed_as=None)
    assert calls == ["https://remote.example/start"]


@pytest.mark.parametrize(
    ("status", "error", "retryable"),
    [
        (404, FetchNotFound, False),
        (410, FetchGone, False),
        (500, FetchUnavailable, True),
        (503, FetchUnavailable, True),
        (501, FetchUnavailable, False),
        (429, FetchUnavailable, True),
        (403, FetchError, False),
    ],
)
def test_status_mapping_on_fetch(status: int, error: type[FetchError], retryable: bool) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"error": "x"})

    with _client(handler) as client, pytest.raises(error) as caught:
        client.fetch_object("https://remote.example/x", signed_as=None)
    assert type(caught.value) is error
    assert caught.value.retryable is retryable
    assert caught.value.status_code == status
    assert caught.value.url == "https://remote.example/x"


@pytest.mark.parametrize(
    "url",
    [
        "https://remote.example/x\r\nX-Injected: 1",
        "https://remote.example/a b",
        "https://remote.example/\nx",
        "https://user:pass@remote.example/x",
        "https://evil.example@remote.example/x",
        "https://remote.example\\@evil.example/x",
        "ftp://remote.example/x",
        "http://remote.example/x",
        "file:///etc/passwd",
        "gopher://remote.example/",
        "https://rémote.example/x",
        "https:///x",
        "https://remote.example:99999/",
        "https://127.1/",
        "https://2130706433/",
        "https://0x7f.0.0.1/",
        "https://-bad-.example/",
        "https://a..b.example/",
        "https://remote.example/" + "a" * 3000,
        "",
    ],
)
def test_url_validation_before_any_io(url: str) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json={"id": url}, headers=AS_JSON)

    with _client(handler) as client, pytest.raises(FetchInvalidURL):
        client.fetch_object(url, signed_as=None)
    assert calls == []


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/",
        "https://10.1.2.3/",
        "https://172.16.0.1/",
        "https://192.168.1.1/",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.1/",
        "https://0.0.0.0/",
        "https://198.18.0.1/",
        "https://192.0.2.1/",
        "https://224.0.0.1/",
        "https://255.255.255.255/",
        "https://[::1]/",
        "https://[::]/",
        "https://[::ffff:127.0.0.1]/",
        "https://[::ffff:10.0.0.1]/",
        "https://[fd00::1]/",
        "https://[fe80::1]/",
        "https://[2001:db8::1]/",
        "https://[64:ff9b::7f00:1]/",
    ],
)
def test_ip_literals_refused_even_with_injected_transport(url: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("must not be reached")

    with _client(handler) as client:
        with pytest.raises(FetchForbiddenAddress):
            client.fetch_object(url, signed_as=None)
        with pytest.raises(FetchForbiddenAddress):
            client.post_activity(url, b"{}", signed_as=SIGNER)


def test_post_activity_is_signed_and_verifiable() -> None:
    remote = FakeRemote()
    bob = remote.add_actor("bob")
    body = json.dumps({"type": "Follow", "actor": "https://fedi.example/users/alice"}).encode()
    with FederationClient(CONFIG, transport=remote.transport()) as client:
        assert client.post_activity(bob["inbox"], body, signed_as=SIGNER) == 202
    assert remote.inbox == [{"type": "Follow", "actor": "https://fedi.example/users/alice"}]
    [request] = remote.inbox_requests
    assert request.headers["content-type"] == "application/activity+json"
    signed_by = verify_request(
        "POST",
        str(request.url),
        request.headers,
        request.content,
        public_key_pem=STATIC_KEYS[0].public_key_pem,
        now=datetime.now(UTC),
    )
    assert signed_by.key_id == SIGNER.key_id


def test_post_retry_sequence_with_fake_remote() -> None:
    remote = FakeRemote()
    remote.respond_with("https://remote.test/inbox", [503, 503, 429])
    outcomes: list[int | str] = []
    with FederationClient(CONFIG, transport=remote.transport()) as client:
        for _ in range(4):
            try:
                outcomes.append(client.post_activity("https://remote.test/inbox", b"{}", signed_as=SIGNER))
            except FetchUnavailable as exc:
                outcomes.append(f"retry {exc.status_code} {exc.retryable}")
    assert outcomes == ["retry 503 True", "retry 503 True", "retry 429 True", 202]
    assert len(remote.inbox) == 1
    assert len(remote.requests) == 4
    assert all("signature" in r.headers for r in remote.requests)


@pytest.mark.parametrize(
    ("status", "error", "retryable"),
    [
        (410, FetchGone, False),
        (400, FetchError, False),
        (422, FetchError, False),
        (401, FetchUnavailable, True),
        (408, FetchUnavailable, True),
        (502, FetchUnavailable, True),
        (301, FetchError, False),
    ],
)
def test_post_status_mapping(status: int, error: type[FetchError], retryable: bool) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers={"Location": "https://elsewhere.example/"})

    with _client(handler) as client, pytest.raises(error) as caught:
        client.post_activity("https://remote.example/inbox", b"{}", signed_as=SIGNER)
    assert type(caught.value) is error
    assert caught.value.retryable is retryable


@pytest.mark.parametrize(
    "exception",
    [
        httpx.ReadTimeout("slow"),
        httpx.ConnectTimeout("slow"),
        httpx.ConnectError("refused"),
        httpx.RemoteProtocolError("bad"),
    ],
)
def test_transport_failures_are_retryable(exception: Exception) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exception

    with _client(handler) as client, pytest.raises(FetchUnavailable) as caught:
        client.post_activity("https://remote.example/inbox", b"{}", signed_as=SIGNER)
    assert caught.value.retryable


def test_webfinger_resolution() -> None:
    remote = FakeRemote()
    bob = remote.add_actor("Bob", host="remote.test")
    with FederationClient(CONFIG, transport=remote.transport()) as client:
        assert client.webfinger(Acct("bob", "Remote.Test")).actor_url == bob["id"]
        with pytest.raises(FetchNotFound):
            client.webfinger(Acct("nobody", "remote.test"))
    request = remote.requests[0]
    assert str(request.url) == "https://remote.test/.well-known/webfinger?resource=acct:bob@Remote.Test"
    assert request.headers["accept"] == "application/jrd+json, application/json"


def test_webfinger_http_fallback_only_when_allowed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "https":
            raise httpx.ConnectError("no TLS here")
        jrd = {
            "links": [
                {
                    "rel": "self",
                    "type": "application/activity+json",
                    "href": "http://dev.test/users/a",
                }
            ]
        }
        return httpx.Response(200, json=jrd)

    with _client(handler, ClientConfig(user_agent="t", allow_http=True)) as client:
        assert client.webfinger(Acct("a", "dev.test")).actor_url == "http://dev.test/users/a"
    with _client(handler) as client, pytest.raises(FetchUnavailable):
        client.webfinger(Acct("a", "dev.test"))


def test_fetch_jrd_rejects_html_and_fetch_text_reads_xml() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/.well-known/host-meta":
            return httpx.Response(200, text="<XRD/>", headers={"Content-Type": "application/xrd+xml"})
        return httpx.Response(200, text="<html></html>", headers={"Content-Type": "text/html"})

    with _client(handler) as client:
        with pytest.raises(FetchBadContentType):
            client.fetch_jrd("https://remote.example/.well-known/webfinger?resource=acct:a@remote.example")
        assert (
            client.fetch_text("https://remote.example/.well-known/host-meta", "application/xrd+xml")
            == "<XRD/>"
        )


def test_one_client_shared_by_threads() -> None:
    remote = FakeRemote()
    actors = [remote.add_actor(f"user{i}") for i in range(8)]
    errors: list[BaseException] = []
    with FederationClient(CONFIG, transport=remote.transport()) as client:

        def work(actor_id: str) -> None:
            try:
                for _ in range(5):
                    assert client.fetch_object(actor_id, signed_as=SIGNER)["id"] == actor_id
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(a["id"],)) for a in actors]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert len(remote.requests) == 40
