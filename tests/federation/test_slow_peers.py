"""A slow or hostile peer never stalls fedi for anyone else: `fedi serve` against servers on
loopback that take 30 s to answer, while people and other servers keep using it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from activitypub.signatures import cavage
from activitypub.testing import STATIC_KEYS
from fedi.composition import build_runtime
from fedi.config import load_settings
from fedi.db import make_engine, migrate
from fedi.models.federation import InboxItem
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services.accounts import create_local_account
from fedi.services.system import ensure_system_accounts
from tests.api.conftest import issue_token
from tests.support.loopback_remote import PUBLIC, LoopbackRemote
from tests.support.processes import Server, free_port, wait_for, write_config

pytestmark = pytest.mark.slow

SLOW_S = 30.0
# What people notice: an answer within this long, whatever other servers do.
PROBE_BAR_S = 2.0


class Instance:
    """`fedi serve` with alice and a token for her, plus a client to talk to it."""

    def __init__(self, directory: Path, database_url: str, **sections: dict[str, Any]) -> None:
        port = free_port()
        self.config = write_config(directory, port, database_url, **sections)
        settings = load_settings(self.config)
        engine = make_engine(settings)
        migrate(engine)
        engine.dispose()
        runtime = build_runtime(settings)
        try:
            ensure_system_accounts(runtime)
            with runtime.db.session() as session:
                alice = create_local_account(
                    session,
                    runtime.urls,
                    username="alice",
                    email="alice@example.org",
                    password="12345678",
                    passwords=runtime.passwords,
                )
            self.token = issue_token(runtime, alice)
        finally:
            runtime.close()
        self.server = Server(self.config, port).start()
        self.url = self.server.url
        self.http = httpx.Client(timeout=60, limits=httpx.Limits(max_connections=200))

    def close(self) -> None:
        self.http.close()
        self.server.stop()

    def runtime(self) -> Runtime:
        """A runtime on the same database, to look at what was stored."""
        return build_runtime(load_settings(self.config))

    def inbox_post(self, activity: dict[str, Any], key_id: str, key_pem: str) -> httpx.Response:
        body = json.dumps(activity).encode()
        headers = {"Content-Type": "application/activity+json"}
        headers |= cavage.sign(
            "POST",
            f"{self.url}/inbox",
            headers,
            body,
            private_key_pem=key_pem,
            key_id=key_id,
            now=datetime.now(UTC),
        )
        return self.http.post(f"{self.url}/inbox", content=body, headers=headers)

    def post_status(self, text: str) -> httpx.Response:
        return self.http.post(
            f"{self.url}/api/v1/statuses",
            json={"status": text},
            headers={"Authorization": f"Bearer {self.token}"},
        )

    def create_app(self) -> httpx.Response:
        return self.http.post(
            f"{self.url}/api/v1/apps",
            data={"client_name": "probe", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"},
        )


def _timed(call: Callable[[], httpx.Response]) -> tuple[int, float]:
    started = time.monotonic()
    response = call()
    return response.status_code, time.monotonic() - started


def _note_activity(actor: str, number: int | str, **note: Any) -> dict[str, Any]:
    object_id = f"{actor}/statuses/{number}"
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{object_id}/activity",
        "type": "Create",
        "actor": actor,
        "to": [PUBLIC],
        "object": {
            "id": object_id,
            "type": "Note",
            "attributedTo": actor,
            "content": f"<p>note {number}</p>",
            "published": "2026-11-20T10:00:00Z",
            "to": [PUBLIC],
            **note,
        },
    }


@pytest.fixture
def slow() -> Iterator[LoopbackRemote]:
    with LoopbackRemote(delay=SLOW_S) as remote:
        yield remote


@pytest.fixture
def fast() -> Iterator[LoopbackRemote]:
    with LoopbackRemote() as remote:
        yield remote


def test_fifty_inbox_posts_naming_a_key_on_a_slow_host_stall_nobody(
    tmp_path: Path, database_url: str, slow: LoopbackRemote
) -> None:
    instance = Instance(tmp_path, database_url)
    forger = STATIC_KEYS[2].private_key_pem  # whatever key: the point is that it must be fetched
    try:
        with ThreadPoolExecutor(max_workers=50) as pool:
            posts = [
                pool.submit(
                    _timed,
                    lambda n=n: instance.inbox_post(
                        _note_activity(slow.actor(f"u{n}"), n), f"{slow.actor(f'u{n}')}#main-key", forger
                    ),
                )
                for n in range(50)
            ]
            probes: list[tuple[str, int, float]] = []
            # At least four probes, even when every POST is refused before the first probe ends.
            while not all(p.done() for p in posts) or len(probes) < 4:
                probes.append(
                    ("instance", *_timed(lambda: instance.http.get(f"{instance.url}/api/v1/instance")))
                )
                probes.append(("status", *_timed(lambda: instance.post_status(f"still here {len(probes)}"))))
                time.sleep(0.2)
        answers = [p.result() for p in posts]
    finally:
        instance.close()
    assert {status for status, _ in answers} == {401}
    slowest = max(seconds for _, seconds in answers)
    assert slowest < 15, f"an inbox POST took {slowest:.1f} s"
    assert len(probes) >= 4
    late = [p for p in probes if p[1] != 200 or p[2] >= PROBE_BAR_S]
    assert late == [], late
    assert sum(slow.requests.values()) <= 50


def test_boosts_and_replies_of_posts_on_a_slow_host_stall_nobody_and_land_later(
    tmp_path: Path, database_url: str, slow: LoopbackRemote, fast: LoopbackRemote
) -> None:
    instance = Instance(
        tmp_path,
        database_url,
        federation={
            "allow_private_addresses": True,
            "allow_http": True,
            "fetch_failure_ttl_s": 1.0,
            "retry_delay_scale": 0.3,
        },
    )
    bob = fast.actor("bob")
    key_id, key_pem = f"{bob}#main-key", fast.key.private_key_pem
    boosted = [slow.object(n) for n in range(1, 6)]
    parents = [slow.object(n) for n in range(6, 11)]
    try:
        for number, target in enumerate(boosted):
            announce = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{bob}/boosts/{number}",
                "type": "Announce",
                "actor": bob,
                "object": target,
                "to": [PUBLIC],
                "published": "2026-11-20T10:00:00Z",
            }
            assert instance.inbox_post(announce, key_id, key_pem).status_code == 202
        for number, parent in enumerate(parents):
            reply = _note_activity(bob, f"reply-{number}", inReplyTo=parent)
            assert instance.inbox_post(reply, key_id, key_pem).status_code == 202

        # The following minute: people post and register apps, other servers deliver.
        probes: list[tuple[str, int, float]] = []
        minute = time.monotonic() + 60
        while time.monotonic() < minute:
            n = len(probes)
            probes.append(("status", *_timed(partial(instance.post_status, f"probe {n}"))))
            probes.append(("app", *_timed(instance.create_app)))
            activity = _note_activity(bob, f"probe-{n}")
            probes.append(("inbox", *_timed(partial(instance.inbox_post, activity, key_id, key_pem))))
            time.sleep(0.5)
        assert len(probes) >= 60
        failed = [p for p in probes if p[1] >= 500 or p[2] >= PROBE_BAR_S]
        assert failed == [], failed
        assert {p[1] for p in probes} == {200, 202}

        # The slow host recovers: what waited is fetched and applied, once.
        slow.release()
        runtime = instance.runtime()
        try:

            def landed() -> bool:
                with runtime.db.reader() as session:
                    stored = session.exec(select(Status).where(col(Status.uri).in_(boosted + parents))).all()
                    replies = session.exec(
                        select(Status).where(col(Status.in_reply_to_uri).in_(parents))
                    ).all()
                    boosts = session.exec(select(Status).where(col(Status.reblog_of_id).is_not(None))).all()
                    # The fetch stores each boosted post before its Announce is applied, so wait for both.
                    return (
                        len(stored) == 10
                        and len(boosts) == 5
                        and all(r.in_reply_to_id is not None for r in replies)
                    )

            # Each waiting activity runs again on its backoff (scale 0.3: 1.5, 4.5, 13.5, 40.5,
            # 121.5 s), so one whose run falls just before the release waits up to ~2 more minutes.
            assert wait_for(landed, timeout=200, interval=0.5), "the slow posts never landed"
            with runtime.db.reader() as session:
                statuses = session.exec(select(Status)).all()
                items = session.exec(select(InboxItem).where(InboxItem.activity_type == "Announce")).all()
            by_uri = {s.uri: s for s in statuses}
            assert sorted(s.uri for s in statuses if s.uri in boosted + parents) == sorted(boosted + parents)
            boosts = [s for s in statuses if s.reblog_of_id is not None]
            assert sorted(by_uri[u].id for u in boosted) == sorted(b.reblog_of_id for b in boosts)
            assert {i.state for i in items} == {"done"} and len(items) == 5
        finally:
            runtime.close()
    finally:
        instance.close()
