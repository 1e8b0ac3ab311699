"""Host and origin normalisation, so that look-alike spellings compare equal only when equal.

``Victim.Example.``, ``victim.example`` and ``victim.example:443`` (over https) are one
host; a Unicode name and its punycode are one host (CVE-2023-42451, SECURITY B-35).
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import SplitResult, urlsplit

from .errors import FormatError

DEFAULT_PORTS = {"http": 80, "https": 443}
# Letters, digits, hyphens; underscores too, which some real hosts carry.
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_MAX_HOST = 253


@lru_cache(maxsize=8192)
def normalize_host(host: str) -> str:
    """Lower-case, IDNA-encode and strip the trailing dot of a DNS name (or IP literal).

    Raises FormatError for anything that is not a syntactically valid host. Cached: a busy inbox
    sees the same few hundred hosts over and over.
    """
    candidate = host.strip()
    if candidate.startswith("[") and candidate.endswith("]"):
        try:
            return f"[{ipaddress.IPv6Address(candidate[1:-1]).compressed}]"
        except ValueError as exc:
            raise FormatError(f"Invalid IPv6 literal: {host!r}") from exc
    candidate = candidate.rstrip(".")
    if not candidate or len(candidate) > _MAX_HOST * 4:
        raise FormatError(f"Invalid host: {host!r}")
    try:
        ascii_host = candidate.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise FormatError(f"Invalid host: {host!r}") from exc
    if len(ascii_host) > _MAX_HOST or not all(_LABEL.match(p) for p in ascii_host.split(".")):
        raise FormatError(f"Invalid host: {host!r}")
    return ascii_host


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise FormatError(f"Invalid URL: {url!r}") from exc
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname:
        raise FormatError(f"Not an http(s) URL: {url!r}")
    return parts


def host_of(url: str) -> str:
    """The normalised ``host[:port]`` of an http(s) URL; the port only when not the default."""
    return _authority(_split(url))


def _authority(parts: SplitResult) -> str:
    host = parts.hostname or ""
    host = normalize_host(f"[{host}]" if ":" in host else host)
    port = parts.port
    if port is None or port == DEFAULT_PORTS[parts.scheme.lower()]:
        return host
    return f"{host}:{port}"


def same_origin(a: str, b: str) -> bool:
    """Whether two URLs share scheme, host and port after normalisation."""
    try:
        first, second = _split(a), _split(b)
        return first.scheme.lower() == second.scheme.lower() and _authority(first) == _authority(second)
    except FormatError:
        return False
