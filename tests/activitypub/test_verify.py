from __future__ import annotations

import string
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from activitypub.errors import (
    SignatureError,
    SignatureInvalid,
    SignatureMalformed,
    SignatureMissing,
)
from activitypub.signatures import SignedBy, cavage, rfc9421, signature_key_id, verify_request
from activitypub.testing import StaticKey

from .signing import mastodon_signed

INBOX = "https://fedi.example/inbox"
KEY_ID = "https://remote.example/users/bob#main-key"
BODY = b'{"type":"Announce"}'


def _cavage_post(key: StaticKey, now: datetime, url: str = INBOX) -> dict[str, str]:
    headers = {"Content-Type": "application/activity+json"}
    return {
        **headers,
        **cavage.sign(
            "POST", url, headers, BODY, private_key_pem=key.private_key_pem, key_id=KEY_ID, now=now
        ),
    }


def _rfc9421_post(key: StaticKey, now: datetime) -> dict[str, str]:
    headers = {"Content-Type": "application/activity+json", "Host": "fedi.example"}
    return {
        **headers,
        **rfc9421.sign(
            "POST",
            INBOX,
            headers,
            BODY,
            private_key_pem=key.private_key_pem,
            key_id=KEY_ID,
            now=now,
        ),
    }


def test_dispatch_on_signature_input(key: StaticKey, now: datetime) -> None:
    assert verify_request(
        "POST", INBOX, _cavage_post(key, now), BODY, public_key_pem=key.public_key_pem, now=now
    ) == SignedBy(KEY_ID, "cavage")
    assert verify_request(
        "POST", INBOX, _rfc9421_post(key, now), BODY, public_key_pem=key.public_key_pem, now=now
    ) == SignedBy(KEY_ID, "rfc9421")


def test_headers_are_case_insensitive(key: StaticKey, now: datetime) -> None:
    headers = _cavage_post(key, now)
    shouted = {name.upper(): value for name, value in headers.items()}
    assert (
        verify_request("post", INBOX, shouted, BODY, public_key_pem=key.public_key_pem, now=now).key_id
        == KEY_ID
    )
    as_httpx = httpx.Headers(headers)
    assert (
        verify_request("POST", INBOX, as_httpx, BODY, public_key_pem=key.public_key_pem, now=now).key_id
        == KEY_ID
    )


def test_query_string_comes_from_the_url(key: StaticKey, now: datetime) -> None:
    url = "https://fedi.example/users/alice/outbox?page=true"
    headers = mastodon_signed("GET", url, None, private_pem=key.private_key_pem, key_id=KEY_ID, date=now)
    assert (
        verify_request("GET", url, headers, b"", public_key_pem=key.public_key_pem, now=now).scheme
        == "cavage"
    )


def test_signature_for_another_host_is_refused(key: StaticKey, now: datetime) -> None:
    # Validly signed for other.example, replayed at us.
    headers = _cavage_post(key, now, url="https://other.example/inbox")
    with pytest.raises(SignatureInvalid, match="Host header does not match"):
        verify_request("POST", INBOX, headers, BODY, public_key_pem=key.public_key_pem, now=now)


def test_host_header_changed_after_signing(key: StaticKey, now: datetime) -> None:
    url = "https://fedi.example/users/alice"
    headers = mastodon_signed("GET", url, None, private_pem=key.private_key_pem, key_id=KEY_ID, date=now)
    headers["Host"] = "fedi.example:8443"
    with pytest.raises(SignatureInvalid, match="Host header does not match"):
        verify_request("GET", url, headers, b"", public_key_pem=key.public_key_pem, now=now)
    with pytest.raises(SignatureInvalid, match="Verification failed"):
        verify_request(
            "GET",
            "https://fedi.example:8443/users/alice",
            headers,
            b"",
            public_key_pem=key.public_key_pem,
            now=now,
        )


@pytest.mark.parametrize("host", ["FEDI.example", "fedi.example.", "fedi.example:443"])
def test_host_spellings_of_the_same_host(key: StaticKey, now: datetime, host: str) -> None:
    # The signer spells our host its own way; it names the same host, so it verifies.
    headers = mastodon_signed(
        "POST",
        INBOX,
        BODY,
        private_pem=key.private_key_pem,
        key_id=KEY_ID,
        date=now,
        extra={"Content-Type": "application/activity+json", "Host": host},
    )
    assert (
        verify_request("POST", INBOX, headers, BODY, public_key_pem=key.public_key_pem, now=now).key_id
        == KEY_ID
    )


@pytest.mark.parametrize("host", ["fedi.example/evil", "user@fedi.example", "fedi .example", ""])
def test_garbage_host_header(key: StaticKey, now: datetime, host: str) -> None:
    headers = _cavage_post(key, now)
    headers["Host"] = host
    with pytest.raises(SignatureInvalid, match="Host header"):
        verify_request("POST", INBOX, headers, BODY, public_key_pem=key.public_key_pem, now=now)


def test_unsigned(key: StaticKey, now: datetime) -> None:
    with pytest.raises(SignatureMissing, match="Request not signed"):
        verify_request(
            "POST",
            INBOX,
            {"Content-Type": "application/activity+json"},
            BODY,
            public_key_pem=key.public_key_pem,
            now=now,
        )


def test_signature_key_id(key: StaticKey, now: datetime) -> None:
    assert signature_key_id(_cavage_post(key, now)) == KEY_ID
    assert signature_key_id(_rfc9421_post(key, now)) == KEY_ID
    assert signature_key_id({"signature": 'keyId="k",signature="s"'}) == "k"
    assert signature_key_id({"Content-Type": "text/plain"}) is None
    with pytest.raises(SignatureMalformed):
        signature_key_id({"Signature": "garbage"})
    with pytest.raises(SignatureMalformed):
        signature_key_id({"Signature": 'signature="x"'})
    with pytest.raises(SignatureMalformed):
        signature_key_id({"Signature-Input": 'sig1=("@method");created=1'})


_header_text = st.text(alphabet=string.printable + "é", max_size=150)


@settings(max_examples=300, deadline=None, database=None)
@given(signature_input=_header_text, signature=_header_text)
def test_hostile_rfc9421_headers_only_raise_signature_errors(signature_input: str, signature: str) -> None:
    headers = {"Signature-Input": signature_input, "Signature": signature, "Host": "fedi.example"}
    try:
        signature_key_id(headers)
    except SignatureMalformed:
        pass
    with pytest.raises(SignatureError):
        verify_request("POST", INBOX, headers, BODY, public_key_pem="x", now=datetime(2025, 1, 1, tzinfo=UTC))
