"""Server rules: the config's list until edited, then the table; reports keep naming removed rules."""

from __future__ import annotations

import httpx

from fedi.models.accounts import Role
from fedi.runtime import Runtime
from fedi.services import rules
from fedi.services.accounts import create_local_account
from tests.api.conftest import Caller, issue_token


async def test_rules_are_edited_and_reports_keep_their_rules(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller
) -> None:
    runtime.settings.instance.rules = ["Be kind", "No spam"]
    listed = (await client.get("/api/v1/instance/rules")).json()
    assert listed == [{"id": "1", "text": "Be kind", "hint": ""}, {"id": "2", "text": "No spam", "hint": ""}]
    filed = await client.post(
        "/api/v1/reports", json={"account_id": str(bob.account.id), "rule_ids": ["2"]}, headers=alice.auth
    )
    assert filed.status_code == 200

    with runtime.db.session() as session:
        added = rules.add(session, runtime.settings, "Alt text on images", "Describe what you post", by=None)
        rules.edit(session, runtime.settings, 1, "Be kind to each other", by=None)
        rules.remove(session, runtime.settings, 2, by=None)
    expected = [
        {"id": "1", "text": "Be kind to each other", "hint": ""},
        {"id": str(added.id), "text": "Alt text on images", "hint": "Describe what you post"},
    ]
    assert (await client.get("/api/v1/instance/rules")).json() == expected
    assert (await client.get("/api/v2/instance")).json()["rules"] == expected
    about = (await client.get("/about")).text
    assert "Be kind to each other" in about and "No spam" not in about
    # The config no longer matters once rules are edited here.
    runtime.settings.instance.rules = ["Something else"]
    assert (await client.get("/api/v1/instance/rules")).json() == expected

    refused = await client.post(
        "/api/v1/reports", json={"account_id": str(bob.account.id), "rule_ids": ["2"]}, headers=alice.auth
    )
    assert refused.status_code == 422
    with runtime.db.session() as session:
        mod = create_local_account(
            session,
            runtime.urls,
            username="mod",
            email="m@example.org",
            password="12345678",
            role=Role.MODERATOR,
            passwords=runtime.passwords,
        )
    staff = {"Authorization": f"Bearer {issue_token(runtime, mod, 'admin:read')}"}
    shown = (await client.get(f"/api/v1/admin/reports/{filed.json()['id']}", headers=staff)).json()
    assert shown["rules"] == [{"id": "2", "text": "No spam", "hint": ""}]


async def test_removing_every_rule_leaves_none(client: httpx.AsyncClient, runtime: Runtime) -> None:
    runtime.settings.instance.rules = ["Only rule"]
    with runtime.db.session() as session:
        rules.remove(session, runtime.settings, 1, by=None)
    assert (await client.get("/api/v1/instance/rules")).json() == []
