"""Media from a bucket, for `/media/<key>` (or the media host) when fedi serves the files itself.

The object is streamed from the bucket in chunks: the web process never holds a whole file.
Keys are checked against the media key pattern before anything reaches the bucket.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from fedi.api.context import runtime_of
from fedi.media.storage import CACHE_CONTROL, S3Storage, check_key, content_type

log = logging.getLogger(__name__)


async def serve(request: Request) -> Response:
    key = request.path_params["key"]
    storage = runtime_of(request).media
    assert isinstance(storage, S3Storage)  # files.py mounts this for the s3 backend only
    try:
        check_key(key)
    except ValueError:
        return _not_found()
    try:
        size, chunks = await storage.stream(key)
    except FileNotFoundError:
        return _not_found()
    headers = {
        "Content-Length": str(size),
        "Cache-Control": CACHE_CONTROL,
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(chunks, headers=headers, media_type=content_type(key))


def _not_found() -> Response:
    return Response("Not Found", status_code=404, media_type="text/plain")
