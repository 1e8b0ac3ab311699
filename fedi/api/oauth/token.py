"""POST /oauth/token, POST /oauth/revoke, GET /oauth/userinfo and the RFC 8414 metadata.

Clients authenticate with `client_id`/`client_secret` in the body (Mastodon's way) or HTTP
Basic (RFC 6749 §2.3.1). Bodies may be form fields (Tusky, Phanpy) or JSON (toot).
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fedi.api.auth import authorize
from fedi.api.context import client_address, runtime_of, write
from fedi.api.params import Params, read_params
from fedi.convert import to_mastodon
from fedi.errors import OAuthError
from fedi.security import scopes as scope_rules
from fedi.services import oauth

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


async def token(request: Request) -> Response:
    params = await read_params(request)
    client_id, client_secret = _client_credentials(request, params)
    grant_type = params.text("grant_type", "")
    rt = runtime_of(request)
    username = params.text("username", "") or ""
    if grant_type == "password":
        await rt.sign_in_throttle.attempt(client_address(request), username)

    def issue(session: Session) -> oauth.IssuedToken:
        application = oauth.authenticate_client(session, client_id, client_secret)
        if grant_type == "authorization_code":
            return oauth.exchange_code(
                session,
                application,
                code=params.text("code"),
                redirect_uri=params.text("redirect_uri"),
                code_verifier=params.text("code_verifier"),
            )
        if grant_type == "client_credentials":
            return oauth.client_credentials(session, application, params.text("scope"))
        if grant_type == "password":
            return oauth.password_grant(
                session,
                rt,
                application,
                username=username,
                password=params.text("password"),
                scope=params.text("scope"),
            )
        raise OAuthError("unsupported_grant_type", f"grant_type {grant_type!r} is not supported")

    try:
        issued = await write(request, issue)
    except OAuthError as exc:
        if grant_type == "password" and exc.error == "invalid_grant":
            await rt.sign_in_throttle.failed(username)
        raise
    entity = to_mastodon.token(issued.access_token, issued.token.scopes, issued.token.created_at)
    return JSONResponse(entity, headers=NO_STORE)


async def revoke(request: Request) -> Response:
    params = await read_params(request)
    client_id, client_secret = _client_credentials(request, params)
    access_token = params.text("token", "") or ""
    rt = runtime_of(request)

    def revoke_token(session: Session) -> None:
        application = oauth.authenticate_client(session, client_id, client_secret)
        oauth.revoke(session, rt, application, access_token)

    await write(request, revoke_token)
    return JSONResponse({}, headers=NO_STORE)


def _client_credentials(request: Request, params: Params) -> tuple[str | None, str | None]:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, client_secret = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "Malformed HTTP Basic credentials", status=401) from None
        return unquote(client_id), unquote(client_secret)
    return params.text("client_id"), params.text("client_secret")


async def userinfo(request: Request) -> Response:
    caller = await authorize(request, "profile", "read:accounts")
    return JSONResponse(to_mastodon.userinfo(caller.viewer, runtime_of(request).urls))


async def authorization_server(request: Request) -> Response:
    rt = runtime_of(request)
    base = rt.urls.base
    grants = ["authorization_code", "client_credentials"]
    if rt.settings.api.password_grant:
        grants.append("password")
    return JSONResponse(
        {
            "issuer": base + "/",
            "service_documentation": "https://docs.joinmastodon.org/",
            "authorization_endpoint": base + "/oauth/authorize",
            "token_endpoint": base + "/oauth/token",
            "revocation_endpoint": base + "/oauth/revoke",
            "userinfo_endpoint": base + "/oauth/userinfo",
            "app_registration_endpoint": base + "/api/v1/apps",
            "scopes_supported": list(scope_rules.ALL),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": grants,
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }
    )
