"""/api/v1/instance and /api/v2/instance, with peers, rules, domain blocks and activity."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from fedi.api.context import read, run_sync, runtime_of
from fedi.api.responses import JSONResponse
from fedi.content.languages import LANGUAGES
from fedi.convert import to_mastodon
from fedi.models.accounts import Account
from fedi.runtime import Runtime
from fedi.services import domain_blocks as domain_blocks_service
from fedi.services import instance, readiness, vapid
from fedi.services import rules as server_rules
from fedi.store.moderation import Rule


@dataclass(frozen=True)
class _Facts:
    stats: instance.Stats
    contact: Account | None
    rules: list[Rule]


def _facts(session: Session, rt: Runtime) -> _Facts:
    return _Facts(
        instance.stats(session, rt.instance_stats),
        instance.contact(session),
        server_rules.current(session, rt.settings),
    )


async def v2(request: Request) -> Response:
    rt = runtime_of(request)
    facts = await read(request, lambda s: _facts(s, rt))
    vapid_key = await run_sync(lambda: vapid.keys(rt).public_key)
    entity = to_mastodon.instance_v2(
        rt.settings,
        rt.urls,
        contact=facts.contact,
        active_month=facts.stats.active_month,
        rules_in_force=facts.rules,
        vapid_key=vapid_key,
    )
    return JSONResponse(entity | await _fedi_extension(rt))


async def v1(request: Request) -> Response:
    rt = runtime_of(request)
    facts = await read(request, lambda s: _facts(s, rt))
    entity = to_mastodon.instance_v1(
        rt.settings,
        rt.urls,
        contact=facts.contact,
        user_count=facts.stats.user_count,
        status_count=facts.stats.status_count,
        domain_count=facts.stats.domain_count,
        rules_in_force=facts.rules,
    )
    return JSONResponse(entity | await _fedi_extension(rt))


async def _fedi_extension(rt: Runtime) -> dict[str, object]:
    state = await run_sync(readiness.of, rt)
    reason = state.reason.value if state.reason else None
    return to_mastodon.fedi_extension(state.preset, reason=reason, message=state.message)


async def peers(request: Request) -> Response:
    """Known domains, less those this server suspended (as Mastodon leaves them out)."""
    rt = runtime_of(request)
    known = await read(request, instance.peers)
    return JSONResponse([domain for domain in known if not rt.domains.suspended(domain)])


async def activity(request: Request) -> Response:
    weeks = await read(request, instance.activity)
    return JSONResponse(
        [
            {
                "week": str(int(w.start.timestamp())),
                "statuses": str(w.statuses),
                "logins": str(w.logins),
                "registrations": str(w.registrations),
            }
            for w in weeks
        ]
    )


async def translation_languages(request: Request) -> Response:
    """No translation here: no language translates into any other."""
    return JSONResponse({})


async def languages(request: Request) -> Response:
    """The languages a post can be tagged with (ISO 639-1), as Mastodon lists them."""
    return JSONResponse([{"code": code, "name": name} for code, name in LANGUAGES.items()])


async def rules(request: Request) -> Response:
    rt = runtime_of(request)
    return JSONResponse(
        to_mastodon.rules(await read(request, lambda s: server_rules.current(s, rt.settings)))
    )


async def domain_blocks(request: Request) -> Response:
    """The servers this one limits or suspends, with their public comments (open to all)."""
    listed = await read(request, domain_blocks_service.public_list)
    return JSONResponse([to_mastodon.instance_domain_block(b) for b in listed])


async def extended_description(request: Request) -> Response:
    settings = runtime_of(request).settings
    return JSONResponse({"updated_at": None, "content": settings.instance.description})
