"""OAuth as Mastodon clients use it: registration, the consent pages, tokens, PKCE, revocation."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from sqlmodel import col, select

from fedi.models.accounts import Account
from fedi.models.oauth import OAuthApplication, OAuthCode, OAuthToken
from fedi.runtime import Runtime
from fedi.security.tokens import hash_secret, pkce_s256
from tests.api.conftest import Caller, issue_token
from tests.api.oauth_flow import async_sign_in_and_approve, code_from, form_fields

REDIRECT = "https://app.example/callback"
IVORY = "com.tapbots.Ivory.10217:/request_token"


async def register(client: httpx.AsyncClient, **fields: object) -> dict:
    body = {"client_name": "Test app", "redirect_uris": REDIRECT, "scopes": "read write follow push"} | fields
    response = await client.post("/api/v1/apps", data=body)
    assert response.status_code == 200, response.text
    return response.json()


def authorize_url(app: dict, **extra: str) -> str:
    query = {
        "response_type": "code",
        "client_id": app["client_id"],
        "redirect_uri": REDIRECT,
        "scope": "read write",
    }
    return "/oauth/authorize?" + urlencode(query | extra)


async def exchange(client: httpx.AsyncClient, app: dict, code: str, **extra: str) -> httpx.Response:
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "redirect_uri": REDIRECT,
    }
    return await client.post("/oauth/token", data=body | extra)


async def test_app_registration_takes_every_redirect_uri_shape(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    several = await register(client, redirect_uris=f"{REDIRECT}\n{IVORY} urn:ietf:wg:oauth:2.0:oob")
    assert several["redirect_uris"] == [REDIRECT, IVORY, "urn:ietf:wg:oauth:2.0:oob"]
    assert several["redirect_uri"] == "\n".join(several["redirect_uris"])
    as_json = await client.post(
        "/api/v1/apps", json={"client_name": "toot", "redirect_uris": [REDIRECT, IVORY], "scopes": "read"}
    )
    assert as_json.json()["redirect_uris"] == [REDIRECT, IVORY] and as_json.json()["scopes"] == ["read"]
    default = await register(client, redirect_uris="")
    assert default["redirect_uris"] == ["urn:ietf:wg:oauth:2.0:oob"]
    with runtime.db.reader() as session:
        stored = session.exec(
            select(OAuthApplication).where(OAuthApplication.client_id == several["client_id"])
        ).one()
    assert stored.client_secret_hash == hash_secret(several["client_secret"])
    assert several["client_secret"] not in stored.client_secret_hash


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"redirect_uris": "javascript:alert(1)"}, "redirect_uris"),
        ({"redirect_uris": "https://app.example/cb#fragment"}, "redirect_uris"),
        ({"scopes": "read admin:everything"}, "scopes"),
        ({"client_name": ""}, "client_name"),
    ],
)
async def test_bad_registrations_are_refused(client: httpx.AsyncClient, fields: dict, field: str) -> None:
    response = await client.post(
        "/api/v1/apps", data={"client_name": "x", "redirect_uris": REDIRECT} | fields
    )
    assert response.status_code == 422 and response.json()["field"] == field


async def test_authorization_code_flow_with_pkce_and_state(
    client: httpx.AsyncClient, local_account: Account, runtime: Runtime
) -> None:
    app = await register(client)
    verifier = "v" * 64
    url = authorize_url(app, state="xyz", code_challenge=pkce_s256(verifier), code_challenge_method="S256")
    answer = await async_sign_in_and_approve(client, url, email="alice@example.org", password="correct horse")
    assert answer.status_code == 302
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    assert parse_qs(location.query)["state"] == ["xyz"]
    code = code_from(answer)

    wrong = await exchange(client, app, code, code_verifier="w" * 64)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    token = await exchange(client, app, code, code_verifier=verifier)
    assert token.status_code == 200, token.text
    body = token.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "read write"
    assert isinstance(body["created_at"], int)
    replay = await exchange(client, app, code, code_verifier=verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"

    me = await client.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200 and me.json()["username"] == "alice"
    with runtime.db.reader() as session:
        hashes = session.exec(select(OAuthToken.token_hash)).all()
        codes = session.exec(select(OAuthCode.code_hash)).all()
    assert hash_secret(body["access_token"]) in hashes and body["access_token"] not in hashes
    assert codes == [hash_secret(code)]


async def test_oob_shows_the_code_and_force_login_asks_again(
    client: httpx.AsyncClient, local_account: Account
) -> None:
    app = await register(client, redirect_uris="urn:ietf:wg:oauth:2.0:oob")
    url = authorize_url(app, redirect_uri="urn:ietf:wg:oauth:2.0:oob")
    answer = await async_sign_in_and_approve(client, url, email="alice@example.org", password="correct horse")
    code = code_from(answer)
    token = await exchange(client, app, code, redirect_uri="urn:ietf:wg:oauth:2.0:oob")
    assert token.status_code == 200, token.text

    # Signed in now: the consent page comes at once, unless force_login, with a trailing slash as toot sends it.
    assert (await client.get(url)).status_code == 200
    forced = await client.get(url.replace("/oauth/authorize?", "/oauth/authorize/?") + "&force_login=true")
    assert forced.status_code == 302 and forced.headers["location"].startswith("/auth/sign_in?")


async def test_consent_refusals(client: httpx.AsyncClient, local_account: Account) -> None:
    app = await register(client)
    denied = await async_sign_in_and_approve(
        client,
        authorize_url(app, state="s"),
        email="alice@example.org",
        password="correct horse",
        decision="deny",
    )
    assert parse_qs(urlsplit(denied.headers["location"]).query) == {
        "error": ["access_denied"],
        "error_description": ["The user denied access"],
        "state": ["s"],
    }
    bad = [
        authorize_url(app, client_id="unknown"),
        authorize_url(app, redirect_uri="https://evil.example/steal"),
        authorize_url(app, scope="read admin:read"),
        authorize_url(app, scope="profile"),
        authorize_url(app, code_challenge=pkce_s256("v" * 64), code_challenge_method="plain"),
        authorize_url(app, code_challenge=pkce_s256("v" * 64)),
    ]
    for url in bad:
        page = await client.get(url)
        assert page.status_code == 400, url
        assert "evil.example/steal?" not in page.headers.get("location", "")


async def test_forms_need_their_csrf_token(client: httpx.AsyncClient, local_account: Account) -> None:
    login = await client.get("/auth/sign_in")
    fields = form_fields(login.text) | {"email": "alice@example.org", "password": "correct horse"}
    assert (await client.post("/auth/sign_in", data=fields | {"csrf_token": "forged"})).status_code == 403
    wrong_password = await client.post("/auth/sign_in", data=fields | {"password": "nope"})
    assert wrong_password.status_code == 401 and "do not match" in wrong_password.text
    signed_in = await client.post("/auth/sign_in", data=fields | {"next": "//evil.example/"})
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/auth/sign_in"
    app = await register(client)
    page = await client.get(authorize_url(app))
    consent = form_fields(page.text) | {"decision": "approve"}
    assert (await client.post("/oauth/authorize", data={**consent, "csrf_token": ""})).status_code == 403


async def test_token_endpoint_refuses_wrong_clients(
    client: httpx.AsyncClient, local_account: Account, runtime: Runtime
) -> None:
    app = await register(client)
    other = await register(client)
    answer = await async_sign_in_and_approve(
        client, authorize_url(app), email="alice@example.org", password="correct horse"
    )
    code = code_from(answer)
    wrong_secret = await exchange(client, app, code, client_secret="nope")
    assert wrong_secret.status_code == 401 and wrong_secret.json()["error"] == "invalid_client"
    unknown_client = await exchange(client, app, code, client_id="nobody")
    assert unknown_client.status_code == 401 and unknown_client.json()["error"] == "invalid_client"
    other_client = await exchange(
        client, app, code, client_id=other["client_id"], client_secret=other["client_secret"]
    )
    assert other_client.status_code == 400 and other_client.json()["error"] == "invalid_grant"
    wrong_redirect = await exchange(client, app, code, redirect_uri="https://app.example/other")
    assert wrong_redirect.status_code == 400 and wrong_redirect.json()["error"] == "invalid_grant"
    unsupported = await client.post("/oauth/token", data={"grant_type": "refresh_token", **_creds(app)})
    assert unsupported.json()["error"] == "unsupported_grant_type"
    with runtime.db.reader() as session:
        assert session.exec(select(OAuthToken)).all() == []
    # Still usable once, by its own client, with HTTP Basic credentials and a JSON body.
    basic = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    token = await client.post(
        "/oauth/token",
        json={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert token.status_code == 200, token.text


def _creds(app: dict) -> dict[str, str]:
    return {"client_id": app["client_id"], "client_secret": app["client_secret"]}


async def test_client_credentials_and_app_verification(client: httpx.AsyncClient) -> None:
    app = await register(client)
    token = await client.post(
        "/oauth/token", data={"grant_type": "client_credentials", "scope": "read", **_creds(app)}
    )
    assert token.status_code == 200 and token.json()["scope"] == "read"
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    verified = (await client.get("/api/v1/apps/verify_credentials", headers=headers)).json()
    assert verified["name"] == "Test app" and "client_secret" not in verified
    needs_user = await client.get("/api/v1/accounts/verify_credentials", headers=headers)
    assert needs_user.status_code == 422
    too_much = await client.post(
        "/oauth/token", data={"grant_type": "client_credentials", "scope": "admin:read", **_creds(app)}
    )
    assert too_much.status_code == 400 and too_much.json()["error"] == "invalid_scope"


async def test_password_grant_only_when_enabled(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account
) -> None:
    app = await register(client)
    body = {
        "grant_type": "password",
        "username": "alice@example.org",
        "password": "correct horse",
        **_creds(app),
    }
    refused = await client.post("/oauth/token", data=body)
    assert refused.status_code == 400 and refused.json()["error"] == "unsupported_grant_type"
    metadata = (await client.get("/.well-known/oauth-authorization-server")).json()
    assert "password" not in metadata["grant_types_supported"]

    runtime.settings.api.password_grant = True
    assert (await client.post("/oauth/token", data=body)).status_code == 200
    wrong = await client.post("/oauth/token", data=body | {"password": "wrong"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


async def test_server_metadata_and_userinfo(client: httpx.AsyncClient, alice: Caller) -> None:
    metadata = (await client.get("/.well-known/oauth-authorization-server")).json()
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["grant_types_supported"] == ["authorization_code", "client_credentials"]
    assert {"read", "write", "follow", "push", "profile", "read:statuses"} <= set(
        metadata["scopes_supported"]
    )
    for key in ("authorization_endpoint", "token_endpoint", "revocation_endpoint", "userinfo_endpoint"):
        assert metadata[key].startswith("https://fedi.test/oauth/")
    info = (await client.get("/oauth/userinfo", headers=alice.auth)).json()
    assert info["preferred_username"] == "alice" and info["sub"] == "https://fedi.test/users/alice"


async def test_tokens_bad_expired_revoked_or_short_of_scope(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller
) -> None:
    url = "/api/v1/accounts/verify_credentials"
    assert (await client.get(url, headers=alice.auth)).status_code == 200
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers={"Authorization": "Bearer nonsense"})).status_code == 401

    write_only = issue_token(runtime, alice.account, "write")
    response = await client.get(url, headers={"Authorization": f"Bearer {write_only}"})
    assert response.status_code == 403 and "error" in response.json()
    granular = issue_token(runtime, alice.account, "read:accounts")
    assert (await client.get(url, headers={"Authorization": f"Bearer {granular}"})).status_code == 200
    assert (
        await client.get("/api/v1/timelines/home", headers={"Authorization": f"Bearer {granular}"})
    ).status_code == 403

    with runtime.db.session() as session:
        row = session.exec(select(OAuthToken).where(OAuthToken.token_hash == hash_secret(granular))).one()
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.add(row)
    assert (await client.get(url, headers={"Authorization": f"Bearer {granular}"})).status_code == 401


async def test_revocation_follows_rfc_7009(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account
) -> None:
    app = await register(client)
    other = await register(client)
    answer = await async_sign_in_and_approve(
        client, authorize_url(app), email="alice@example.org", password="correct horse"
    )
    access = (await exchange(client, app, code_from(answer))).json()["access_token"]
    headers = {"Authorization": f"Bearer {access}"}

    someone_else = await client.post("/oauth/revoke", data={"token": access, **_creds(other)})
    assert someone_else.status_code == 403
    assert (await client.get("/api/v1/accounts/verify_credentials", headers=headers)).status_code == 200
    assert (await client.post("/oauth/revoke", data={"token": "unknown", **_creds(app)})).status_code == 200
    assert (await client.post("/oauth/revoke", data={"token": access, **_creds(app)})).status_code == 200
    assert (await client.get("/api/v1/accounts/verify_credentials", headers=headers)).status_code == 401
    with runtime.db.reader() as session:
        revoked = session.exec(select(OAuthToken).where(col(OAuthToken.revoked_at).is_not(None))).all()
    assert len(revoked) == 1
