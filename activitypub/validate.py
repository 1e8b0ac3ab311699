"""Checking an incoming activity's shape before it is accepted.

The views in ``activitypub.objects`` read optional fields tolerantly. An inbox, though, should
refuse at the door (with a 400) what no server sends: a field that must name something holding
a number, an audience that is a boolean, a date that is not one. Refused there, it is never
stored, and never trips up the code that applies it later.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import FormatError
from .objects import ActorView, NoteView, parse_datetime
from .vocab import ACTOR_TYPES, OBJECT_TYPES

# Activity types whose ``object`` is required (Mastodon ignores them without one).
NEEDS_OBJECT = frozenset(
    {
        "Create",
        "Update",
        "Delete",
        "Follow",
        "Accept",
        "Reject",
        "Undo",
        "Like",
        "Announce",
        "Block",
        "Flag",
        "Move",
    }
)
AUDIENCE = ("to", "cc", "bto", "bcc", "audience")
DATES = ("published", "updated")
# Fields of a post that hold objects or lists of them, never plain values.
OBJECT_LISTS = ("tag", "attachment")
TEXTS = ("content", "summary", "name")


def check_activity(doc: Mapping[str, Any]) -> None:
    """Raise FormatError naming the first field whose type or value cannot be right."""
    kind = doc.get("type")
    _check_common(doc, "activity")
    if "object" in doc or kind in NEEDS_OBJECT:
        _check_reference(doc.get("object"), "object", lists=kind == "Flag")
    if "target" in doc:
        _check_reference(doc["target"], "target", lists=False)
    inner = doc.get("object")
    if isinstance(inner, Mapping):
        _check_object(inner)


def _check_object(inner: Mapping[str, Any]) -> None:
    kind = inner.get("type")
    if kind is not None and not isinstance(kind, str | list):
        raise FormatError("object.type must be a string")
    _check_common(inner, "object")
    if kind in OBJECT_TYPES:
        NoteView(inner)
        for name in OBJECT_LISTS:
            value = inner.get(name)
            if value is not None and not isinstance(value, Mapping | list):
                raise FormatError(f"object.{name} must be an object or a list")
        for name in TEXTS:
            value = inner.get(name)
            if value is not None and not isinstance(value, str):
                raise FormatError(f"object.{name} must be a string")
        if "inReplyTo" in inner:
            _check_reference(inner["inReplyTo"], "object.inReplyTo", lists=False, optional=True)
    elif kind in ACTOR_TYPES:
        ActorView(inner)


def _check_common(doc: Mapping[str, Any], where: str) -> None:
    for name in AUDIENCE:
        value = doc.get(name)
        items = value if isinstance(value, list) else [value]
        if value is not None and not all(isinstance(item, str | Mapping) for item in items):
            raise FormatError(f"{where}.{name} must be a URI, an object or a list of them")
    for name in DATES:
        value = doc.get(name)
        if value is not None and parse_datetime(value) is None:
            raise FormatError(f"{where}.{name} is not an ISO 8601 date")


def _check_reference(value: Any, name: str, *, lists: bool, optional: bool = False) -> None:
    if value is None:
        if optional:
            return
        raise FormatError(f"{name} is missing")
    if isinstance(value, str):
        if not value:
            raise FormatError(f"{name} is empty")
        return
    if isinstance(value, Mapping):
        return
    if lists and isinstance(value, list) and value and all(isinstance(v, str | Mapping) for v in value):
        return
    raise FormatError(f"{name} must be a URI or an object")
