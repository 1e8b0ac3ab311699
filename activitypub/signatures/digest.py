"""Body digests: ``Digest`` (RFC 3230, as Mastodon uses it) and ``Content-Digest`` (RFC 9530)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping

import http_sf

from ..errors import SignatureInvalid, SignatureMalformed
from .headers import lower_headers

_ECHO_LIMIT = 100  # how much of a peer's header we quote back in an error


def _b64_sha256(body: bytes) -> str:
    return base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def digest_header(body: bytes) -> str:
    """``SHA-256=<base64>``."""
    return f"SHA-256={_b64_sha256(body)}"


def content_digest_header(body: bytes) -> str:
    """``sha-256=:<base64>:``."""
    return f"sha-256=:{_b64_sha256(body)}:"


def _verify_legacy_digest(value: str, body: bytes) -> None:
    offered: dict[str, str] = {}
    for part in value.split(","):
        algorithm, _, digest = part.strip().partition("=")
        offered.setdefault(algorithm.strip().lower(), digest.strip())
    given = offered.get("sha-256")
    if given is None:
        algorithms = ", ".join(offered)[:_ECHO_LIMIT]
        raise SignatureInvalid(
            f"Mastodon only supports SHA-256 in Digest header. Offered algorithms: {algorithms}"
        )
    computed = _b64_sha256(body)
    if hmac.compare_digest(computed.encode(), given.encode()):
        return
    echo = given[:_ECHO_LIMIT]
    try:
        size = len(base64.b64decode(given, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise SignatureInvalid(
            "Invalid Digest value. The provided Digest value is not a valid base64 string. "
            f"Given digest: {echo}"
        ) from exc
    if size != hashlib.sha256().digest_size:
        raise SignatureInvalid(
            f"Invalid Digest value. The provided Digest value is not a SHA-256 digest. Given digest: {echo}"
        )
    raise SignatureInvalid(f"Invalid Digest value. Computed SHA-256 digest: {computed}; given: {echo}")


def _verify_content_digest(value: str, body: bytes) -> None:
    try:
        parsed = http_sf.parse(value.encode("ascii"), tltype="dictionary")
    except (ValueError, UnicodeError) as exc:
        raise SignatureMalformed(
            "Content-Digest could not be parsed. It does not contain a valid RFC8941 dictionary."
        ) from exc
    assert isinstance(parsed, dict)
    member = parsed.get("sha-256")
    if member is None:
        algorithms = ", ".join(parsed)[:_ECHO_LIMIT]
        raise SignatureInvalid(
            f"Mastodon only supports SHA-256 in Content-Digest header. Offered algorithms: {algorithms}"
        )
    given = member[0] if isinstance(member, tuple) else member
    if not isinstance(given, bytes):
        raise SignatureMalformed("Content-Digest sha-256 value must be a byte sequence")
    if not hmac.compare_digest(given, hashlib.sha256(body).digest()):
        given_b64 = base64.b64encode(given).decode("ascii")[:_ECHO_LIMIT]
        computed = _b64_sha256(body)
        raise SignatureInvalid(
            f"Invalid Digest value. Computed SHA-256 digest: {computed}; given: {given_b64}"
        )


def verify_digest(headers: Mapping[str, str], body: bytes) -> None:
    """Check every digest header present against ``body``.

    Raises SignatureInvalid on a mismatch, an algorithm other than SHA-256, or when
    neither ``Digest`` nor ``Content-Digest`` is present.
    """
    lowered = lower_headers(headers)
    if "digest" not in lowered and "content-digest" not in lowered:
        raise SignatureInvalid("Digest header missing")
    if "digest" in lowered:
        _verify_legacy_digest(lowered["digest"], body)
    if "content-digest" in lowered:
        _verify_content_digest(lowered["content-digest"], body)
