"""Signing in and out of the web pages (the OAuth consent page sends people here first)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from fedi.api.context import client_address, read, run_sync, runtime_of
from fedi.errors import TooManyRequests
from fedi.services import oauth
from fedi.web.pages import SIGN_IN, page, render
from fedi.web.session import check_csrf, current_user, log_in, log_out

HOME = SIGN_IN


def safe_next(target: object) -> str:
    """Only paths on this site: never `//evil.example` or `/\\evil.example` (open redirects)."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith(("//", "/\\")):
        return HOME
    if any(c in target for c in "\r\n\\") or len(target) > 4000:
        return HOME
    return target


async def sign_in_page(request: Request) -> Response:
    user = await current_user(request)
    if user is not None:
        username = await read(request, lambda s: oauth.username_of(s, user))
        return render(request, "signed_in.html", {"username": username})
    context = {
        "next": safe_next(request.query_params.get("next")),
        "email": "",
        "deleted": request.query_params.get("deleted") == "1",
    }
    return render(request, "login.html", context)


@page
async def sign_in(request: Request) -> Response:
    async with request.form(max_files=0, max_fields=10) as form:
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
    check_csrf(request, fields)
    email, password = fields.get("email", ""), fields.get("password", "")
    rt = runtime_of(request)
    target = safe_next(fields.get("next"))
    try:
        await rt.sign_in_throttle.attempt(client_address(request), email)
    except TooManyRequests as exc:
        context = {"next": target, "email": email, "error": exc.message}
        response = render(request, "login.html", context, status_code=exc.status)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    def check() -> tuple[int, int, bool] | None:
        with rt.db.session() as session:
            user = oauth.login(session, rt.passwords, email, password)
            return (user.id, user.session_version, user.moderator) if user is not None else None

    signed_in = await run_sync(check)
    if signed_in is None:
        await rt.sign_in_throttle.failed(email)
        context = {"next": target, "email": email, "error": "That e-mail address and password do not match."}
        return render(request, "login.html", context, status_code=401)
    user_id, version, staff = signed_in
    log_in(request, user_id, version, staff=staff)
    return RedirectResponse(target, status_code=303)


@page
async def sign_out(request: Request) -> Response:
    async with request.form(max_files=0, max_fields=10) as form:
        check_csrf(request, form)
    await log_out(request)
    return RedirectResponse(HOME, status_code=303)
