"""Reports: filed through POST /api/v1/reports, received as Flag, forwarded as Mastodon does,
and announced to moderators with an admin.report notification."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select

from activitypub.testing import STATIC_KEYS, FakeRemote
from fedi.models.accounts import Role
from fedi.models.federation import Report
from fedi.runtime import Runtime
from fedi.services.accounts import create_local_account
from tests.api.conftest import Caller, issue_token
from tests.federation.helpers import create, note, post_activity

BOB_REMOTE = "https://remote.test/users/bob"


@pytest.fixture
def carol(runtime: Runtime) -> Caller:
    """A moderator."""
    with runtime.db.session() as session:
        account = create_local_account(
            session,
            runtime.urls,
            username="carol",
            email="carol@example.org",
            password="battery staple",
            role=Role.MODERATOR,
            passwords=runtime.passwords,
        )
    return Caller(account, issue_token(runtime, account))


async def _post(client: httpx.AsyncClient, who: Caller, text: str) -> dict:
    response = await client.post("/api/v1/statuses", json={"status": text}, headers=who.auth)
    assert response.status_code == 200, response.text
    return response.json()


async def _admin_reports(client: httpx.AsyncClient, who: Caller) -> list[dict]:
    listed = (await client.get("/api/v1/notifications", headers=who.auth)).json()
    return [n for n in listed if n["type"] == "admin.report"]


async def test_a_report_reaches_the_moderators(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller, carol: Caller
) -> None:
    runtime.settings.instance.rules = ["Be kind", "No spam"]
    post = await _post(client, bob, "something rude")
    response = await client.post(
        "/api/v1/reports",
        json={
            "account_id": bob.account.id,
            "status_ids": [post["id"]],
            "rule_ids": ["1"],
            "comment": "this is rude",
            "forward": True,  # bob is local: nothing to forward
        },
        headers=alice.auth,
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["category"] == "violation" and report["rule_ids"] == ["1"]
    assert report["status_ids"] == [post["id"]] and report["comment"] == "this is rude"
    assert report["target_account"]["id"] == str(bob.account.id)
    assert report["action_taken"] is False and report["forwarded"] is False

    [notified] = await _admin_reports(client, carol)
    assert notified["report"]["id"] == report["id"] and notified["account"]["id"] == str(alice.account.id)
    # Neither the reporter nor the reported account hears of it.
    assert await _admin_reports(client, alice) == [] and await _admin_reports(client, bob) == []


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({}, 422),
        ({"account_id": "123"}, 404),
        ({"category": "nonsense"}, 422),
        ({"rule_ids": ["7"]}, 422),
        ({"comment": "x" * 1001}, 422),
    ],
)
async def test_bad_reports_are_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller, fields: dict, status: int
) -> None:
    body = {"account_id": str(bob.account.id)} | fields if fields else {}
    response = await client.post("/api/v1/reports", json=body, headers=alice.auth)
    assert response.status_code == status and "error" in response.json()
    with runtime.db.reader() as session:
        assert session.exec(select(Report)).all() == []


async def test_a_report_needs_a_token_with_write_reports(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller
) -> None:
    body = {"account_id": str(bob.account.id)}
    assert (await client.post("/api/v1/reports", json=body)).status_code == 401
    reader = issue_token(runtime, alice.account, "read")
    refused = await client.post("/api/v1/reports", json=body, headers={"Authorization": f"Bearer {reader}"})
    assert refused.status_code == 403
    others = await _post(client, alice, "mine, not bob's")
    wrong = await client.post(
        "/api/v1/reports", json=body | {"status_ids": [others["id"]]}, headers=alice.auth
    )
    assert wrong.status_code == 404


async def _remote_post(client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote) -> str:
    remote.add_actor("bob", key=STATIC_KEYS[1])
    uri = f"{BOB_REMOTE}/statuses/1"
    response = await post_activity(
        client, create(BOB_REMOTE, note(BOB_REMOTE, uri)), remote.key_pair(BOB_REMOTE)
    )
    assert response.status_code == 202
    return uri


async def test_a_forwarded_report_is_a_flag_from_the_instance_actor(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, alice: Caller
) -> None:
    uri = await _remote_post(client, runtime, remote)
    found = (
        await client.get("/api/v2/search", params={"q": uri, "resolve": "true"}, headers=alice.auth)
    ).json()
    [status] = found["statuses"]
    body = {"account_id": status["account"]["id"], "status_ids": [status["id"]], "comment": "spam bot"}
    kept = await client.post("/api/v1/reports", json=body | {"category": "spam"}, headers=alice.auth)
    assert kept.status_code == 200 and kept.json()["forwarded"] is False
    assert [a for a in remote.inbox if a.get("type") == "Flag"] == []

    forwarded = await client.post("/api/v1/reports", json=body | {"forward": True}, headers=alice.auth)
    assert forwarded.status_code == 200 and forwarded.json()["forwarded"] is True
    [flag] = [a for a in remote.inbox if a.get("type") == "Flag"]
    assert flag["actor"] == "https://fedi.test/actor"
    assert flag["object"] == [BOB_REMOTE, uri] and flag["content"] == "spam bot"
    [request] = [r for r in remote.inbox_requests if b'"Flag"' in r.content]
    assert str(request.url) == "https://remote.test/inbox"
    assert 'keyId="https://fedi.test/actor#main-key"' in request.headers["signature"]
    # The reporter is never named.
    assert "alice" not in request.content.decode()


async def test_a_received_flag_lands_in_the_queue(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, alice: Caller, carol: Caller
) -> None:
    post = await _post(client, alice, "reported from elsewhere")
    remote.add_actor("bob", key=STATIC_KEYS[1])
    flag = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "https://remote.test/reports/1",
        "type": "Flag",
        "actor": BOB_REMOTE,
        "content": "<p>abusive</p>",
        "object": [alice.account.uri, post["uri"], "https://remote.test/unknown"],
    }
    for _ in range(2):  # a redelivery is one report
        assert (await post_activity(client, flag, remote.key_pair(BOB_REMOTE))).status_code == 202
    with runtime.db.reader() as session:
        [report] = session.exec(select(Report)).all()
    assert report.target_account_id == alice.account.id and report.status_uris == [post["uri"]]
    assert report.comment == "abusive"
    [notified] = await _admin_reports(client, carol)
    assert notified["report"]["status_ids"] == [post["id"]]
    assert notified["account"]["acct"] == "bob@remote.test"
