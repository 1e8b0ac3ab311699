"""Profile settings: avatar, header, display name, bio, profile fields, locked; the quota; the
account's archive; and deleting one's own account."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from sqlmodel import Session
from starlette.background import BackgroundTask
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from fedi.api.context import fetch_first, read, run_sync, runtime_of, write
from fedi.errors import PayloadTooLarge, Unprocessable
from fedi.licences import ImageLicence, parse_licence
from fedi.models.accounts import Account
from fedi.runtime import Runtime
from fedi.services import export as export_service
from fedi.services import generations, moderation, profiles, resolver
from fedi.web import present
from fedi.web.pages import SIGN_IN, page, render, sign_in_first
from fedi.web.session import (
    check_csrf,
    check_same_site,
    checked_form,
    current_account,
    current_user_id,
    forget,
)

PATH = "/settings/profile"


@page
async def settings_page(request: Request) -> Response:
    me = await current_account(request)
    if me is None:
        return sign_in_first(request)
    return await _settings_page(request, me, saved=request.query_params.get("saved") == "1")


@page
async def save(request: Request) -> Response:
    rt = runtime_of(request)
    limit = rt.settings.media.max_upload_bytes
    # Who is asking, and from where, is settled before the (possibly large) body is read.
    if current_user_id(request) is None:
        return sign_in_first(request)
    check_same_site(request, rt.urls.base)
    async with request.form(max_files=2, max_fields=20) as form:
        check_csrf(request, form)
        me = await current_account(request)
        if me is None:
            return sign_in_first(request)
        try:
            changes = profiles.ProfileChanges(
                display_name=_text(form, "display_name"),
                note=_text(form, "note"),
                fields=[(_text(form, f"field_name_{i}"), _text(form, f"field_value_{i}")) for i in range(4)],
                locked=form.get("locked") == "on",
                avatar=await _image(form, "avatar", limit),
                header=await _image(form, "header", limit),
                image_licence=_licence(form),
            )
            await fetch_first(
                rt, resolver.start_mentions, changes.linked_text(), timeout=resolver.LOOKUP_WAIT_S
            )
            await run_sync(profiles.update, rt, me.id, changes)
        except (Unprocessable, PayloadTooLarge) as exc:
            return await _settings_page(request, me, error=exc.message, status_code=exc.status)
    return RedirectResponse(f"{PATH}?saved=1", status_code=303)


async def _settings_page(
    request: Request, me: Account, *, saved: bool = False, error: str | None = None, status_code: int = 200
) -> Response:
    rt = runtime_of(request)
    context = await read(request, lambda s: _current(s, rt, me))
    context |= {"me": me, "saved": saved, "error": error}
    return render(request, "settings.html", context, status_code=status_code)


@page
async def delete_account(request: Request) -> Response:
    """The account is deleted for good (other servers are told); the session ends with it."""
    user_id = current_user_id(request)
    if user_id is None:
        return sign_in_first(request)
    rt = runtime_of(request)
    check_same_site(request, rt.urls.base)
    fields = await checked_form(request, max_fields=5)
    me = await current_account(request)
    if me is None:
        return sign_in_first(request)
    if fields.get("confirm") != "on":
        return await _settings_page(
            request, me, error="Tick the box to confirm the deletion", status_code=422
        )
    try:
        await write(request, lambda s: moderation.delete_own(s, rt, user_id, fields.get("password", "")))
    except Unprocessable as exc:
        return await _settings_page(request, me, error=exc.message, status_code=exc.status)
    forget(request)
    return RedirectResponse(f"{SIGN_IN}?deleted=1", status_code=303)


def _current(session: Session, rt: Runtime, me: Account) -> dict[str, Any]:
    account = profiles.credentials(session, me.id).account
    fields = [(str(f.get("name", "")), str(f.get("source", f.get("value", "")))) for f in account.fields]
    return {
        "person": present.person(account, rt.urls),
        "account": account,
        "fields": (fields + [("", "")] * 4)[:4],
        "quota": generations.quota(session, rt, account),
        "licences": list(ImageLicence),
    }


def _licence(form: FormData) -> ImageLicence | None:
    value = form.get("image_licence")
    if value is None:
        return None
    licence = parse_licence(value)
    if licence is None:
        raise Unprocessable("choose one of the licences offered", field="image_licence")
    return licence


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def _image(form: FormData, name: str, limit: int) -> bytes | None:
    """A chosen file's bytes; None when the field was left empty."""
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    if upload.size is not None and upload.size > limit:
        raise PayloadTooLarge(f"{name}: the file is larger than {limit // (1024 * 1024)} MB")
    return await upload.read()


@page
async def export(request: Request) -> Response:
    """The signed-in account's archive (fedi.services.export), built into a temporary file off
    the event loop and streamed; the file is removed once sent."""
    rt = runtime_of(request)
    if current_user_id(request) is None:
        return sign_in_first(request)
    check_same_site(request, rt.urls.base)
    async with request.form(max_files=0, max_fields=2) as form:
        check_csrf(request, form)
    me = await current_account(request)
    if me is None:
        return sign_in_first(request)
    handle, name = tempfile.mkstemp(prefix="fedi-archive-", suffix=".zip")
    os.close(handle)
    path = Path(name)
    try:
        await run_sync(export_service.write_archive_file, rt, me.id, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return FileResponse(
        path,
        media_type="application/zip",
        filename=f"{me.username}-archive.zip",
        background=BackgroundTask(path.unlink, missing_ok=True),
    )
