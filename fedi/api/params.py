"""Request parameters in every shape clients send them, read into typed values.

Clients post JSON (Tusky statuses, toot), form fields (Phanpy, Mastodon.py), multipart (media,
avatars) and query strings, with Rails' bracket syntax for arrays and hashes: `media_ids[]=1`,
`poll[options][]=a`, `fields_attributes[0][name]=x`. Everything becomes one nested dict; the
getters convert and raise Unprocessable naming the field when a value will not do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from activitypub import strictjson
from activitypub.errors import FormatError
from fedi.errors import BadRequest, NotFound, PayloadTooLarge, Unprocessable
from fedi.ids import parse_id

MAX_BODY_BYTES = 1024 * 1024
MAX_DEPTH = 4
TRUE = frozenset({"true", "1", "on", "yes", "t"})
FALSE = frozenset({"false", "0", "off", "no", "f", ""})
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


@dataclass(frozen=True)
class Upload:
    """A file from a multipart body, read whole (its size is capped while reading)."""

    filename: str
    content_type: str
    data: bytes


class Params:
    def __init__(self, data: dict[str, Any], prefix: str = "") -> None:
        self._data = data
        self._prefix = prefix

    def _name(self, key: str) -> str:
        return f"{self._prefix}[{key}]" if self._prefix else key

    def _fail(self, key: str, problem: str) -> Unprocessable:
        name = self._name(key)
        return Unprocessable(f"{name} {problem}", field=name)

    def has(self, key: str) -> bool:
        return key in self._data

    def only(self, known: Collection[str]) -> None:
        """Refuse (422, naming it) a field outside `known`: for strict APIs, where a field the
        server ignores would silently do something else than the client meant."""
        for key in self._data:
            if key not in known:
                raise self._fail(key, f"is not a known field (known: {', '.join(sorted(known))})")

    def text(self, key: str, default: str | None = None, *, max_length: int | None = None) -> str | None:
        value = self._data.get(key)
        if value is None:
            return default
        if isinstance(value, int | float):  # JSON numbers (bool is an int too)
            value = json.dumps(value)
        if not isinstance(value, str):
            raise self._fail(key, "must be a string")
        if "\x00" in value:
            # PostgreSQL cannot store it, and no text needs it.
            raise self._fail(key, "contains a NUL character")
        if max_length is not None and len(value) > max_length:
            raise self._fail(key, f"is longer than {max_length} characters")
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        value = self._data.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise self._fail(key, "must be true or false")

    def integer(
        self, key: str, default: int | None = None, *, low: int | None = None, high: int | None = None
    ) -> int | None:
        value = self._data.get(key)
        if value is None or value == "":
            return default
        try:
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ValueError
            number = int(value)
        except ValueError:
            raise self._fail(key, "must be a whole number") from None
        if (low is not None and number < low) or (high is not None and number > high):
            raise self._fail(key, f"must be between {low} and {high}")
        return number

    def number(self, key: str, default: float | None = None) -> float | None:
        value = self._data.get(key)
        if value is None or value == "":
            return default
        try:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise ValueError
            return float(value)
        except ValueError:
            raise self._fail(key, "must be a number") from None

    def id(self, key: str) -> int | None:
        value = self._data.get(key)
        if value is None or value == "":
            return None
        parsed = parse_id(value)
        if parsed is None:
            raise self._fail(key, "is not a valid id")
        return parsed

    def texts(self, key: str) -> list[str]:
        """A list (`key[]=a&key[]=b`, a JSON array) or a single value."""
        value = self._data.get(key)
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(item, str | int) and not isinstance(item, bool) for item in items):
            raise self._fail(key, "must be a list of strings")
        if any(isinstance(item, str) and "\x00" in item for item in items):
            raise self._fail(key, "contains a NUL character")
        return [str(item) for item in items]

    def ids(self, key: str) -> list[int]:
        result = []
        for item in self.texts(key):
            parsed = parse_id(item)
            if parsed is None:
                raise self._fail(key, "contains an invalid id")
            result.append(parsed)
        return result

    def obj(self, key: str) -> Params:
        value = self._data.get(key)
        if value is None:
            return Params({}, self._name(key))
        if not isinstance(value, dict):
            raise self._fail(key, "must be a hash")
        return Params(value, self._name(key))

    def objs(self, key: str) -> list[Params]:
        """A list of hashes: a JSON array, or Rails' `key[0][name]=` (ordered by index)."""
        value = self._data.get(key)
        if value is None:
            return []
        if isinstance(value, dict):
            keys = sorted(value, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))
            value = [value[k] for k in keys]
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise self._fail(key, "must be a list of hashes")
        return [Params(item, f"{self._name(key)}[{index}]") for index, item in enumerate(value)]

    def file(self, key: str) -> Upload | None:
        value = self._data.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, Upload):
            raise self._fail(key, "must be a file")
        return value


def path_id(request: Request, name: str = "id") -> int:
    """An id from the URL path; a malformed one is simply not found."""
    parsed = parse_id(request.path_params.get(name))
    if parsed is None:
        raise NotFound()
    return parsed


async def read_params(request: Request, *, max_file_bytes: int = 0) -> Params:
    """Query string and body, merged (the body wins); files only when `max_file_bytes` allows."""
    data = _nest(request.query_params.multi_items())
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return Params(data)
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        data.update(await _form(request, content_type, max_file_bytes))
    elif content_type == "application/json" or content_type.endswith("+json"):
        data.update(await _json(request))
    return Params(data)


async def _json(request: Request) -> dict[str, Any]:
    body = await _body(request, MAX_BODY_BYTES)
    if not body.strip():
        return {}
    try:
        value = strictjson.loads(body, allow_nul=True)
    except FormatError as exc:
        raise BadRequest(f"The request body is not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise BadRequest("The request body must be a JSON object")
    return value


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


async def _form(request: Request, content_type: str, max_file_bytes: int) -> dict[str, Any]:
    limit = MAX_BODY_BYTES + (max_file_bytes if content_type == "multipart/form-data" else 0)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + MAX_BODY_BYTES:
        raise PayloadTooLarge()
    pairs: list[tuple[str, Any]] = []
    async with request.form(max_files=4 if max_file_bytes else 0, max_fields=1000) as form:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                pairs.append((key, await _upload(key, value, max_file_bytes)))
            else:
                pairs.append((key, value))
    return _nest(pairs)


async def _upload(key: str, file: UploadFile, limit: int) -> Upload:
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise Unprocessable(f"{key} is larger than {limit // (1024 * 1024)} MB", field=key)
    return Upload(file.filename or "", file.content_type or "", data)


def _nest(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Rails parameter names to a nested dict: `a[]` appends, `a[b]` nests, `a[0][b]` too."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if match is None:
            root[key] = value
            continue
        path = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        if len(path) > MAX_DEPTH + 1:
            raise Unprocessable(f"{key} is nested too deeply", field=match.group(1))
        _assign(root, path, value)
    return root


def _assign(node: dict[str, Any], path: list[str], value: Any) -> None:
    head, rest = path[0], path[1:]
    if not rest:
        node[head] = value
    elif rest == [""]:
        existing = node.get(head)
        node[head] = [*existing, value] if isinstance(existing, list) else [value]
    else:
        child = node.get(head)
        if not isinstance(child, dict):
            child = node[head] = {}
        _assign(child, rest, value)
