"""ActivityStreams JSON from anywhere: every view gives a result or a FormatError, and every
property of a view that was built reads without raising (SECURITY B-39, B-41, B-47)."""

from __future__ import annotations

import inspect
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from activitypub.errors import FormatError
from activitypub.objects import ActivityView, ActorView, AttachmentView, NoteView

from .strategies import AS2_OBJECTS, JSON

VIEWS = (ActivityView, ActorView, AttachmentView, NoteView)


def _read_everything(view: object) -> None:
    for name, member in inspect.getmembers(type(view)):
        if isinstance(member, property):
            value = getattr(view, name)
            if isinstance(value, list):
                for item in value:
                    if hasattr(item, "raw"):
                        _read_everything(item)


def _check(document: Any) -> None:
    for view_type in VIEWS:
        try:
            view = view_type(document)
        except FormatError:
            continue
        _read_everything(view)


@given(JSON)
def test_any_json_gives_a_view_or_a_format_error(document: Any) -> None:
    _check(document)


@given(AS2_OBJECTS, st.sampled_from(["object", "attachment", "tag", "publicKey", "assertionMethod"]), JSON)
def test_activitystreams_shaped_objects_give_a_view_or_a_format_error(
    document: dict[str, Any], nested_key: str, nested: Any
) -> None:
    _check({**document, nested_key: nested})
