"""The entry point for incoming requests: find the key id, then verify with either scheme.

Looking up (or fetching) the key is I/O and stays with the caller, who passes either the PEM
or a function that finds it; the function is called only after every check that needs no key
(syntax, time window, covered headers, digest) has passed, so a malformed or stale request
never costs a key fetch::

    key_id = signature_key_id(headers)          # None → unsigned
    signed_by = verify_request(method, url, headers, body, public_key_pem=keys.lookup, now=now)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from ..errors import FormatError, SignatureInvalid, SignatureMalformed, SignatureMissing
from ..urls import host_of
from . import cavage, rfc9421
from .headers import lower_headers
from .keys import KeySource

Scheme = Literal["cavage", "rfc9421"]


@dataclass(frozen=True)
class SignedBy:
    key_id: str
    scheme: Scheme


def signature_key_id(headers: Mapping[str, str]) -> str | None:
    """The key id a request claims, or ``None`` when it carries no signature.

    Raises SignatureMalformed when a signature header is present but unreadable.
    """
    lowered = lower_headers(headers)
    if "signature-input" in lowered:
        key_id = rfc9421.parse_signature_input(lowered["signature-input"]).key_id
    elif "signature" in lowered:
        key_id = cavage.parse_signature_header(lowered["signature"]).get("keyId") or None
    else:
        return None
    if key_id is None:
        raise SignatureMalformed("Signature has no key id")
    return key_id


def _check_host(url: str, lowered: Mapping[str, str]) -> None:
    # A signature made for another server must not replay against us (SECURITY B-04).
    host = lowered.get("host")
    if host is None:
        return
    try:
        if any(c in host for c in "/\\@?# \t"):
            raise FormatError("Invalid Host header")
        matches = host_of(f"{urlsplit(url).scheme}://{host}/") == host_of(url)
    except FormatError as exc:
        raise SignatureInvalid("Invalid Host header") from exc
    if not matches:
        raise SignatureInvalid("Host header does not match the request URL")


def verify_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    public_key_pem: KeySource,
    now: datetime,
) -> SignedBy:
    """Verify a request's HTTP signature (RFC 9421 if ``Signature-Input`` is present, else cavage).

    ``url`` is the full URL the request was received at (``https://host/path?query``), as
    this server's public address; the ``Host`` header must name the same host.
    """
    lowered = lower_headers(headers)
    if "signature-input" not in lowered and "signature" not in lowered:
        raise SignatureMissing()
    _check_host(url, lowered)
    if "signature-input" in lowered:
        key_id = rfc9421.verify(method, url, lowered, body, public_key_pem=public_key_pem, now=now)
        return SignedBy(key_id=key_id, scheme="rfc9421")
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    key_id = cavage.verify(method, path, lowered, body, public_key_pem=public_key_pem, now=now)
    return SignedBy(key_id=key_id, scheme="cavage")
