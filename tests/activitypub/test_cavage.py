from __future__ import annotations

import string
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from activitypub.errors import (
    SignatureExpired,
    SignatureInvalid,
    SignatureMalformed,
    SignatureMissing,
    UnsupportedAlgorithm,
)
from activitypub.signatures import cavage
from activitypub.testing import StaticKey

from .signing import mastodon_signed, rsa_sign, sha256_b64

INBOX = "https://fedi.example/users/alice/inbox"
ACTOR = "https://fedi.example/users/alice"
KEY_ID = "https://mastodon.example/users/bob#main-key"
BODY = b'{"type":"Follow","actor":"https://mastodon.example/users/bob"}'
DELIVERY = {"Content-Type": "application/activity+json"}
FETCH = {"Accept": "application/activity+json, application/ld+json"}


def _verify(
    method: str, url: str, headers: dict[str, str], body: bytes, key: StaticKey, now: datetime
) -> str:
    target = url.split("fedi.example", 1)[1]
    return cavage.verify(method, target, headers, body, public_key_pem=key.public_key_pem, now=now)


def _post(key: StaticKey, now: datetime, **kwargs: object) -> dict[str, str]:
    return mastodon_signed(
        "POST",
        INBOX,
        BODY,
        private_pem=key.private_key_pem,
        key_id=KEY_ID,
        date=now,
        extra=DELIVERY,
        **kwargs,  # type: ignore[arg-type]
    )


def test_mastodon_post_verifies(key: StaticKey, now: datetime) -> None:
    headers = _post(key, now)
    assert 'headers="(request-target) host date content-type digest"' in headers["Signature"]
    assert _verify("POST", INBOX, headers, BODY, key, now + timedelta(seconds=30)) == KEY_ID


def test_mastodon_get_verifies(key: StaticKey, now: datetime) -> None:
    headers = mastodon_signed(
        "GET", ACTOR, None, private_pem=key.private_key_pem, key_id=KEY_ID, date=now, extra=FETCH
    )
    assert _verify("GET", ACTOR, headers, b"", key, now) == KEY_ID


def test_query_string_signed_with_and_without(key: StaticKey, now: datetime) -> None:
    url = f"{ACTOR}/outbox?page=true&max_id=5"
    with_query = mastodon_signed("GET", url, None, private_pem=key.private_key_pem, key_id=KEY_ID, date=now)
    without_query = mastodon_signed(
        "GET",
        url,
        None,
        private_pem=key.private_key_pem,
        key_id=KEY_ID,
        date=now,
        target_with_query=False,
    )
    assert _verify("GET", url, with_query, b"", key, now) == KEY_ID
    # Mastodon < 4.2.4 signed (request-target) without the query; still accepted.
    assert _verify("GET", url, without_query, b"", key, now) == KEY_ID
    # But the query is not free to change when it was signed.
    with pytest.raises(SignatureInvalid):
        _verify("GET", f"{ACTOR}/outbox?page=true&max_id=6", with_query, b"", key, now)


def test_our_sign_matches_mastodon_rules(key: StaticKey, now: datetime) -> None:
    added = cavage.sign(
        "POST", INBOX, DELIVERY, BODY, private_key_pem=key.private_key_pem, key_id=KEY_ID, now=now
    )
    assert set(added) == {"Host", "Date", "Digest", "Signature"}
    assert added["Host"] == "fedi.example"
    assert added["Date"] == "Sat, 01 Mar 2025 12:00:00 GMT"
    assert added["Digest"] == f"SHA-256={sha256_b64(BODY)}"
    params = cavage.parse_signature_header(added["Signature"])
    assert params["headers"] == "(request-target) host date digest content-type"
    assert params["algorithm"] == "rsa-sha256"
    assert params["keyId"] == KEY_ID
    assert _verify("POST", INBOX, {**DELIVERY, **added}, BODY, key, now) == KEY_ID

    get = cavage.sign(
        "GET",
        f"{ACTOR}?x=1",
        FETCH,
        None,
        private_key_pem=key.private_key_pem,
        key_id=KEY_ID,
        now=now,
    )
    assert "Digest" not in get
    assert cavage.parse_signature_header(get["Signature"])["headers"] == "(request-target) host date accept"
    assert _verify("GET", f"{ACTOR}?x=1", {**FETCH, **get}, b"", key, now) == KEY_ID


def test_sign_host_keeps_non_default_port(key: StaticKey, now: datetime) -> None:
    added = cavage.sign(
        "GET",
        "http://127.0.0.1:8080/x",
        {},
        None,
        private_key_pem=key.private_key_pem,
        key_id="k",
        now=now,
    )
    assert added["Host"] == "127.0.0.1:8080"
    added = cavage.sign(
        "GET",
        "https://a.example:443/x",
        {},
        None,
        private_key_pem=key.private_key_pem,
        key_id="k",
        now=now,
    )
    assert added["Host"] == "a.example"


