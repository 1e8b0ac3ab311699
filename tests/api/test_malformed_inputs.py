"""Malformed input, across the inbox, the client API, WebFinger and the remote-follow form: each
gets its 4xx with an error message, never a 500, and nothing is stored."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from activitypub.client import KeyPair
from activitypub.testing import STATIC_KEYS, FakeRemote
from activitypub.vocab import PUBLIC
from fedi.composition import build_runtime
from fedi.models.accounts import Account
from fedi.models.base import metadata
from fedi.runtime import Runtime
from fedi.security.passwords import Passwords
from fedi.services.accounts import create_local_account
from fedi.services.federation import remote as remote_service
from fedi.services.system import ensure_system_accounts
from tests.api.conftest import issue_token
from tests.conftest import make_test_settings
from tests.federation.helpers import create, note, signed_headers
from tests.web.markup import Document, csrf_token

BOB = "https://remote.test/users/bob"
DEEP = 100_000


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    status: int
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # Inbox cases are signed (with bob's key, over the final body) unless `sign` is False.
    sign: bool = False
    tamper: Callable[[dict[str, str]], None] | None = None


def _activity(**changes: Any) -> bytes:
    doc: dict[str, Any] = create(BOB, note(BOB, f"{BOB}/statuses/1"))
    for key, value in changes.items():
        if key.startswith("object_"):
            doc["object"][key.removeprefix("object_")] = value
        else:
            doc[key] = value
    return json.dumps(doc).encode()


def _drop(key: str) -> bytes:
    doc: dict[str, Any] = json.loads(_activity())
    del doc[key]
    return json.dumps(doc).encode()


def _set_signature(value: str) -> Callable[[dict[str, str]], None]:
    def tamper(headers: dict[str, str]) -> None:
        headers["Signature"] = value

    return tamper


def _edit_signature(old: str, new: str) -> Callable[[dict[str, str]], None]:
    def tamper(headers: dict[str, str]) -> None:
        headers["Signature"] = headers["Signature"].replace(old, new, 1)

    return tamper


def _add(name: str, value: str) -> Callable[[dict[str, str]], None]:
    def tamper(headers: dict[str, str]) -> None:
        headers[name] = value

    return tamper


JSON = {"Content-Type": "application/json"}
DEEP_JSON = b"[" * DEEP + b"]" * DEEP
INBOX_CASES = [
    Case(
        "signature: unterminated quote",
        "POST",
        "/inbox",
        401,
        _activity(),
        sign=True,
        tamper=_edit_signature('",algorithm', ",algorithm"),
    ),
    Case(
        "signature: two signature= parameters",
        "POST",
        "/inbox",
        401,
        _activity(),
        sign=True,
        tamper=_edit_signature('signature="', 'signature="AA",signature="'),
    ),
    Case(
        "signature: garbage",
        "POST",
        "/inbox",
        401,
        _activity(),
        sign=True,
        tamper=_set_signature("\x01garbage;;;="),
    ),
    Case(
        "signature: no keyId",
        "POST",
        "/inbox",
        401,
        _activity(),
        sign=True,
        tamper=_set_signature('signature="AAAA"'),
    ),
    Case(
        "signature: keyId is not a URL",
        "POST",
        "/inbox",
        401,
        _activity(),
        sign=True,
        tamper=_edit_signature(BOB, "not a url"),
    ),
    Case(
        "signature: signature not base64",
        "POST",
        "/inbox",
        401,
        _activity(),
        sign=True,
        tamper=_edit_signature('signature="', 'signature="%%%'),
    ),
    Case(
        "signature: Signature-Input garbage",
        "POST",
        "/inbox",
        401,
        _activity(),
        sign=True,
        tamper=_add("Signature-Input", "(((("),
    ),
    Case(
        "signature: Signature-Input of two signatures",
        "POST",
        "/inbox",
        401,
        _activity(),
        sign=True,
        tamper=_add("Signature-Input", 'a=("@method");keyid="x", b=("@method");keyid="y"'),
    ),
    Case(
        "date: not a date",
        "POST",
        "/inbox",
        401,
        _activity(),
        sign=True,
        tamper=_add("Date", "the day after tomorrow"),
    ),
    Case(
        "date: year 99999",
        "POST",
        "/inbox",
        401,
        _activity(),
        sign=True,
        tamper=_add("Date", "Mon, 01 Jan 99999 00:00:00 GMT"),
    ),
    Case("json: nested 100,000 deep", "POST", "/inbox", 400, DEEP_JSON, sign=True),
    Case(
        "json: NaN", "POST", "/inbox", 400, _activity().replace(b'"to": [', b'"n": NaN, "to": ['), sign=True
    ),
    Case(
        "json: lone surrogate",
        "POST",
        "/inbox",
        400,
        _activity().replace(b"<p>hello</p>", b"\\ud800"),
        sign=True,
    ),
    Case("json: not UTF-8", "POST", "/inbox", 400, _activity().replace(b"hello", b"\xff\xfe"), sign=True),
    Case(
        "json: NUL in a string", "POST", "/inbox", 400, _activity().replace(b"hello", b"\\u0000"), sign=True
    ),
    Case("json: an array", "POST", "/inbox", 400, b"[1, 2]", sign=True),
    Case("json: over 1 MB", "POST", "/inbox", 413, _activity(object_content="x" * 1_000_001), sign=True),
    Case("as2: actor is a number", "POST", "/inbox", 400, _activity(actor=42), sign=True),
    Case("as2: no id", "POST", "/inbox", 400, _drop("id"), sign=True),
    Case("as2: type is a list", "POST", "/inbox", 400, _activity(type=["Create"]), sign=True),
    Case("as2: to is a number", "POST", "/inbox", 400, _activity(to=7), sign=True),
    Case("as2: cc is a list of numbers", "POST", "/inbox", 400, _activity(cc=[1, 2]), sign=True),
    Case("as2: object is a number", "POST", "/inbox", 400, _activity(object=3), sign=True),
    Case(
        "as2: object without attributedTo",
        "POST",
        "/inbox",
        400,
        _activity(object_attributedTo=None),
        sign=True,
    ),
    Case("as2: content is an object", "POST", "/inbox", 400, _activity(object_content={"a": 1}), sign=True),
    Case("as2: tag is a string", "POST", "/inbox", 400, _activity(object_tag="#tag"), sign=True),
    Case("as2: inReplyTo is a number", "POST", "/inbox", 400, _activity(object_inReplyTo=5), sign=True),
    Case(
        "as2: published is not a date",
        "POST",
        "/inbox",
        400,
        _activity(object_published="yesterday"),
        sign=True,
    ),
    Case(
        "as2: published in year 10000",
        "POST",
        "/inbox",
        400,
        _activity(published="10000-01-01T00:00:00Z"),
        sign=True,
    ),
    Case(
        "as2: announce without object",
        "POST",
        "/inbox",
        400,
        json.dumps({"id": f"{BOB}/a/1", "type": "Announce", "actor": BOB, "to": [PUBLIC]}).encode(),
        sign=True,
    ),
]
API_CASES = [
    Case(
        "api: apps nested 100,000 deep",
        "POST",
        "/api/v1/apps",
        400,
        b'{"a":' * DEEP + b"1" + b"}" * DEEP,
        JSON,
    ),
    Case(
        "api: apps NaN",
        "POST",
        "/api/v1/apps",
        400,
        b'{"client_name": NaN, "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}',
        JSON,
    ),
    Case(
        "api: apps lone surrogate",
        "POST",
        "/api/v1/apps",
        400,
        b'{"client_name": "\\udc00", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}',
        JSON,
    ),
    Case(
        "api: apps NUL in a form field",
        "POST",
        "/api/v1/apps",
        422,
        b"client_name=a%00b&redirect_uris=urn:ietf:wg:oauth:2.0:oob",
        {"Content-Type": "application/x-www-form-urlencoded"},
    ),
    Case("api: apps JSON not UTF-8", "POST", "/api/v1/apps", 400, b'{"client_name": "\xff"}', JSON),
    Case("api: statuses body is an array", "POST", "/api/v1/statuses", 400, b'["hello"]', JSON),
    Case("api: statuses status is an object", "POST", "/api/v1/statuses", 422, b'{"status": {"a": 1}}', JSON),
    Case(
        "api: statuses visibility is a list",
        "POST",
        "/api/v1/statuses",
        422,
        b'{"status": "x", "visibility": ["public"]}',
        JSON,
    ),
    Case(
        "api: statuses in_reply_to_id garbage",
        "POST",
        "/api/v1/statuses",
        422,
        b'{"status": "x", "in_reply_to_id": "1 OR 1=1"}',
        JSON,
    ),
    Case(
        "api: statuses NUL in spoiler_text",
        "POST",
        "/api/v1/statuses",
        422,
        b'{"status": "x", "spoiler_text": "a\\u0000"}',
        JSON,
    ),
    Case(
        "api: profile NUL in display_name",
        "PATCH",
        "/api/v1/accounts/update_credentials",
        422,
        b'{"display_name": "a\\u0000b"}',
        JSON,
    ),
    Case(
        "api: filter keywords not a list",
        "POST",
        "/api/v2/filters",
        422,
        b'{"title": "t", "context": ["home"], "keywords_attributes": "cats"}',
        JSON,
    ),
    Case(
        "api: filter context an object",
        "POST",
        "/api/v2/filters",
        422,
        b'{"title": "t", "context": {"a": 1}}',
        JSON,
    ),
    Case(
        "api: filter keyword too long",
        "POST",
        "/api/v2/filters",
        422,
        b'{"title": "t", "context": ["home"], "keywords_attributes": [{"keyword": "' + b"k" * 600 + b'"}]}',
        JSON,
    ),
    Case(
        "api: filter v1 expires_in text",
        "POST",
        "/api/v1/filters",
        422,
        b'{"phrase": "p", "context": ["home"], "expires_in": "soon"}',
        JSON,
    ),
    Case("api: list title a list", "POST", "/api/v1/lists", 422, b'{"title": ["a"]}', JSON),
    Case(
        "api: list account_ids garbage",
        "POST",
        "/api/v1/lists/1/accounts",
        422,
        b'{"account_ids": ["1 OR 1=1"]}',
        JSON,
    ),
    Case("api: grouped notification key too long", "GET", "/api/v2/notifications/" + "k" * 100, 400),
    Case("api: grouped notifications bad expand", "GET", "/api/v2/notifications?expand_accounts=all", 400),
    Case("api: conversation id garbage", "POST", "/api/v1/conversations/abc/read", 404),
    Case("api: tag follow not a name", "POST", "/api/v1/tags/%3Cscript%3E/follow", 422),
    Case(
        "api: statuses too many ids",
        "GET",
        "/api/v1/statuses?" + "&".join(f"id[]={n}" for n in range(1, 30)),
        422,
    ),
    Case(
        "api: scheduled_at not a time",
        "POST",
        "/api/v1/statuses",
        422,
        b'{"status": "x", "scheduled_at": "soon"}',
        JSON,
    ),
    Case(
        "api: scheduled_at an object",
        "POST",
        "/api/v1/statuses",
        422,
        b'{"status": "x", "scheduled_at": {"at": 1}}',
        JSON,
    ),
    Case("api: scheduled status id garbage", "PUT", "/api/v1/scheduled_statuses/abc", 404),
    Case(
        "api: push subscription not a hash",
        "POST",
        "/api/v1/push/subscription",
        422,
        b'{"subscription": "https://push.example/x"}',
        JSON,
    ),
    Case(
        "api: push key not base64",
        "POST",
        "/api/v1/push/subscription",
        422,
        b'{"subscription": {"endpoint": "https://push.example/x", "keys": {"p256dh": "%%%", "auth": "!!"}}}',
        JSON,
    ),
    Case(
        "api: push alert not a flag",
        "PUT",
        "/api/v1/push/subscription",
        422,
        b'{"data": {"alerts": {"mention": "perhaps"}}}',
        JSON,
    ),
    Case(
        "api: markers deep JSON",
        "POST",
        "/api/v1/markers",
        400,
        b'{"home":' * 5000 + b"1" + b"}" * 5000,
        JSON,
    ),
]
WEBFINGER_CASES = [
    Case("webfinger: https://[::1", "GET", "/.well-known/webfinger?resource=https://[::1", 400),
    Case(
        "webfinger: bad port",
        "GET",
        "/.well-known/webfinger?resource=https://fedi.test:99999/users/alice",
        400,
    ),
    Case(
        "webfinger: acct with two @",
        "GET",
        "/.well-known/webfinger?resource=acct:alice@fedi.test@evil.test",
        400,
    ),
    Case("webfinger: acct:@", "GET", "/.well-known/webfinger?resource=acct:@", 400),
    Case("webfinger: empty", "GET", "/.well-known/webfinger?resource=", 400),
    Case(
        "webfinger: 2,000 characters",
        "GET",
        "/.well-known/webfinger?resource=acct:" + "a" * 2000 + "@fedi.test",
        400,
    ),
    Case(
        "webfinger: control characters", "GET", "/.well-known/webfinger?resource=acct:al%0Aice@fedi.test", 400
    ),
]
# Their WebFinger answers, served at https://<host>/.well-known/webfinger.
JRDS: dict[str, tuple[bytes, str]] = {
    "links-strings.test": (
        b'{"subject": "acct:x@links-strings.test", "links": ["a", 1, null]}',
        "application/jrd+json",
    ),
    "links-object.test": (
        b'{"subject": "acct:x@links-object.test", "links": {"rel": "self"}}',
        "application/jrd+json",
    ),
    "array.test": (b"[1, 2, 3]", "application/jrd+json"),
    "nan.test": (b'{"links": [NaN]}', "application/jrd+json"),
    "deep.test": (b'{"links":' + b"[" * 5000 + b"]" * 5000 + b"}", "application/jrd+json"),
    "template-number.test": (
        b'{"links": [{"rel": "http://ostatus.org/schema/1.0/subscribe", "template": 42}]}',
        "application/jrd+json",
    ),
}
REMOTE_FOLLOW_HANDLES = [
    ("remote follow: not an address", "not an address"),
    ("remote follow: bad host", "x@[::1"),
    *((f"remote follow: JRD {host.split('.')[0]}", f"x@{host}") for host in JRDS),
]


class Served:
    """FakeRemote, plus malformed WebFinger answers for the hosts in JRDS."""

    def __init__(self, remote: FakeRemote) -> None:
        self.remote = remote

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/.well-known/webfinger" and request.url.host in JRDS:
            body, content_type = JRDS[request.url.host]
            return httpx.Response(200, content=body, headers={"Content-Type": content_type})
        return self.remote(request)


@pytest.fixture
def runtime(database_url: str, tmp_path: Path, remote: FakeRemote) -> Iterator[Runtime]:
    remote.add_actor("bob", key=STATIC_KEYS[1])
    settings = make_test_settings(tmp_path / "data", database_url)
    runtime = build_runtime(
        settings,
        immediate_jobs=True,
        transport=httpx.MockTransport(Served(remote)),
        passwords=Passwords.light(),
    )
    ensure_system_accounts(runtime)
    remote_service.actor(runtime, BOB).result(timeout=10)  # bob is known before anything is counted
    yield runtime
    runtime.close()


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    from fedi.app import create_app

    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url=runtime.settings.base_url) as client:
        yield client


def _row_counts(runtime: Runtime) -> dict[str, int]:
    with runtime.db.reader() as session:
        return {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


async def _send(client: httpx.AsyncClient, case: Case, key: KeyPair, token: str) -> httpx.Response:
    headers = dict(case.headers)
    if case.path.startswith("/api/"):
        headers["Authorization"] = f"Bearer {token}"
    if case.sign:
        headers |= signed_headers(case.method, case.path, case.body, key)
        if case.tamper is not None:
            case.tamper(headers)
    return await client.request(case.method, case.path, content=case.body, headers=headers)


def test_the_table_is_big_enough() -> None:
    cases = len(INBOX_CASES) + len(API_CASES) + len(WEBFINGER_CASES) + len(REMOTE_FOLLOW_HANDLES)
    assert cases >= 40


async def test_malformed_input_gets_its_4xx_and_stores_nothing(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote
) -> None:
    with runtime.db.session() as session:
        alice = create_local_account(
            session,
            runtime.urls,
            username="alice",
            email="a@x.org",
            password="12345678",
            passwords=runtime.passwords,
        )
    token = issue_token(runtime, alice)
    before = _row_counts(runtime)
    wrong: list[str] = []
    for case in INBOX_CASES + API_CASES + WEBFINGER_CASES:
        response = await _send(client, case, remote.key_pair(BOB), token)
        try:
            error = response.json().get("error")
        except ValueError:
            error = None
        if response.status_code != case.status or not error:
            wrong.append(f"{case.name}: {response.status_code} {response.text[:120]!r}")
    csrf = csrf_token((await client.get("/@alice")).text)
    for name, handle in REMOTE_FOLLOW_HANDLES:
        response = await client.post("/@alice/remote_follow", data={"csrf_token": csrf, "handle": handle})
        shown = Document(response.text).all("p", class_="error") if response.status_code == 422 else []
        if response.status_code != 422 or not shown:
            wrong.append(f"{name}: {response.status_code} {response.text[:120]!r}")
    assert wrong == []
    assert _row_counts(runtime) == before
    with runtime.db.reader() as session:
        assert session.exec(select(Account).where(Account.username == "alice")).one().display_name == ""
