from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from http_message_signatures import HTTPMessageVerifier, MappingKeyResolver, algorithms

from activitypub.errors import (
    SignatureExpired,
    SignatureInvalid,
    SignatureMalformed,
    SignatureMissing,
    UnsupportedAlgorithm,
)
from activitypub.signatures import load_public_key, rfc9421
from activitypub.signatures.digest import content_digest_header
from activitypub.testing import StaticKey

from .signing import rfc9421_signed

INBOX = "https://fedi.example/users/alice/inbox"
KEY_ID = "https://gts.example/users/zoe#main-key"
BODY = b'{"type":"Like"}'


def _post_headers(
    key: StaticKey,
    params: str,
    components: tuple[str, ...] = ("@method", "@target-uri", "content-digest"),
) -> dict[str, str]:
    return rfc9421_signed(
        "POST",
        INBOX,
        private_pem=key.private_key_pem,
        components=components,
        params=params,
        headers={
            "Content-Type": "application/activity+json",
            "Content-Digest": content_digest_header(BODY),
        },
    )


def _params(now: datetime, *, created: bool = True, alg: str = "rsa-v1_5-sha256") -> str:
    parts = []
    if created:
        parts.append(f"created={int(now.timestamp())}")
    parts.append(f'keyid="{KEY_ID}"')
    if alg:
        parts.append(f'alg="{alg}"')
    return "".join(f";{p}" for p in parts)


def _verify(
    headers: dict[str, str],
    key: StaticKey,
    now: datetime,
    *,
    method: str = "POST",
    body: bytes = BODY,
) -> str:
    return rfc9421.verify(method, INBOX, headers, body, public_key_pem=key.public_key_pem, now=now)


def test_independently_signed_post_verifies(key: StaticKey, now: datetime) -> None:
    headers = _post_headers(key, _params(now))
    assert _verify(headers, key, now + timedelta(minutes=2)) == KEY_ID


def test_without_alg_parameter(key: StaticKey, now: datetime) -> None:
    headers = _post_headers(key, _params(now, alg=""))
    assert _verify(headers, key, now) == KEY_ID


def test_our_signature_verifies_with_the_library(key: StaticKey, now: datetime) -> None:
    added = rfc9421.sign(
        "POST",
        INBOX,
        {"Content-Type": "application/activity+json"},
        BODY,
        private_key_pem=key.private_key_pem,
        key_id=KEY_ID,
        now=now,
    )
    assert added["Content-Digest"] == content_digest_header(BODY)
    assert added["Signature-Input"].startswith(
        'sig1=("@method" "@target-uri" "content-type" "content-digest")'
    )
    assert f"created={int(now.timestamp())}" in added["Signature-Input"]
    headers = {"Content-Type": "application/activity+json", **added}
    assert _verify(headers, key, now) == KEY_ID

    class Request:
        method = "POST"
        url = INBOX

    request = Request()
    request.headers = headers  # type: ignore[attr-defined]
    verifier = HTTPMessageVerifier(
        signature_algorithm=algorithms.RSA_V1_5_SHA256,
        key_resolver=MappingKeyResolver(
            public_keys={KEY_ID: load_public_key(key.public_key_pem)}, private_keys={}
        ),
    )
    [result] = verifier.verify(request, max_age=None, body=BODY)
    assert result.parameters["keyid"] == KEY_ID


def test_get_needs_no_digest(key: StaticKey, now: datetime) -> None:
    added = rfc9421.sign(
        "GET",
        INBOX,
        {"Accept": "application/activity+json"},
        None,
        private_key_pem=key.private_key_pem,
        key_id=KEY_ID,
        now=now,
    )
    assert "Content-Digest" not in added
    assert (
        _verify({"Accept": "application/activity+json", **added}, key, now, method="GET", body=b"") == KEY_ID
    )


