"""The inbox under hostile or slow peers: checks in order of cost, key fetches that never hold a
request, failures remembered, and per-host budgets."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from activitypub.client import KeyPair
from activitypub.testing import STATIC_KEYS, FakeRemote
from fedi.composition import build_runtime
from fedi.models.accounts import Account
from fedi.models.federation import InboxItem
from fedi.runtime import Runtime
from fedi.services.system import ensure_system_accounts
from tests.conftest import make_test_settings
from tests.federation.helpers import create, note, signed_headers

CAROL = "https://remote.test/users/carol"
KEY_WAIT_S = 0.5


class Gate:
    """Other servers (a FakeRemote) behind a gate: requests to `held` URLs wait for `release`."""

    def __init__(self, remote: FakeRemote) -> None:
        self.remote = remote
        self.held: set[str] = set()
        self.release = threading.Event()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if str(request.url.copy_with(fragment=None)) in self.held:
            self.release.wait(10)
        return self.remote(request)


@pytest.fixture
def gate(remote: FakeRemote) -> Iterator[Gate]:
    gate = Gate(remote)
    yield gate
    gate.release.set()


def _runtime(database_url: str, tmp_path: Path, gate: Gate, **federation: Any) -> Runtime:
    settings = make_test_settings(
        tmp_path / "data", database_url, federation={"key_fetch_wait_s": KEY_WAIT_S, **federation}
    )
    runtime = build_runtime(settings, immediate_jobs=True, transport=httpx.MockTransport(gate))
    ensure_system_accounts(runtime)
    return runtime


@pytest.fixture
def runtime(database_url: str, tmp_path: Path, gate: Gate) -> Iterator[Runtime]:
    runtime = _runtime(database_url, tmp_path, gate)
    yield runtime
    runtime.close()


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    from fedi.app import create_app

    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url=runtime.settings.base_url) as client:
        yield client


@pytest.fixture
def carol(remote: FakeRemote) -> KeyPair:
    remote.add_actor("carol", key=STATIC_KEYS[1])
    return remote.key_pair(CAROL)


def _signed(key: KeyPair, number: int, actor: str = CAROL, **sign: Any) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(create(actor, note(actor, f"{actor}/statuses/{number}"))).encode()
    return body, signed_headers("POST", "/inbox", body, key, **sign)


def _key_fetches(remote: FakeRemote, actor: str = CAROL) -> int:
    return sum(1 for r in remote.requests if str(r.url.copy_with(fragment=None)) == actor)


def _stored(runtime: Runtime) -> int:
    with runtime.db.reader() as session:
        return session.exec(select(func.count()).select_from(InboxItem)).one()


def _junk(kind: str, key: KeyPair) -> tuple[bytes, dict[str, str]]:
    body, headers = _signed(key, 1)
    if kind == "date two hours old":
        return _signed(key, 1, now=datetime.now(UTC) - timedelta(hours=2))
    if kind == "digest not covered":
        headers["Signature"] = headers["Signature"].replace(" digest", "")
    elif kind == "digest of another body":
        headers["Digest"] = "SHA-256=" + "A" * 43 + "="
    elif kind == "unterminated quote":
        headers["Signature"] = headers["Signature"].rstrip('"')
    elif kind == "two signature parameters":
        headers["Signature"] += ',signature="AAAA"'
    elif kind == "key on another server":
        headers["Signature"] = headers["Signature"].replace(
            "remote.test/users/carol", "evil.test/users/carol"
        )
    elif kind == "body not JSON":
        body = b"{" + body
    return body, headers


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("date two hours old", 401),
        ("digest not covered", 401),
        ("digest of another body", 401),
        ("unterminated quote", 401),
        ("two signature parameters", 401),
        ("key on another server", 401),
        ("body not JSON", 400),
    ],
)
async def test_junk_is_refused_before_any_key_is_fetched(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, carol: KeyPair, kind: str, status: int
) -> None:
    body, headers = _junk(kind, carol)
    response = await client.post("/inbox", content=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["error"]
    assert remote.requests == []  # carol's key was never asked for
    assert _stored(runtime) == 0


async def test_a_slow_key_fetch_answers_401_in_time_and_the_senders_retry_is_accepted(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, gate: Gate, carol: KeyPair
) -> None:
    gate.held.add(CAROL)
    body, headers = _signed(carol, 1)
    started = time.monotonic()
    response = await client.post("/inbox", content=body, headers=headers)
    waited = time.monotonic() - started
    assert response.status_code == 401
    assert "still being fetched" in response.json()["error"]
    assert KEY_WAIT_S <= waited < KEY_WAIT_S + 3
    # Meanwhile other POSTs naming the same key join the fetch in flight instead of starting one.
    assert (await client.post("/inbox", content=body, headers=headers)).status_code == 401
    gate.release.set()
    deadline = time.monotonic() + 10
    while runtime.fetches.running() and time.monotonic() < deadline:
        time.sleep(0.02)
    # The fetch went on in the background: the sender's retry finds the key.
    response = await client.post("/inbox", content=body, headers=headers)
    assert response.status_code == 202, response.text
    assert _key_fetches(remote) == 1
    assert _stored(runtime) == 1


async def test_a_failed_key_fetch_is_remembered_and_not_repeated(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote
) -> None:
    stranger = KeyPair(f"{CAROL}#main-key", STATIC_KEYS[2].private_key_pem)  # nobody serves carol
    for number in range(4):
        body, headers = _signed(stranger, number)
        response = await client.post("/inbox", content=body, headers=headers)
        assert response.status_code == 401
        assert "Unable to fetch key" in response.json()["error"]
    assert _key_fetches(remote) == 1
    assert _stored(runtime) == 0


async def test_a_host_that_floods_the_inbox_gets_429_with_retry_after(
    database_url: str, tmp_path: Path, gate: Gate, carol: KeyPair
) -> None:
    from fedi.app import create_app

    runtime = _runtime(database_url, tmp_path, gate, inbox_posts_per_host_per_minute=3)
    try:
        transport = httpx.ASGITransport(app=create_app(runtime))
        async with httpx.AsyncClient(transport=transport, base_url=runtime.settings.base_url) as client:
            answers = []
            for number in range(5):
                body, headers = _signed(carol, number)
                answers.append(await client.post("/inbox", content=body, headers=headers))
        assert [a.status_code for a in answers] == [202, 202, 202, 429, 429]
        assert 1 <= int(answers[3].headers["retry-after"]) <= 60
        assert "remote.test" in answers[3].json()["error"]
        assert _stored(runtime) == 3
    finally:
        runtime.close()


async def test_accounts_created_per_host_are_budgeted(
    database_url: str, tmp_path: Path, gate: Gate, remote: FakeRemote, carol: KeyPair
) -> None:
    from fedi.app import create_app

    dave = "https://remote.test/users/dave"
    remote.add_actor("dave", key=STATIC_KEYS[2])
    runtime = _runtime(database_url, tmp_path, gate, new_actors_per_host_per_minute=1)
    try:
        transport = httpx.ASGITransport(app=create_app(runtime))
        async with httpx.AsyncClient(transport=transport, base_url=runtime.settings.base_url) as client:
            body, headers = _signed(carol, 1)
            assert (await client.post("/inbox", content=body, headers=headers)).status_code == 202
            body, headers = _signed(remote.key_pair(dave), 1, actor=dave)
            refused = await client.post("/inbox", content=body, headers=headers)
        assert refused.status_code == 401
        assert "too many new accounts from remote.test" in refused.json()["error"]
        assert _key_fetches(remote, dave) == 0
        with runtime.db.reader() as session:
            assert [a.uri for a in session.exec(select(Account).where(Account.domain == "remote.test"))] == [
                CAROL
            ]
    finally:
        runtime.close()
