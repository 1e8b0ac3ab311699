"""Type aliases shared by the package."""

from __future__ import annotations

from typing import Any, TypeAlias

# A decoded JSON object. Values stay ``Any``: incoming documents are untrusted and every
# read goes through the tolerant accessors in ``activitypub.objects``.
JsonObject: TypeAlias = dict[str, Any]