@pytest.mark.parametrize("age", [timedelta(minutes=64), timedelta(minutes=-59), timedelta(0)])
def test_time_window_accepts(key: StaticKey, now: datetime, age: timedelta) -> None:
    headers = _post(key, now - age)
    assert _verify("POST", INBOX, headers, BODY, key, now) == KEY_ID


@pytest.mark.parametrize("age", [timedelta(hours=14), timedelta(minutes=66), timedelta(hours=-2)])
def test_time_window_rejects(key: StaticKey, now: datetime, age: timedelta) -> None:
    headers = _post(key, now - age)
    with pytest.raises(SignatureExpired, match="outside acceptable time window"):
        _verify("POST", INBOX, headers, BODY, key, now)


def test_unparsable_date(key: StaticKey, now: datetime) -> None:
    headers = _post(key, now)
    headers["Date"] = "yesterday at noon"
    with pytest.raises(SignatureMalformed, match="Invalid Date header"):
        _verify("POST", INBOX, headers, BODY, key, now)


def test_hs2019_created_and_expires(key: StaticKey, now: datetime) -> None:
    created = int((now - timedelta(hours=3)).timestamp())
    expires = int((now + timedelta(hours=1)).timestamp())
    values = {
        "(request-target)": "post /users/alice/inbox",
        "(created)": str(created),
        "(expires)": str(expires),
        "host": "fedi.example",
        "digest": f"SHA-256={sha256_b64(BODY)}",
    }
    signature = rsa_sign(key.private_key_pem, "\n".join(f"{k}: {v}" for k, v in values.items()).encode())
    headers = {
        "Host": "fedi.example",
        "Digest": values["digest"],
        "Signature": (
            f'keyId="{KEY_ID}",algorithm="hs2019",created={created},expires={expires},'
            f'headers="(request-target) (created) (expires) host digest",signature="{signature}"'
        ),
    }
    assert _verify("POST", INBOX, headers, BODY, key, now) == KEY_ID
    # The expiry is capped at created + 12 h (+1 h skew), whatever (expires) says.
    with pytest.raises(SignatureExpired):
        _verify("POST", INBOX, headers, BODY, key, now + timedelta(hours=11))


def test_created_pseudo_header_needs_hs2019(key: StaticKey, now: datetime) -> None:
    headers = _post(key, now)
    headers["Signature"] = headers["Signature"].replace('headers="', 'created=1,headers="(created) ')
    with pytest.raises(SignatureInvalid, match=r"\(created\) for rsa-sha256"):
        _verify("POST", INBOX, headers, BODY, key, now)


def test_digest_present_but_not_signed(key: StaticKey, now: datetime) -> None:
    headers = _post(key, now, signed=["(request-target)", "host", "date", "content-type"])
    assert "Digest" in headers
    with pytest.raises(SignatureInvalid, match="Digest header to be signed when doing a POST"):
        _verify("POST", INBOX, headers, BODY, key, now)


def test_signed_digest_header_missing(key: StaticKey, now: datetime) -> None:
    headers = _post(key, now)
    del headers["Digest"]
    with pytest.raises(SignatureInvalid, match="Digest header missing"):
        _verify("POST", INBOX, headers, BODY, key, now)


def test_body_tampered(key: StaticKey, now: datetime) -> None:
    headers = _post(key, now)
    with pytest.raises(SignatureInvalid, match=r"Invalid Digest value\. Computed SHA-256 digest"):
        _verify("POST", INBOX, headers, BODY + b" ", key, now)


def test_valid_signature_over_a_different_body(key: StaticKey, now: datetime) -> None:
    headers = _post(key, now)
    other = b'{"type":"Delete"}'
    headers["Digest"] = f"SHA-256={sha256_b64(other)}"  # the attacker fixes up the digest
    with pytest.raises(SignatureInvalid, match="Verification failed"):
        _verify("POST", INBOX, headers, other, key, now)


def test_sha512_only_digest(key: StaticKey, now: datetime) -> None:
    headers = _post(key, now)
    headers["Digest"] = "SHA-512=abc"
    with pytest.raises(SignatureInvalid, match=r"only supports SHA-256.*sha-512"):
        _verify("POST", INBOX, headers, BODY, key, now)


def test_get_without_signed_host(key: StaticKey, now: datetime) -> None:
    headers = mastodon_signed(
        "GET",
        ACTOR,
        None,
        private_pem=key.private_key_pem,
        key_id=KEY_ID,
        date=now,
        signed=["(request-target)", "date"],
    )
    with pytest.raises(SignatureInvalid, match=r"Host header and the \(request-target\) pseudo-header must"):
        _verify("GET", ACTOR, headers, b"", key, now)


