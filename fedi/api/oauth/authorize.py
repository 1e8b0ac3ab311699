"""GET/POST /oauth/authorize: the page where a signed-in person lets an app use their account.

Problems with the request itself (unknown client, unregistered redirect URI, bad scope or PKCE)
are shown on the page and never redirected: a redirect would hand control to a URI we could not
vouch for. `force_login` signs the current person out first; `urn:ietf:wg:oauth:2.0:oob` shows
the code instead of redirecting.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from fedi.api.context import read, write
from fedi.errors import OAuthError
from fedi.security import scopes as scope_rules
from fedi.services import oauth
from fedi.web.pages import SIGN_IN, page, render
from fedi.web.session import check_csrf, current_user, forget

# The request's parameters, carried from the page to its form.
FIELDS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


async def authorize_page(request: Request) -> Response:
    query = request.query_params
    if query.get("force_login", "").lower() in ("1", "true", "on"):
        forget(request)
    user = await current_user(request)
    if user is None:
        back = (
            request.url.path + "?" + urlencode([(k, v) for k, v in query.multi_items() if k != "force_login"])
        )
        return RedirectResponse(f"{SIGN_IN}?{urlencode({'next': back})}", status_code=302)
    try:
        auth = await read(request, lambda s: _request(s, query))
    except OAuthError as exc:
        return _problem(request, exc)
    username = await read(request, lambda s: oauth.username_of(s, user))
    return render(
        request,
        "authorize.html",
        {
            "app_name": auth.application.name,
            "app_website": auth.application.website,
            "username": username,
            "scopes": [{"name": s, "text": scope_rules.describe(s)} for s in auth.scopes],
            "redirect_uri": auth.redirect_uri,
            "fields": [(name, query[name]) for name in FIELDS if query.get(name) is not None],
        },
    )


@page
async def authorize(request: Request) -> Response:
    async with request.form(max_files=0, max_fields=20) as form:
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
    check_csrf(request, fields)
    user = await current_user(request)
    if user is None:
        return render(
            request,
            "error.html",
            {"title": "Signed out", "message": "Sign in again, then retry."},
            status_code=403,
        )
    try:
        auth = await read(request, lambda s: _request(s, fields))
    except OAuthError as exc:
        return _problem(request, exc)
    if fields.get("decision") != "approve":
        return _answer(
            request, auth, {"error": "access_denied", "error_description": "The user denied access"}
        )
    code = await write(request, lambda s: oauth.grant_code(s, auth, user))
    return _answer(request, auth, {"code": code})


def _request(session: Session, values: Mapping[str, str]) -> oauth.AuthorizationRequest:
    return oauth.authorization_request(
        session,
        client_id=values.get("client_id", ""),
        redirect_uri=values.get("redirect_uri"),
        response_type=values.get("response_type", ""),
        scope=values.get("scope"),
        state=values.get("state"),
        code_challenge=values.get("code_challenge"),
        code_challenge_method=values.get("code_challenge_method"),
    )


def _answer(request: Request, auth: oauth.AuthorizationRequest, values: dict[str, str]) -> Response:
    if auth.redirect_uri == oauth.OOB:
        if "code" not in values:
            return render(request, "error.html", {"title": "Access denied", "message": "You denied access."})
        return render(request, "oob.html", {"app_name": auth.application.name, "code": values["code"]})
    if auth.state is not None:
        values["state"] = auth.state
    separator = "&" if "?" in auth.redirect_uri else "?"
    return RedirectResponse(auth.redirect_uri + separator + urlencode(values), status_code=302)


def _problem(request: Request, exc: OAuthError) -> Response:
    return render(
        request, "error.html", {"title": "This app cannot sign in", "message": exc.message}, status_code=400
    )
