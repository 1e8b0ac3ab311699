"""RFC 9421 HTTP Message Signatures, with Mastodon's acceptance rules.

The cryptography and signature-base construction come from ``http-message-signatures``;
this module adds the policy Mastodon applies (``SignedRequest::HttpMessageSignature``):
exactly one signature; ``keyid`` and ``created`` present; ``@method`` and ``@target-uri``
covered (``@target-uri`` carries the authority and the path, so a signature is good for one URL
only); on POST a covered ``content-digest`` (SHA-256) matching the body; the same time window as
draft-cavage signatures. The key decides the algorithm: RSASSA-PKCS1-v1_5 with SHA-256 for RSA
keys (2048 bits or more), Ed25519 for Ed25519 keys; an ``alg`` parameter must agree with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import http_sf
from cryptography.hazmat.primitives.asymmetric import ed25519
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    MappingKeyResolver,
    algorithms,
)

from ..errors import SignatureInvalid, SignatureMalformed, SignatureMissing, UnsupportedAlgorithm
from .cavage import OPTIONAL_SIGNED
from .digest import content_digest_header, verify_digest
from .headers import lower_headers
from .keys import KeySource, VerifyingKey, load_private_key, verifying_key
from .window import check_time_window

ALGORITHM = algorithms.RSA_V1_5_SHA256
LABEL = "sig1"


class _Message:
    """The duck-typed request ``http-message-signatures`` reads: method, url string, headers."""

    def __init__(self, method: str, url: str, headers: dict[str, str]) -> None:
        self.method = method.upper()
        self.url = url
        self.headers = headers


class _Verifier(HTTPMessageVerifier):
    def validate_created_and_expires(self, sig_input: Any, max_age: Any = None) -> None:
        # Checked beforehand by check_time_window against the caller's clock; the
        # library's own check reads the wall clock and allows only 5 s of skew.
        return None


@dataclass(frozen=True)
class SignatureInput:
    """The one signature of a request, as declared in ``Signature-Input``."""

    label: str
    components: tuple[str, ...]
    params: Mapping[str, Any]

    @property
    def key_id(self) -> str | None:
        value = self.params.get("keyid")
        return value if isinstance(value, str) and value else None


def _parse_dictionary(value: str, name: str) -> dict[str, Any]:
    try:
        parsed = http_sf.parse(value.encode("ascii"), tltype="dictionary")
    except (ValueError, UnicodeError) as exc:
        raise SignatureMalformed(f"{name} is not a valid structured field dictionary") from exc
    assert isinstance(parsed, dict)
    return parsed


def parse_signature_input(value: str) -> SignatureInput:
    """Parse a ``Signature-Input`` header holding exactly one signature."""
    parsed = _parse_dictionary(value, "Signature-Input")
    if len(parsed) != 1:
        raise SignatureMalformed("Exactly one signature is supported")
    label, member = next(iter(parsed.items()))
    if not isinstance(member, tuple) or not isinstance(member[0], list):
        raise SignatureMalformed("Signature-Input member must be an inner list")
    items, params = member
    components = []
    for item in items:
        name = item[0] if isinstance(item, tuple) else item
        if not isinstance(name, str):
            raise SignatureMalformed("Covered components must be strings")
        components.append(name)
    return SignatureInput(label=label, components=tuple(components), params=dict(params))


def _int_param(params: Mapping[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise SignatureMalformed(f"Signature parameter {name!r} must be an integer")
    return value


def _moment(timestamp: int) -> datetime:
    try:
        return datetime.fromtimestamp(timestamp, tz=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise SignatureMalformed("Signature timestamp out of range") from exc


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
    """The headers to add: ``Signature-Input``, ``Signature`` and, with a body, ``Content-Digest``.

    Covers ``@method @target-uri``, then ``content-type``/``accept`` when present in
    ``headers``, then ``content-digest`` when there is a body.
    """
    lowered = lower_headers(headers)
    covered = ["@method", "@target-uri"]
    message_headers = {name: lowered[name] for name in OPTIONAL_SIGNED if name in lowered}
    covered += list(message_headers)
    added: dict[str, str] = {}
    if body is not None:
        added["Content-Digest"] = message_headers["content-digest"] = content_digest_header(body)
        covered.append("content-digest")
    message = _Message(method, url, message_headers)
    signer = HTTPMessageSigner(
        signature_algorithm=ALGORITHM,
        key_resolver=MappingKeyResolver(
            public_keys={}, private_keys={key_id: load_private_key(private_key_pem)}
        ),
    )
    signer.sign(
        message,
        key_id=key_id,
        created=now,
        label=LABEL,
        covered_component_ids=covered,
        use_existing_digest=body is not None,
    )
    added["Signature-Input"] = message.headers["Signature-Input"]
    added["Signature"] = message.headers["Signature"]
    return added


def _check_policy(declared: SignatureInput, method: str, *, now: datetime) -> str:
    key_id = declared.key_id
    created = _int_param(declared.params, "created")
    if key_id is None:
        raise SignatureMalformed("Incompatible request signature. keyid and created are required")
    if created is None:
        raise SignatureMalformed("Mastodon requires the (created) parameter to be signed")
    alg = declared.params.get("alg")
    if alg is not None and alg not in (ALGORITHM.algorithm_id, algorithms.ED25519.algorithm_id):
        raise UnsupportedAlgorithm(
            f"Unsupported signature algorithm (only {ALGORITHM.algorithm_id} and ed25519 are supported)"
        )
    expires = _int_param(declared.params, "expires")
    check_time_window(_moment(created), _moment(expires) if expires is not None else None, now=now)
    if "@method" not in declared.components or "@target-uri" not in declared.components:
        raise SignatureInvalid(
            "Mastodon requires the @method and @target-uri derived components to be signed"
        )
    if method == "POST" and "content-digest" not in declared.components:
        raise SignatureInvalid(
            "Mastodon requires the Content-Digest header to be signed when doing a POST request"
        )
    return key_id


def verify(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    public_key_pem: KeySource,
    now: datetime,
) -> str:
    """Verify an RFC 9421 signature over the request at ``url``; return its keyid."""
    method = method.upper()
    lowered = lower_headers(headers)
    if "signature-input" not in lowered:
        raise SignatureMissing()
    if "signature" not in lowered:
        raise SignatureMalformed("Signature header missing")
    declared = parse_signature_input(lowered["signature-input"])
    signatures = _parse_dictionary(lowered["signature"], "Signature")
    if set(signatures) != {declared.label}:
        raise SignatureMalformed("Signature and Signature-Input labels differ")
    member = signatures[declared.label]
    if not isinstance(member, tuple) or not isinstance(member[0], bytes):
        raise SignatureMalformed("Signature must be a byte sequence")
    key_id = _check_policy(declared, method, now=now)
    if "content-digest" in declared.components:
        if "content-digest" not in lowered:
            raise SignatureInvalid("Content-Digest header missing")
        verify_digest({"content-digest": lowered["content-digest"]}, body)

    public_key = verifying_key(public_key_pem, key_id)
    algorithm = _algorithm_for(public_key)
    declared_alg = declared.params.get("alg")
    if declared_alg is not None and declared_alg != algorithm.algorithm_id:
        raise SignatureInvalid(f"The key {key_id[:200]} cannot make {declared_alg} signatures")
    verifier = _Verifier(
        signature_algorithm=algorithm,
        key_resolver=MappingKeyResolver(public_keys={key_id: public_key}, private_keys={}),
    )
    try:
        verifier.verify(_Message(method, url, lowered), max_age=None)
    except HTTPMessageSignaturesException as exc:
        raise SignatureInvalid(
            f"Verification failed for {key_id[:200]} using {algorithm.algorithm_id}"
        ) from exc
    return key_id


def _algorithm_for(key: VerifyingKey) -> type[algorithms.HTTPSignatureAlgorithm]:
    return algorithms.ED25519 if isinstance(key, ed25519.Ed25519PublicKey) else ALGORITHM
