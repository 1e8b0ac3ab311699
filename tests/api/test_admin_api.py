"""The Mastodon admin API subset: scopes and roles, accounts, reports, domain blocks and allows,
with the entity shapes of Mastodon's docs (Admin::Account, Admin::Report, Admin::DomainBlock)."""

from __future__ import annotations

import httpx
import pytest

from fedi.models.accounts import Role
from fedi.runtime import Runtime
from fedi.services.accounts import create_local_account
from tests.api.conftest import Caller, issue_token

ADMIN_ACCOUNT_KEYS = {
    "id",
    "username",
    "domain",
    "created_at",
    "email",
    "ip",
    "ips",
    "locale",
    "invite_request",
    "role",
    "confirmed",
    "approved",
    "disabled",
    "silenced",
    "suspended",
    "account",
}
ADMIN_REPORT_KEYS = {
    "id",
    "action_taken",
    "action_taken_at",
    "category",
    "comment",
    "forwarded",
    "created_at",
    "updated_at",
    "account",
    "target_account",
    "assigned_account",
    "action_taken_by_account",
    "statuses",
    "rules",
}
DOMAIN_BLOCK_KEYS = {
    "id",
    "domain",
    "digest",
    "created_at",
    "severity",
    "reject_media",
    "reject_reports",
    "private_comment",
    "public_comment",
    "obfuscate",
}


def _staff(
    runtime: Runtime, name: str, role: Role, scopes: str = "read write admin:read admin:write"
) -> Caller:
    with runtime.db.session() as session:
        account = create_local_account(
            session,
            runtime.urls,
            username=name,
            email=f"{name}@example.org",
            password="battery staple",
            role=role,
            passwords=runtime.passwords,
        )
    return Caller(account, issue_token(runtime, account, scopes))


@pytest.fixture
def moderator(runtime: Runtime) -> Caller:
    return _staff(runtime, "mod", Role.MODERATOR)


@pytest.fixture
def admin(runtime: Runtime) -> Caller:
    return _staff(runtime, "boss", Role.ADMIN)


async def test_the_admin_api_needs_the_scope_and_the_role(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, moderator: Caller
) -> None:
    assert (await client.get("/api/v1/admin/accounts")).status_code == 401
    plain_user = Caller(alice.account, issue_token(runtime, alice.account, "read admin:read"))
    refused = await client.get("/api/v1/admin/accounts", headers=plain_user.auth)
    assert refused.status_code == 403 and refused.json()["error"] == "This action is not allowed"
    no_scope = Caller(moderator.account, issue_token(runtime, moderator.account, "read write"))
    assert (await client.get("/api/v1/admin/accounts", headers=no_scope.auth)).status_code == 403
    narrow = Caller(moderator.account, issue_token(runtime, moderator.account, "admin:read:reports"))
    assert (await client.get("/api/v1/admin/reports", headers=narrow.auth)).status_code == 200
    assert (await client.get("/api/v1/admin/accounts", headers=narrow.auth)).status_code == 403
    # Domain blocks are for admins.
    assert (await client.get("/api/v1/admin/domain_blocks", headers=moderator.auth)).status_code == 403


async def test_accounts_list_show_and_actions(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller, moderator: Caller
) -> None:
    listed = (
        await client.get("/api/v1/admin/accounts", params={"local": "true"}, headers=moderator.auth)
    ).json()
    assert {a["username"] for a in listed} >= {"alice", "bob", "mod"}
    shown = (await client.get(f"/api/v1/admin/accounts/{bob.account.id}", headers=moderator.auth)).json()
    assert set(shown) >= ADMIN_ACCOUNT_KEYS and shown["email"] == "bob@example.org"
    assert shown["role"]["permissions"] == "65536" and shown["account"]["acct"] == "bob"
    staff = (
        await client.get("/api/v1/admin/accounts", params={"staff": "true"}, headers=moderator.auth)
    ).json()
    assert [a["username"] for a in staff] == ["mod"]

    base = f"/api/v1/admin/accounts/{bob.account.id}"
    for kind in ("silence", "sensitive", "suspend"):
        response = await client.post(
            f"{base}/action", json={"type": kind, "text": "no"}, headers=moderator.auth
        )
        assert response.status_code == 200, response.text
    shown = (await client.get(base, headers=moderator.auth)).json()
    assert shown["silenced"] and shown["sensitized"] and shown["suspended"]
    suspended = (
        await client.get("/api/v1/admin/accounts", params={"suspended": "true"}, headers=moderator.auth)
    ).json()
    assert [a["id"] for a in suspended] == [str(bob.account.id)]
    for undo, key in (("unsilence", "silenced"), ("unsensitive", "sensitized"), ("unsuspend", "suspended")):
        answer = await client.post(f"{base}/{undo}", headers=moderator.auth)
        assert answer.status_code == 200 and answer.json()[key] is False
    bad = await client.post(f"{base}/action", json={"type": "obliterate"}, headers=moderator.auth)
    assert bad.status_code == 422
    assert (await client.get("/api/v1/admin/accounts/999", headers=moderator.auth)).status_code == 404


