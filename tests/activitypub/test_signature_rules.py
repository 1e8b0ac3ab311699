"""The signature rules of the security review: time only from what is signed, one host and one
path per signature, RSA keys of 2048 bits or more, and Ed25519 (FEP-521a) keys."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

import base58
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms

from activitypub.errors import FormatError, SignatureExpired, SignatureInvalid
from activitypub.objects import ActorView
from activitypub.signatures import cavage, rfc9421
from activitypub.signatures.digest import content_digest_header
from activitypub.signatures.keys import verifying_key
from activitypub.signatures.multikey import ed25519_pem_from_multibase
from activitypub.testing import StaticKey

from .signing import mastodon_signed, rsa_sign, sha256_b64

INBOX = "https://fedi.example/users/alice/inbox"
KEY_ID = "https://remote.example/users/bob#main-key"
BODY = b'{"type":"Create"}'


def _pem(key: ed25519.Ed25519PublicKey | rsa.RSAPublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _multibase(key: ed25519.Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58.b58encode(b"\xed\x01" + raw).decode()


def test_an_unsigned_created_parameter_does_not_move_the_time(key: StaticKey, now: datetime) -> None:
    captured = mastodon_signed(
        "POST", INBOX, BODY, private_pem=key.private_key_pem, key_id=KEY_ID, date=now - timedelta(hours=3)
    )
    relabelled = (
        captured["Signature"].replace('"rsa-sha256"', '"hs2019"') + f",created={int(now.timestamp())}"
    )
    with pytest.raises(SignatureExpired):
        cavage.verify(
            "POST", "/users/alice/inbox", {**captured, "Signature": relabelled}, BODY,
            public_key_pem=key.public_key_pem, now=now,
        )  # fmt: skip


def test_an_unsigned_expires_parameter_does_not_extend_the_window(key: StaticKey, now: datetime) -> None:
    created = int((now - timedelta(hours=2)).timestamp())
    values = {
        "(request-target)": "post /users/alice/inbox",
        "(created)": str(created),
        "host": "fedi.example",
        "digest": f"SHA-256={sha256_b64(BODY)}",
    }
    signature = rsa_sign(key.private_key_pem, "\n".join(f"{k}: {v}" for k, v in values.items()).encode())
    expires = int((now + timedelta(hours=1)).timestamp())
    headers = {
        "Host": "fedi.example",
        "Digest": values["digest"],
        "Signature": (
            f'keyId="{KEY_ID}",algorithm="hs2019",created={created},expires={expires},'
            f'headers="(request-target) (created) host digest",signature="{signature}"'
        ),
    }
    with pytest.raises(SignatureExpired):
        cavage.verify("POST", "/users/alice/inbox", headers, BODY, public_key_pem=key.public_key_pem, now=now)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("left_out", ["host", "(request-target)"])
def test_host_and_request_target_are_always_signed(
    key: StaticKey, now: datetime, method: str, left_out: str
) -> None:
    body = BODY if method == "POST" else None
    names = ["(request-target)", "host", "date"] + (["digest"] if body else [])
    headers = mastodon_signed(
        method, INBOX, body, private_pem=key.private_key_pem, key_id=KEY_ID, date=now,
        signed=[n for n in names if n != left_out],
    )  # fmt: skip
    with pytest.raises(SignatureInvalid, match=r"Host header and the \(request-target\)"):
        cavage.verify(
            method, "/users/alice/inbox", headers, body or b"", public_key_pem=key.public_key_pem, now=now
        )


def test_rsa_keys_under_2048_bits_are_refused() -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    with pytest.raises(SignatureInvalid, match="1024 bits; at least 2048"):
        verifying_key(_pem(weak), KEY_ID)


def test_an_ed25519_cavage_signature_verifies_and_needs_hs2019(now: datetime) -> None:
    private = ed25519.Ed25519PrivateKey.generate()
    headers = mastodon_signed(
        "POST", INBOX, BODY, private_pem=_throwaway_rsa(), key_id=KEY_ID, date=now, algorithm="hs2019"
    )
    names = ["(request-target)", "host", "date", "digest"]
    values = {"(request-target)": "post /users/alice/inbox", **{k.lower(): v for k, v in headers.items()}}
    signature = base64.b64encode(
        private.sign("\n".join(f"{n}: {values[n]}" for n in names).encode())
    ).decode()
    for algorithm, verifies in (("hs2019", True), ("rsa-sha256", False)):
        headers["Signature"] = (
            f'keyId="{KEY_ID}",algorithm="{algorithm}",headers="{" ".join(names)}",signature="{signature}"'
        )
        arguments = ("POST", "/users/alice/inbox", headers, BODY)
        if verifies:
            assert cavage.verify(*arguments, public_key_pem=_pem(private.public_key()), now=now) == KEY_ID
        else:
            with pytest.raises(SignatureInvalid, match="Ed25519"):
                cavage.verify(*arguments, public_key_pem=_pem(private.public_key()), now=now)


def _throwaway_rsa() -> str:
    from activitypub.testing import STATIC_KEYS

    return STATIC_KEYS[1].private_key_pem


class _Request:
    def __init__(self, headers: dict[str, str]) -> None:
        self.method, self.url, self.headers = "POST", INBOX, headers


def _ed25519_rfc9421(private: ed25519.Ed25519PrivateKey, now: datetime, url: str = INBOX) -> dict[str, str]:
    request = _Request({"Content-Digest": content_digest_header(BODY)})
    request.url = url
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={KEY_ID: private}),
    )
    signer.sign(
        request, key_id=KEY_ID, created=now, label="sig1",
        covered_component_ids=("@method", "@target-uri", "content-digest"), use_existing_digest=True,
    )  # fmt: skip
    return request.headers


def test_an_ed25519_rfc9421_signature_verifies_for_its_url_only(now: datetime) -> None:
    private = ed25519.Ed25519PrivateKey.generate()
    public = _pem(private.public_key())
    headers = _ed25519_rfc9421(private, now)
    assert rfc9421.verify("POST", INBOX, headers, BODY, public_key_pem=public, now=now) == KEY_ID
    for elsewhere in ("https://other.example/users/alice/inbox", "https://fedi.example/inbox"):
        with pytest.raises(SignatureInvalid):
            rfc9421.verify("POST", elsewhere, headers, BODY, public_key_pem=public, now=now)
    # A declared algorithm must be the key's.
    lying = {
        **headers,
        "Signature-Input": headers["Signature-Input"].replace('alg="ed25519"', 'alg="rsa-v1_5-sha256"'),
    }
    with pytest.raises(SignatureInvalid, match="cannot make rsa-v1_5-sha256"):
        rfc9421.verify("POST", INBOX, lying, BODY, public_key_pem=public, now=now)


def test_multikeys_decode_to_pem_and_anything_else_is_a_format_error() -> None:
    public = ed25519.Ed25519PrivateKey.generate().public_key()
    assert ed25519_pem_from_multibase(_multibase(public)) == _pem(public)
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    for bad in (
        None, 7, "", "z", "zzz0OIl", "u" + _multibase(public)[1:], "z" + base58.b58encode(b"\xe7\x01" + raw).decode(),
        "z" + base58.b58encode(b"\xed\x01" + raw[:31]).decode(), "z" + "1" * 200, "zé",
    ):  # fmt: skip
        with pytest.raises(FormatError):
            ed25519_pem_from_multibase(bad)


def test_an_actor_names_only_its_own_multikeys() -> None:
    actor = "https://remote.example/users/bob"
    mine, theirs, elsewhere = (ed25519.Ed25519PrivateKey.generate().public_key() for _ in range(3))
    view = ActorView(
        {
            "id": actor,
            "type": "Person",
            "inbox": f"{actor}/inbox",
            "assertionMethod": [
                {"id": f"{actor}#ed", "type": "Multikey", "controller": actor, "publicKeyMultibase": _multibase(mine)},
                {"id": f"{actor}#other", "type": "Multikey", "controller": "https://remote.example/users/eve",
                 "publicKeyMultibase": _multibase(theirs)},
                {"id": "https://evil.example/k", "type": "Multikey", "controller": actor,
                 "publicKeyMultibase": _multibase(elsewhere)},
                {"id": f"{actor}#broken", "type": "Multikey", "controller": actor, "publicKeyMultibase": "zz"},
            ],
        }
    )  # fmt: skip
    assert view.ed25519_keys == [(f"{actor}#ed", _pem(mine))]
