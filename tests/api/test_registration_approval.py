"""Registrations in approval mode: a sign-up through POST /api/v1/accounts waits, cannot sign in,
is announced to moderators, and works once approved (or is gone once rejected)."""

from __future__ import annotations

import httpx

from fedi.models.accounts import Role
from fedi.runtime import Runtime
from fedi.services.accounts import create_local_account
from tests.api.conftest import issue_token
from tests.api.test_oauth import register


async def test_a_pending_sign_up_cannot_sign_in_until_approved(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    runtime.settings.instance.registrations_open = True
    runtime.settings.instance.approval_required = True
    runtime.settings.api.password_grant = True
    with runtime.db.session() as session:
        mod = create_local_account(
            session,
            runtime.urls,
            username="mod",
            email="mod@example.org",
            password="battery staple",
            role=Role.MODERATOR,
            passwords=runtime.passwords,
        )
    staff = {"Authorization": f"Bearer {issue_token(runtime, mod, 'read write admin:read admin:write')}"}
    instance = (await client.get("/api/v2/instance")).json()
    assert instance["registrations"] == {
        **instance["registrations"],
        "enabled": True,
        "approval_required": True,
    }

    app = await register(client)
    app_token = (
        await client.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "scope": "read write",
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
            },
        )
    ).json()["access_token"]
    form = {
        "username": "newbie",
        "email": "newbie@example.org",
        "password": "long enough",
        "agreement": "true",
        "reason": "I paint foxes",
    }
    signed_up = await client.post(
        "/api/v1/accounts", data=form, headers={"Authorization": f"Bearer {app_token}"}
    )
    assert signed_up.status_code == 200, signed_up.text
    token = {"Authorization": f"Bearer {signed_up.json()['access_token']}"}
    assert (await client.get("/api/v1/accounts/verify_credentials", headers=token)).status_code == 401
    password = {
        "grant_type": "password",
        "username": "newbie@example.org",
        "password": "long enough",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
    }
    assert (await client.post("/oauth/token", data=password)).status_code == 400

    [notified] = [
        n
        for n in (await client.get("/api/v1/notifications", headers=staff)).json()
        if n["type"] == "admin.sign_up"
    ]
    assert notified["account"]["username"] == "newbie"
    [pending] = (await client.get("/api/v1/admin/accounts", params={"pending": "true"}, headers=staff)).json()
    assert pending["username"] == "newbie" and pending["approved"] is False
    assert pending["invite_request"] == "I paint foxes"

    approved = await client.post(f"/api/v1/admin/accounts/{pending['id']}/approve", headers=staff)
    assert approved.status_code == 200 and approved.json()["approved"] is True
    assert (await client.get("/api/v1/accounts/verify_credentials", headers=token)).status_code == 200
    assert (await client.post("/oauth/token", data=password)).status_code == 200
    again = await client.post(f"/api/v1/admin/accounts/{pending['id']}/approve", headers=staff)
    assert again.status_code == 422

    second = await client.post(
        "/api/v1/accounts",
        data={**form, "username": "spammer", "email": "s@example.org"},
        headers={"Authorization": f"Bearer {app_token}"},
    )
    [waiting] = (await client.get("/api/v1/admin/accounts", params={"pending": "true"}, headers=staff)).json()
    rejected = await client.post(f"/api/v1/admin/accounts/{waiting['id']}/reject", headers=staff)
    assert rejected.status_code == 200 and rejected.json()["username"] == "spammer"
    assert (await client.get(f"/api/v1/admin/accounts/{waiting['id']}", headers=staff)).status_code == 404
    assert second.status_code == 200
