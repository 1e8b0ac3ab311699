"""/api/v1/domain_blocks: the domains a person blocked for themselves (fedi.services.domain_blocks)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedi.api.auth import authorize
from fedi.api.context import read, runtime_of, write
from fedi.api.pagination import link_header, page_of
from fedi.api.params import read_params
from fedi.api.responses import JSONResponse
from fedi.services import user_domain_blocks
from fedi.store import relationships as store


async def index(request: Request) -> Response:
    caller = await authorize(request, "read:blocks")
    page = page_of(await read_params(request), default=100, maximum=200)
    found = await read(request, lambda s: store.domain_blocks_of(s, caller.viewer.id, page))
    return JSONResponse(
        [row.domain for row in found], headers=link_header(request, [row.id for row in found])
    )


async def block(request: Request) -> Response:
    caller = await authorize(request, "write:blocks")
    domain = (await read_params(request)).text("domain")
    rt = runtime_of(request)
    await write(request, lambda s: user_domain_blocks.block(s, rt, caller.me(s), domain))
    return JSONResponse({})


async def unblock(request: Request) -> Response:
    caller = await authorize(request, "write:blocks")
    domain = (await read_params(request)).text("domain")
    rt = runtime_of(request)
    await write(request, lambda s: user_domain_blocks.unblock(s, rt, caller.me(s), domain))
    return JSONResponse({})


def routes(v1: str) -> list[Route]:
    path = f"{v1}/domain_blocks"
    return [
        Route(path, index, methods=["GET"]),
        Route(path, block, methods=["POST"]),
        Route(path, unblock, methods=["DELETE"]),
    ]
