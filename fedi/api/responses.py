"""JSON answers encoded with orjson: the same JSON as Starlette's JSONResponse (UTF-8, no
spaces), several times faster to make, which a page of twenty statuses notices."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse as _StarletteJSONResponse


class JSONResponse(_StarletteJSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
