"""Signature headers from anywhere: the parsers give a result or a SignatureMalformed, and a
request verifies or fails with a SignatureError, whatever the header text (SECURITY B-06)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from activitypub.errors import SignatureError, SignatureMalformed
from activitypub.signatures import cavage, rfc9421, signature_key_id, verify_request
from activitypub.testing import STATIC_KEYS

from .strategies import HEADER_TEXT

INBOX = "https://fedi.example/inbox"
NOW = datetime(2026, 11, 20, tzinfo=UTC)


@given(HEADER_TEXT)
def test_cavage_signature_header_parses_or_is_malformed(value: str) -> None:
    try:
        params = cavage.parse_signature_header(value)
    except SignatureMalformed:
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in params.items())


@given(HEADER_TEXT)
def test_rfc9421_signature_input_parses_or_is_malformed(value: str) -> None:
    try:
        declared = rfc9421.parse_signature_input(value)
    except SignatureMalformed:
        return
    assert all(isinstance(c, str) for c in declared.components)
    assert declared.key_id is None or isinstance(declared.key_id, str)


_COMPONENT = st.one_of(
    st.sampled_from(['"@method"', '"@target-uri"', '"@authority"', '"content-digest"', '"host"', '"date"']),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=10).map(lambda c: f'"{c}"'),
)
_PARAM = st.one_of(
    st.integers(min_value=-(2**60), max_value=2**60).map(lambda n: f";created={n}"),
    st.integers(min_value=-(2**60), max_value=2**60).map(lambda n: f";expires={n}"),
    st.sampled_from(['"https://remote.test/users/bob#main-key"', '""', "1", "?1"]).map(
        lambda v: f";keyid={v}"
    ),
    st.sampled_from(['"rsa-v1_5-sha256"', '"ed25519"', '"hmac-sha256"', "1"]).map(lambda v: f";alg={v}"),
)


@given(
    st.lists(_COMPONENT, max_size=6),
    st.lists(_PARAM, max_size=5),
    st.sampled_from(["sig1", "a", "b-1"]),
    st.one_of(st.binary(max_size=300), st.just(b"")),
)
def test_structured_rfc9421_signatures_verify_or_fail_with_a_signature_error(
    components: list[str], params: list[str], label: str, signature: bytes
) -> None:
    import base64

    headers = {
        "Signature-Input": f"{label}=({' '.join(components)}){''.join(params)}",
        "Signature": f"{label}=:{base64.b64encode(signature).decode()}:",
        "Host": "fedi.example",
        "Content-Digest": "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:",
    }
    with pytest.raises(SignatureError):
        verify_request("POST", INBOX, headers, b"", public_key_pem=STATIC_KEYS[0].public_key_pem, now=NOW)


@given(
    st.dictionaries(st.sampled_from(["Signature", "Signature-Input", "Host", "Date", "Digest"]), HEADER_TEXT)
)
def test_any_headers_only_ever_raise_signature_errors(headers: dict[str, str]) -> None:
    try:
        signature_key_id(headers)
    except SignatureMalformed:
        pass
    with pytest.raises(SignatureError):
        verify_request("POST", INBOX, headers, b"{}", public_key_pem=STATIC_KEYS[0].public_key_pem, now=NOW)
