"""Discovery: WebFinger, host-meta and NodeInfo."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from activitypub.nodeinfo import well_known_nodeinfo
from activitypub.webfinger import host_meta_xrd
from fedi.api.context import run_sync, runtime_of
from fedi.services.federation import documents

CORS = {"Access-Control-Allow-Origin": "*"}


async def webfinger(request: Request) -> Response:
    rt = runtime_of(request)
    resource = request.query_params.get("resource", "")

    def load() -> dict[str, object]:
        with rt.db.reader() as session:
            return documents.webfinger(session, rt, resource)

    document = await run_sync(load)
    return JSONResponse(document, media_type="application/jrd+json; charset=utf-8", headers=CORS)


async def host_meta(request: Request) -> Response:
    xrd = host_meta_xrd(runtime_of(request).urls.base)
    return Response(xrd, media_type="application/xrd+xml; charset=utf-8", headers=CORS)


async def nodeinfo_links(request: Request) -> Response:
    return JSONResponse(well_known_nodeinfo(runtime_of(request).urls.base), headers=CORS)


async def nodeinfo(request: Request) -> Response:
    rt = runtime_of(request)
    version = request.path_params["version"]

    def load() -> dict[str, object]:
        with rt.db.reader() as session:
            return documents.nodeinfo_document(session, rt, version)

    profile = f"http://nodeinfo.diaspora.software/ns/schema/{version}#"
    return JSONResponse(
        await run_sync(load), media_type=f'application/json; profile="{profile}"', headers=CORS
    )