async def test_reports_assign_resolve_reopen(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller, moderator: Caller
) -> None:
    runtime.settings.instance.rules = ["Be kind"]
    post = (await client.post("/api/v1/statuses", json={"status": "rude"}, headers=bob.auth)).json()
    filed = (
        await client.post(
            "/api/v1/reports",
            json={
                "account_id": str(bob.account.id),
                "status_ids": [post["id"]],
                "rule_ids": ["1"],
                "comment": "x",
            },
            headers=alice.auth,
        )
    ).json()
    [listed] = (await client.get("/api/v1/admin/reports", headers=moderator.auth)).json()
    assert set(listed) >= ADMIN_REPORT_KEYS
    assert listed["account"]["username"] == "alice" and listed["target_account"]["username"] == "bob"
    assert [s["id"] for s in listed["statuses"]] == [post["id"]]
    assert listed["rules"] == [{"id": "1", "text": "Be kind", "hint": ""}]
    base = f"/api/v1/admin/reports/{filed['id']}"
    assigned = (await client.post(f"{base}/assign_to_self", headers=moderator.auth)).json()
    assert assigned["assigned_account"]["username"] == "mod"
    resolved = (await client.post(f"{base}/resolve", headers=moderator.auth)).json()
    assert resolved["action_taken"] is True and resolved["action_taken_by_account"]["username"] == "mod"
    assert (await client.get("/api/v1/admin/reports", headers=moderator.auth)).json() == []
    done = (
        await client.get("/api/v1/admin/reports", params={"resolved": "true"}, headers=moderator.auth)
    ).json()
    assert [r["id"] for r in done] == [filed["id"]]
    reopened = (await client.post(f"{base}/reopen", headers=moderator.auth)).json()
    assert reopened["action_taken"] is False
    by_target = await client.get(
        "/api/v1/admin/reports", params={"target_account_id": str(alice.account.id)}, headers=moderator.auth
    )
    assert by_target.json() == []


async def test_domain_blocks_and_allows_crud(client: httpx.AsyncClient, admin: Caller) -> None:
    created = await client.post(
        "/api/v1/admin/domain_blocks/",
        data={"domain": "Bad.Example", "severity": "suspend", "public_comment": "spam", "obfuscate": "true"},
        headers=admin.auth,
    )
    assert created.status_code == 200, created.text
    block = created.json()
    assert set(block) >= DOMAIN_BLOCK_KEYS and block["domain"] == "bad.example" and block["obfuscate"] is True
    again = await client.post(
        "/api/v1/admin/domain_blocks", data={"domain": "bad.example"}, headers=admin.auth
    )
    assert again.status_code == 422
    bad = await client.post(
        "/api/v1/admin/domain_blocks", data={"domain": "x", "severity": "nuke"}, headers=admin.auth
    )
    assert bad.status_code == 422
    updated = await client.put(
        f"/api/v1/admin/domain_blocks/{block['id']}", data={"severity": "silence"}, headers=admin.auth
    )
    assert updated.json()["severity"] == "silence" and updated.json()["public_comment"] == "spam"
    listed = (await client.get("/api/v1/admin/domain_blocks", headers=admin.auth)).json()
    assert [b["domain"] for b in listed] == ["bad.example"]
    public = (await client.get("/api/v1/instance/domain_blocks")).json()
    assert public[0]["domain"] != "bad.example" and public[0]["severity"] == "silence"
    assert (
        await client.delete(f"/api/v1/admin/domain_blocks/{block['id']}", headers=admin.auth)
    ).status_code == 200
    assert (
        await client.get(f"/api/v1/admin/domain_blocks/{block['id']}", headers=admin.auth)
    ).status_code == 404

    allow = (
        await client.post(
            "/api/v1/admin/domain_allows", data={"domain": "friends.example"}, headers=admin.auth
        )
    ).json()
    assert set(allow) == {"id", "domain", "created_at"}
    assert [
        a["domain"] for a in (await client.get("/api/v1/admin/domain_allows", headers=admin.auth)).json()
    ] == ["friends.example"]
    assert (
        await client.delete(f"/api/v1/admin/domain_allows/{allow['id']}", headers=admin.auth)
    ).status_code == 200
    assert (await client.get("/api/v1/admin/domain_allows", headers=admin.auth)).json() == []