def test_missing_created(key: StaticKey, now: datetime) -> None:
    headers = _post_headers(key, _params(now, created=False))
    with pytest.raises(SignatureMalformed, match="created"):
        _verify(headers, key, now)


def test_missing_target_uri(key: StaticKey, now: datetime) -> None:
    headers = _post_headers(key, _params(now), components=("@method", "@authority", "content-digest"))
    with pytest.raises(SignatureInvalid, match="@method and @target-uri"):
        _verify(headers, key, now)


def test_post_without_content_digest(key: StaticKey, now: datetime) -> None:
    headers = _post_headers(key, _params(now), components=("@method", "@target-uri"))
    with pytest.raises(SignatureInvalid, match="Content-Digest header to be signed when doing a POST"):
        _verify(headers, key, now)


def test_body_tampered(key: StaticKey, now: datetime) -> None:
    headers = _post_headers(key, _params(now))
    with pytest.raises(SignatureInvalid, match="Invalid Digest value"):
        _verify(headers, key, now, body=b'{"type":"Delete"}')


def test_digest_fixed_up_after_signing(key: StaticKey, now: datetime) -> None:
    headers = _post_headers(key, _params(now))
    other = b'{"type":"Delete"}'
    headers["Content-Digest"] = content_digest_header(other)
    with pytest.raises(SignatureInvalid, match="Verification failed"):
        _verify(headers, key, now, body=other)


def test_wrong_key_and_wrong_method(key: StaticKey, other_key: StaticKey, now: datetime) -> None:
    headers = _post_headers(key, _params(now))
    with pytest.raises(SignatureInvalid, match="Verification failed"):
        _verify(headers, other_key, now)
    with pytest.raises(SignatureInvalid, match="Verification failed"):
        _verify(headers, key, now, method="PUT")


@pytest.mark.parametrize("age", [timedelta(hours=2), timedelta(hours=-2), timedelta(hours=14)])
def test_time_window(key: StaticKey, now: datetime, age: timedelta) -> None:
    headers = _post_headers(key, _params(now - age))
    with pytest.raises(SignatureExpired):
        _verify(headers, key, now)


def test_hmac_refused(key: StaticKey, now: datetime) -> None:
    headers = _post_headers(key, _params(now, alg="hmac-sha256"))
    with pytest.raises(UnsupportedAlgorithm):
        _verify(headers, key, now)


def test_two_signatures_refused(key: StaticKey, now: datetime) -> None:
    headers = _post_headers(key, _params(now))
    _label, value = headers["Signature-Input"].split("=", 1)
    headers["Signature-Input"] += f", sig2={value}"
    headers["Signature"] += ", sig2=" + headers["Signature"].split("=", 1)[1]
    with pytest.raises(SignatureMalformed, match="Exactly one"):
        _verify(headers, key, now)


@pytest.mark.parametrize(
    ("signature_input", "signature"),
    [
        ("sig1=(", "sig1=:AAAA:"),
        ('sig1="@method";created=1', "sig1=:AAAA:"),
        ('sig1=("@method" "@target-uri");created=1;keyid="k"', "other=:AAAA:"),
        ('sig1=("@method" "@target-uri");created="soon";keyid="k"', "sig1=:AAAA:"),
        ('sig1=("@method" "@target-uri");created=1;keyid="k"', "sig1=not-bytes"),
        ("sig1=(@method)", "sig1=:AAAA:"),
        ("é", "sig1=:AAAA:"),
    ],
)
def test_malformed_headers(key: StaticKey, now: datetime, signature_input: str, signature: str) -> None:
    with pytest.raises(SignatureMalformed):
        _verify({"Signature-Input": signature_input, "Signature": signature}, key, now)


def test_missing_headers(key: StaticKey, now: datetime) -> None:
    with pytest.raises(SignatureMissing):
        _verify({}, key, now)
    with pytest.raises(SignatureMalformed, match="Signature header missing"):
        _verify({"Signature-Input": 'sig1=("@method");created=1;keyid="k"'}, key, now)
