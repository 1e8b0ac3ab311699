"""/api/v1/admin/domain_blocks and /api/v1/admin/domain_allows (admins and owners only, as
Mastodon's manage_federation permission)."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import authorize_staff
from fedi.api.context import read, runtime_of, write
from fedi.api.params import Params, path_id, read_params
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.errors import Unprocessable
from fedi.models.accounts import Role
from fedi.models.moderation import DomainAllow, DomainBlock, Severity
from fedi.services import domain_blocks
from fedi.services.domain_blocks import BlockSettings
from fedi.store import moderation as store

COMMENT_MAX = 1000


async def blocks(request: Request) -> Response:
    await authorize_staff(request, "admin:read:domain_blocks", role=Role.ADMIN)
    return JSONResponse([to_mastodon.admin_domain_block(b) for b in await read(request, store.domain_blocks)])


async def block(request: Request) -> Response:
    await authorize_staff(request, "admin:read:domain_blocks", role=Role.ADMIN)
    block_id = path_id(request)
    found = await read(request, lambda s: domain_blocks.get_block(s, block_id))
    return JSONResponse(to_mastodon.admin_domain_block(found))


def _settings(params: Params, current: DomainBlock | None = None) -> BlockSettings:
    """Fields a request leaves out keep their current value (or Mastodon's default)."""
    base = (
        BlockSettings()
        if current is None
        else BlockSettings(**{k: getattr(current, k) for k in vars(BlockSettings())})
    )
    severity = params.text("severity") or base.severity
    if severity not in set(Severity):
        raise Unprocessable(f"severity must be one of {', '.join(Severity)}", field="severity")
    return BlockSettings(
        severity=Severity(severity),
        reject_media=params.flag("reject_media", base.reject_media),
        reject_reports=params.flag("reject_reports", base.reject_reports),
        private_comment=params.text("private_comment", base.private_comment, max_length=COMMENT_MAX),
        public_comment=params.text("public_comment", base.public_comment, max_length=COMMENT_MAX),
        obfuscate=params.flag("obfuscate", base.obfuscate),
    )


async def create_block(request: Request) -> Response:
    caller = await authorize_staff(request, "admin:write:domain_blocks", role=Role.ADMIN)
    params = await read_params(request)
    domain = params.text("domain", "", max_length=300) or ""
    settings = _settings(params)
    rt = runtime_of(request)

    def create(session: Session) -> DomainBlock:
        return domain_blocks.create_block(session, rt, domain, settings, by=caller.me(session))

    return JSONResponse(to_mastodon.admin_domain_block(await write(request, create)))


async def update_block(request: Request) -> Response:
    caller = await authorize_staff(request, "admin:write:domain_blocks", role=Role.ADMIN)
    params = await read_params(request)
    block_id = path_id(request)
    rt = runtime_of(request)

    def update(session: Session) -> DomainBlock:
        current = domain_blocks.get_block(session, block_id)
        return domain_blocks.update_block(
            session, rt, block_id, _settings(params, current), by=caller.me(session)
        )

    return JSONResponse(to_mastodon.admin_domain_block(await write(request, update)))


async def delete_block(request: Request) -> Response:
    caller = await authorize_staff(request, "admin:write:domain_blocks", role=Role.ADMIN)
    block_id = path_id(request)
    rt = runtime_of(request)
    await write(request, lambda s: domain_blocks.delete_block(s, rt, block_id, by=caller.me(s)))
    return JSONResponse({})


async def allows(request: Request) -> Response:
    await authorize_staff(request, "admin:read:domain_allows", role=Role.ADMIN)
    return JSONResponse([to_mastodon.admin_domain_allow(a) for a in await read(request, store.domain_allows)])


async def allow(request: Request) -> Response:
    await authorize_staff(request, "admin:read:domain_allows", role=Role.ADMIN)
    allow_id = path_id(request)
    found = await read(request, lambda s: domain_blocks.get_allow(s, allow_id))
    return JSONResponse(to_mastodon.admin_domain_allow(found))


async def create_allow(request: Request) -> Response:
    caller = await authorize_staff(request, "admin:write:domain_allows", role=Role.ADMIN)
    params = await read_params(request)
    domain = params.text("domain", "", max_length=300) or ""
    rt = runtime_of(request)

    def create(session: Session) -> DomainAllow:
        return domain_blocks.create_allow(session, rt, domain, by=caller.me(session))

    return JSONResponse(to_mastodon.admin_domain_allow(await write(request, create)))


async def delete_allow(request: Request) -> Response:
    caller = await authorize_staff(request, "admin:write:domain_allows", role=Role.ADMIN)
    allow_id = path_id(request)
    rt = runtime_of(request)
    await write(request, lambda s: domain_blocks.delete_allow(s, rt, allow_id, by=caller.me(s)))
    return JSONResponse({})
