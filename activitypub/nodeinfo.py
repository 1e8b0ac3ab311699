"""NodeInfo 2.0 and 2.1 documents and the ``/.well-known/nodeinfo`` discovery document."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from .types import JsonObject

SCHEMA_REL = "http://nodeinfo.diaspora.software/ns/schema/{version}"
_SOFTWARE_NAME = re.compile(r"^[a-z0-9-]+$")


def well_known_nodeinfo(base_url: str) -> JsonObject:
    base = base_url.rstrip("/")
    return {
        "links": [
            {"rel": SCHEMA_REL.format(version=v), "href": f"{base}/nodeinfo/{v}"} for v in ("2.0", "2.1")
        ]
    }


def nodeinfo(
    version: Literal["2.0", "2.1"],
    *,
    software_name: str,
    software_version: str,
    repository: str | None = None,
    homepage: str | None = None,
    total_users: int,
    active_month: int,
    active_halfyear: int,
    local_posts: int,
    open_registrations: bool,
    metadata: Mapping[str, Any] | None = None,
) -> JsonObject:
    """A NodeInfo document; 2.0's schema forbids ``software.repository``/``homepage``."""
    if not _SOFTWARE_NAME.match(software_name):
        raise ValueError("NodeInfo software.name must match ^[a-z0-9-]+$")
    software: JsonObject = {"name": software_name, "version": software_version}
    if version == "2.1":
        if repository:
            software["repository"] = repository
        if homepage:
            software["homepage"] = homepage
    return {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"outbound": [], "inbound": []},
        "usage": {
            "users": {
                "total": total_users,
                "activeMonth": active_month,
                "activeHalfyear": active_halfyear,
            },
            "localPosts": local_posts,
        },
        "openRegistrations": open_registrations,
        "metadata": dict(metadata or {}),
    }
