"""draft-cavage-http-signatures-12, signed and verified the way Mastodon does it.

Verification follows ``app/lib/signed_request.rb``, stricter where it is loose: rsa-sha256 or
hs2019; ``date`` or ``(created)`` signed, and the time taken only from what is signed (the
``algorithm`` and ``created`` parameters are not covered by the signature); ``host`` and
``(request-target)`` always signed, so a signature is good for one host and one path; ``digest``
on POST, matching the body; (request-target) tried with, then without, the query string. The
key decides the algorithm: RSA (2048 bits or more) with PKCS#1 v1.5 SHA-256, or Ed25519.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding

from ..errors import SignatureInvalid, SignatureMalformed, SignatureMissing, UnsupportedAlgorithm
from .digest import digest_header, verify_digest
from .headers import lower_headers
from .keys import KeySource, VerifyingKey, load_private_key, verifying_key
from .window import check_time_window

REQUEST_TARGET = "(request-target)"
SUPPORTED_ALGORITHMS = frozenset({"rsa-sha256", "hs2019"})
MAX_HEADER_LENGTH = 8192
# Headers a signer covers when the caller sets them (Mastodon: deliveries add
# content-type, fetches add accept).
OPTIONAL_SIGNED = ("content-type", "accept")

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_PARAM = re.compile(rf'[ \t]*({_TOKEN})[ \t]*=[ \t]*(?:"((?:[^"\\]|\\.)*)"|({_TOKEN}))[ \t]*')
_QUOTED_PAIR = re.compile(r"\\(.)")


def http_date(moment: datetime) -> str:
    """RFC 7231 IMF-fixdate: ``Sun, 06 Nov 1994 08:49:37 GMT``."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def request_target(method: str, url: str) -> str:
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{method.lower()} {path}{'?' + parts.query if parts.query else ''}"


def _authority(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def _signing_string(names: list[str], values: Mapping[str, str]) -> bytes:
    return "\n".join(f"{name}: {values[name]}" for name in names).encode("utf-8")


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    private_key_pem: str,
    key_id: str,
    now: datetime,
) -> dict[str, str]:
    """The headers to add to a request: ``Host``, ``Date``, ``Digest`` (with a body), ``Signature``.

    Signs ``(request-target) host date``, plus ``digest`` when there is a body, plus
    ``content-type`` / ``accept`` when present in ``headers``.
    """
    lowered = lower_headers(headers)
    added = {"Host": _authority(url), "Date": http_date(now)}
    values = {
        REQUEST_TARGET: request_target(method, url),
        "host": added["Host"],
        "date": added["Date"],
    }
    if body is not None:
        added["Digest"] = values["digest"] = digest_header(body)
    for name in OPTIONAL_SIGNED:
        if name in lowered:
            values[name] = lowered[name]
    names = list(values)
    raw = load_private_key(private_key_pem).sign(
        _signing_string(names, values), padding.PKCS1v15(), hashes.SHA256()
    )
    signature = base64.b64encode(raw).decode("ascii")
    added["Signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",signature="{signature}"'
    )
    return added


def parse_signature_header(value: str) -> dict[str, str]:
    """Parse ``k="v",k=v,...``; tolerant of spaces, order and old node-http-signature's prefix.

    Raises SignatureMalformed, and nothing else, for any input that does not parse.
    """
    if not isinstance(value, str) or len(value) > MAX_HEADER_LENGTH:
        raise SignatureMalformed("Error parsing signature parameters")
    text = value[len("Signature ") :] if value.startswith("Signature ") else value
    params: dict[str, str] = {}
    position = 0
    while True:
        match = _PARAM.match(text, position)
        if match is None:
            raise SignatureMalformed("Error parsing signature parameters")
        key, quoted, token = match.groups()
        if key in params:
            raise SignatureMalformed(f"Duplicate signature parameter {key!r}")
        params[key] = _QUOTED_PAIR.sub(r"\1", quoted) if quoted is not None else token
        position = match.end()
        if position == len(text):
            return params
        if text[position] != ",":
            raise SignatureMalformed("Error parsing signature parameters")
        position += 1