def test_neither_date_nor_created_signed(key: StaticKey, now: datetime) -> None:
    headers = mastodon_signed(
        "GET",
        ACTOR,
        None,
        private_pem=key.private_key_pem,
        key_id=KEY_ID,
        date=now,
        signed=["(request-target)", "host"],
    )
    with pytest.raises(SignatureInvalid, match="Date header or \\(created\\)"):
        _verify("GET", ACTOR, headers, b"", key, now)


def test_host_changed_after_signing(key: StaticKey, now: datetime) -> None:
    headers = mastodon_signed("GET", ACTOR, None, private_pem=key.private_key_pem, key_id=KEY_ID, date=now)
    headers["Host"] = "evil.example"
    with pytest.raises(SignatureInvalid, match="Verification failed"):
        _verify("GET", ACTOR, headers, b"", key, now)


def test_wrong_public_key(key: StaticKey, other_key: StaticKey, now: datetime) -> None:
    headers = _post(key, now)
    with pytest.raises(SignatureInvalid, match=f"Verification failed for {KEY_ID}"):
        _verify("POST", INBOX, headers, BODY, other_key, now)


def test_unusable_public_key(key: StaticKey, now: datetime) -> None:
    headers = _post(key, now)
    with pytest.raises(SignatureInvalid, match="Unusable public key"):
        cavage.verify("POST", "/users/alice/inbox", headers, BODY, public_key_pem="garbage", now=now)


def test_hmac_algorithm_refused(key: StaticKey, now: datetime) -> None:
    headers = _post(key, now, algorithm="hmac-sha256")
    with pytest.raises(UnsupportedAlgorithm):
        _verify("POST", INBOX, headers, BODY, key, now)


def test_method_changed(key: StaticKey, now: datetime) -> None:
    headers = mastodon_signed("GET", ACTOR, None, private_pem=key.private_key_pem, key_id=KEY_ID, date=now)
    headers["Digest"] = f"SHA-256={sha256_b64(b'')}"
    headers["Signature"] = headers["Signature"].replace(
        'headers="(request-target) host date"', 'headers="(request-target) host date digest"'
    )
    with pytest.raises(SignatureInvalid):
        _verify("POST", ACTOR, headers, b"", key, now)


def test_missing_and_incomplete_signatures(key: StaticKey, now: datetime) -> None:
    with pytest.raises(SignatureMissing, match="Request not signed"):
        _verify("POST", INBOX, {"Digest": "x"}, BODY, key, now)
    headers = _post(key, now)
    headers["Signature"] = 'algorithm="rsa-sha256",headers="date",signature="AAAA"'
    with pytest.raises(SignatureMalformed, match="keyId and signature are required"):
        _verify("POST", INBOX, headers, BODY, key, now)
    headers = _post(key, now)
    headers["Signature"] = headers["Signature"].replace('signature="', 'signature="!!')
    with pytest.raises(SignatureMalformed, match="base64"):
        _verify("POST", INBOX, headers, BODY, key, now)


def test_parse_signature_header_tolerance() -> None:
    parsed = cavage.parse_signature_header(
        'Signature keyId = "https://a/u#k" , algorithm=hs2019,headers="(request-target) date",'
        'signature="ab\\"c=="'
    )
    assert parsed == {
        "keyId": "https://a/u#k",
        "algorithm": "hs2019",
        "headers": "(request-target) date",
        "signature": 'ab"c==',
    }
    assert cavage.parse_signature_header('signature="x",keyId="k"') == {
        "signature": "x",
        "keyId": "k",
    }


@pytest.mark.parametrize(
    "value",
    [
        "",
        "keyId",
        'keyId="unterminated',
        'keyId="a" signature="b"',
        'keyId="a",,signature="b"',
        'keyId="a",',
        'keyId="a",keyId="b"',
        "=x",
        'keyId="a"\n,signature="b"',
        "x" * 10_000,
    ],
)
def test_parse_signature_header_rejects(value: str) -> None:
    with pytest.raises(SignatureMalformed):
        cavage.parse_signature_header(value)


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(alphabet=string.printable + 'é"\\=,', max_size=200))
def test_signature_parser_only_raises_malformed(value: str) -> None:
    try:
        result = cavage.parse_signature_header(value)
    except SignatureMalformed:
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in result.items())


_token = st.text(alphabet=string.ascii_letters + string.digits + "-_.", min_size=1, max_size=20)
_value = st.text(alphabet=string.ascii_letters + string.digits + string.punctuation + " \t", max_size=40)


@settings(max_examples=200, deadline=None, database=None)
@given(st.dictionaries(_token, _value, min_size=1, max_size=6))
def test_signature_parser_round_trips(params: dict[str, str]) -> None:
    def quote(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    header = ", ".join(f"{k}={quote(v)}" for k, v in params.items())
    assert cavage.parse_signature_header(header) == params
