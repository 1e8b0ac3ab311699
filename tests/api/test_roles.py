"""Roles on local accounts and the admin OAuth scopes, through the app and token flow."""

from __future__ import annotations

import httpx
import pytest

from fedi.models.accounts import Account, Role
from fedi.runtime import Runtime
from fedi.security import scopes
from fedi.store import accounts as account_store
from tests.api.conftest import issue_token
from tests.api.oauth_flow import async_sign_in_and_approve, code_from
from tests.api.test_oauth import authorize_url, exchange, register

ADMIN_SCOPES = "read write admin:read admin:write"


def set_role(runtime: Runtime, account: Account, role: Role) -> None:
    with runtime.db.session() as session:
        user = account_store.user_for_account(session, account.id)
        assert user is not None
        user.role = role
        session.add(user)


def test_admin_scopes_expand_as_mastodon_defines_them() -> None:
    granted = scopes.expand(["admin:read"])
    assert {"admin:read:accounts", "admin:read:reports", "admin:read:domain_blocks"} <= granted
    assert "admin:write:accounts" not in granted
    # `read` and `write` never include the admin scopes.
    assert not any(s.startswith("admin:") for s in scopes.expand(["read", "write"]))
    assert scopes.covers(["admin:write"], ["admin:write:reports"])
    assert not scopes.covers(["write"], ["admin:write:reports"])
    assert scopes.unknown(["admin:read:everything"]) == ["admin:read:everything"]


async def test_an_app_gets_admin_scopes_through_the_authorization_code_flow(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account
) -> None:
    app = await register(client, scopes=ADMIN_SCOPES)
    assert app["scopes"] == ADMIN_SCOPES.split()
    url = authorize_url(app, scope="read admin:read:reports admin:write:reports")
    answer = await async_sign_in_and_approve(client, url, email="alice@example.org", password="correct horse")
    token = (await exchange(client, app, code_from(answer))).json()
    assert token["scope"] == "read admin:read:reports admin:write:reports"

    # An app registered without them cannot ask for them.
    plain = await register(client)
    refused = await client.get(authorize_url(plain, scope="admin:read"))
    assert refused.status_code == 400


@pytest.mark.parametrize(
    ("role", "name", "permissions"),
    [
        (Role.USER, "", "65536"),
        (Role.MODERATOR, "Moderator", "1308"),
        (Role.ADMIN, "Admin", "1048572"),
        (Role.OWNER, "Owner", "1048575"),
    ],
)
async def test_verify_credentials_shows_the_role(
    client: httpx.AsyncClient,
    runtime: Runtime,
    local_account: Account,
    role: Role,
    name: str,
    permissions: str,
) -> None:
    set_role(runtime, local_account, role)
    token = issue_token(runtime, local_account)
    me = (
        await client.get("/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"})
    ).json()
    assert me["role"]["name"] == name and me["role"]["permissions"] == permissions


async def test_suspended_and_unapproved_users_cannot_sign_in(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account
) -> None:
    runtime.settings.api.password_grant = True
    app = await register(client)
    body = {
        "grant_type": "password",
        "username": "alice@example.org",
        "password": "correct horse",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
    }
    token = (await client.post("/oauth/token", data=body)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/accounts/verify_credentials", headers=headers)).status_code == 200

    with runtime.db.session() as session:
        account = session.get(Account, local_account.id)
        assert account is not None
        account.suspended = True
        session.add(account)
    assert (await client.post("/oauth/token", data=body)).status_code == 400
    assert (await client.get("/api/v1/accounts/verify_credentials", headers=headers)).status_code == 401

    with runtime.db.session() as session:
        account = session.get(Account, local_account.id)
        user = account_store.user_for_account(session, local_account.id)
        assert account is not None and user is not None
        account.suspended = False
        user.approved = False
        session.add_all([account, user])
    assert (await client.post("/oauth/token", data=body)).status_code == 400