def _created_time(
    signed: list[str], params: Mapping[str, str], algorithm: str, lowered: Mapping[str, str]
) -> datetime:
    """When the signature was made, from a signed source only: ``(created)``, else ``date``."""
    if "(created)" in signed:
        if algorithm != "hs2019":
            raise SignatureInvalid("Invalid pseudo-header (created) for rsa-sha256")
        if not params.get("created"):
            raise SignatureInvalid("Pseudo-header (created) used but corresponding argument missing")
        return _timestamp(params["created"], "created")
    date = lowered.get("date")
    if "date" not in signed or not date:
        raise SignatureInvalid("Mastodon requires the Date header or (created) pseudo-header to be signed")
    try:
        parsed = parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError) as exc:
        raise SignatureMalformed(f"Invalid Date header: {date[:64]!r}") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _timestamp(value: str, name: str) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise SignatureMalformed(f"Invalid {name} parameter") from exc


def _check_strength(signed: list[str], method: str) -> None:
    # Without host and (request-target), one signature would be good for any path on any server.
    if "host" not in signed or REQUEST_TARGET not in signed:
        raise SignatureInvalid("The Host header and the (request-target) pseudo-header must be signed")
    if method == "POST" and "digest" not in signed:
        raise SignatureInvalid("Mastodon requires the Digest header to be signed when doing a POST request")


def _signed_values(
    signed: list[str],
    params: Mapping[str, str],
    algorithm: str,
    lowered: Mapping[str, str],
    target: str,
) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in signed:
        if name == REQUEST_TARGET:
            values[name] = target
        elif name in ("(created)", "(expires)"):
            param = name[1:-1]
            if algorithm != "hs2019":
                raise SignatureInvalid(f"Invalid pseudo-header {name} for rsa-sha256")
            if not params.get(param):
                raise SignatureInvalid(f"Pseudo-header {name} used but corresponding argument missing")
            values[name] = params[param]
        elif name in lowered:
            values[name] = lowered[name]
        else:
            raise SignatureInvalid(f"Signed header {name!r} is missing from the request")
    return values


def verify(
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    public_key_pem: KeySource,
    now: datetime,
) -> str:
    """Verify a cavage ``Signature`` header; return its keyId or raise a SignatureError."""
    method = method.upper()
    lowered = lower_headers(headers)
    if "signature" not in lowered:
        raise SignatureMissing()
    params = parse_signature_header(lowered["signature"])
    key_id, signature_b64 = params.get("keyId"), params.get("signature")
    if not key_id or not signature_b64:
        raise SignatureMalformed("Incompatible request signature. keyId and signature are required")
    algorithm = params.get("algorithm", "hs2019")
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise UnsupportedAlgorithm(
            "Unsupported signature algorithm (only rsa-sha256 and hs2019 are supported)"
        )
    default_headers = "(created)" if algorithm == "hs2019" else "date"
    signed = params.get("headers", default_headers).lower().split()
    _check_strength(signed, method)
    created = _created_time(signed, params, algorithm, lowered)
    expires = (
        _timestamp(params["expires"], "expires") if "(expires)" in signed and params.get("expires") else None
    )
    check_time_window(created, expires, now=now)
    if "digest" in signed:
        if "digest" not in lowered:
            raise SignatureInvalid("Digest header missing")
        verify_digest({"digest": lowered["digest"]}, body)

    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureMalformed("Signature is not valid base64") from exc
    public_key = verifying_key(public_key_pem, key_id)
    path = path_with_query or "/"
    # Mastodon before 4.2.4 left the query out of (request-target): accept both forms.
    targets = [f"{method.lower()} {path}"]
    if "?" in path:
        targets.append(f"{method.lower()} {path.split('?', 1)[0]}")
    if isinstance(public_key, ed25519.Ed25519PublicKey) and algorithm != "hs2019":
        raise SignatureInvalid(f"The key {key_id[:200]} is an Ed25519 key: the algorithm must be hs2019")
    for target in targets:
        values = _signed_values(signed, params, algorithm, lowered, target)
        if _verifies(public_key, signature, _signing_string(signed, values)):
            return key_id
    scheme = "ed25519" if isinstance(public_key, ed25519.Ed25519PublicKey) else "rsa-sha256"
    raise SignatureInvalid(f"Verification failed for {key_id[:200]} using {scheme}")


def _verifies(key: VerifyingKey, signature: bytes, data: bytes) -> bool:
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        else:
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True
