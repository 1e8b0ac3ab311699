"""Instance policy pages: domain blocks (admins), the prompt deny list and the image review
queue (moderators)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from fedi.api.context import read, runtime_of, write
from fedi.convert.common import preview_url
from fedi.errors import Unprocessable
from fedi.models.accounts import Account, Role
from fedi.models.moderation import BotReach, Severity
from fedi.services import bot_reach, domain_blocks, image_review, prompt_policy
from fedi.store import moderation as store
from fedi.web.admin import done, path_id, show, staff, staff_form
from fedi.web.pages import page

DOMAINS = "/admin/domains"
PROMPTS = "/admin/prompts"
IMAGES = "/admin/images"


@page
async def domains(request: Request) -> Response:
    me = await staff(request, Role.ADMIN)
    if isinstance(me, Response):
        return me
    return await _domains_page(request, me)


async def _domains_page(
    request: Request, me: Account, error: str | None = None, status: int = 200
) -> Response:
    blocks = await read(request, store.domain_blocks)
    context = {"blocks": blocks, "severities": list(Severity), "error": error}
    return show(request, "admin_domains.html", me, context, status)


@page
async def block(request: Request) -> Response:
    checked = await staff_form(request, Role.ADMIN)
    if isinstance(checked, Response):
        return checked
    me, form = checked
    rt = runtime_of(request)
    try:
        severity = Severity(form.get("severity", ""))
    except ValueError:
        return await _domains_page(request, me, "Choose a severity", 422)
    wanted = domain_blocks.BlockSettings(
        severity=severity,
        reject_media=form.get("reject_media") == "on",
        reject_reports=form.get("reject_reports") == "on",
        public_comment=form.get("public_comment", "").strip()[:1000] or None,
        private_comment=form.get("private_comment", "").strip()[:1000] or None,
        obfuscate=form.get("obfuscate") == "on",
    )
    try:
        await write(
            request, lambda s: domain_blocks.create_block(s, rt, form.get("domain", ""), wanted, by=me)
        )
    except Unprocessable as exc:
        return await _domains_page(request, me, exc.message, exc.status)
    return done(DOMAINS, "blocked")


@page
async def unblock(request: Request) -> Response:
    checked = await staff_form(request, Role.ADMIN)
    if isinstance(checked, Response):
        return checked
    me, _form = checked
    rt = runtime_of(request)
    block_id = path_id(request)
    await write(request, lambda s: domain_blocks.delete_block(s, rt, block_id, by=me))
    return done(DOMAINS, "unblocked")


@page
async def prompts(request: Request) -> Response:
    me = await staff(request)
    if isinstance(me, Response):
        return me
    return await _prompts_page(request, me)


async def _prompts_page(
    request: Request, me: Account, error: str | None = None, status: int = 200
) -> Response:
    rt = runtime_of(request)

    def load(session: Session) -> dict[str, Any]:
        return {
            "terms": prompt_policy.terms(session, rt),
            "bot_default": bot_reach.default(session),
            "switches": [s for s in store.bot_switches(session) if s.domain],
            "reaches": list(BotReach),
            "per_domain": bot_reach.PER_DOMAIN,
        }

    context = await read(request, load)
    return show(request, "admin_prompts.html", me, context | {"error": error}, status)


@page
async def add_term(request: Request) -> Response:
    checked = await staff_form(request)
    if isinstance(checked, Response):
        return checked
    me, form = checked
    rt = runtime_of(request)
    try:
        await write(request, lambda s: prompt_policy.add(s, rt, form.get("term", ""), by=me))
    except Unprocessable as exc:
        return await _prompts_page(request, me, exc.message, exc.status)
    return done(PROMPTS, "added")


@page
async def remove_term(request: Request) -> Response:
    checked = await staff_form(request)
    if isinstance(checked, Response):
        return checked
    me, _form = checked
    term_id = path_id(request)
    await write(request, lambda s: prompt_policy.remove(s, term_id, by=me))
    return done(PROMPTS, "removed")


@page
async def images(request: Request) -> Response:
    me = await staff(request)
    if isinstance(me, Response):
        return me
    rt = runtime_of(request)

    def load(session: Session) -> dict[str, Any]:
        waiting = image_review.queue(session)
        return {
            "held": [(h, preview_url(h.media, rt.urls) if h.media is not None else None) for h in waiting],
            "holding": rt.settings.generation.hold_flagged,
        }

    return show(request, "admin_images.html", me, await read(request, load))


@page
async def review(request: Request) -> Response:
    checked = await staff_form(request)
    if isinstance(checked, Response):
        return checked
    me, form = checked
    rt = runtime_of(request)
    generation_id = path_id(request)
    if form.get("decision") == "approve":
        await write(request, lambda s: image_review.approve(s, rt, generation_id, by=me))
        return done(IMAGES, "published")
    if form.get("decision") == "reject":
        await write(request, lambda s: image_review.reject(s, rt, generation_id, by=me))
        return done(IMAGES, "failed")
    raise Unprocessable("Approve or reject")


@page
async def switch_bot(request: Request) -> Response:
    checked = await staff_form(request)
    if isinstance(checked, Response):
        return checked
    me, form = checked
    rt = runtime_of(request)
    try:
        await write(
            request,
            lambda s: bot_reach.set_reach(s, rt, form.get("domain", ""), form.get("reach", ""), by=me),
        )
    except Unprocessable as exc:
        return await _prompts_page(request, me, exc.message, exc.status)
    return done(PROMPTS, "bot")


@page
async def unswitch_bot(request: Request) -> Response:
    checked = await staff_form(request)
    if isinstance(checked, Response):
        return checked
    me, form = checked
    await write(request, lambda s: bot_reach.remove(s, form.get("domain", ""), by=me))
    return done(PROMPTS, "bot")
