from __future__ import annotations

import pytest

from activitypub.errors import FormatError, SignatureInvalid, SignatureMalformed
from activitypub.signatures import (
    content_digest_header,
    digest_header,
    generate_rsa_private_key_pem,
    key_id_for,
    load_private_key,
    load_public_key,
    public_key_pem_of,
    verify_digest,
)
from activitypub.testing import STATIC_KEYS, StaticKey

from .signing import sha256_b64


def test_static_keys_are_consistent_pairs() -> None:
    assert len(STATIC_KEYS) == 3
    for static in STATIC_KEYS:
        assert public_key_pem_of(static.private_key_pem) == static.public_key_pem
        assert load_private_key(static.private_key_pem).key_size == 2048
    assert len({k.public_key_pem for k in STATIC_KEYS}) == 3


def test_generate_small_key_round_trip() -> None:
    pem = generate_rsa_private_key_pem(bits=1024)
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert public_key_pem_of(pem).startswith("-----BEGIN PUBLIC KEY-----")


def test_loaded_keys_are_cached(key: StaticKey) -> None:
    assert load_public_key(key.public_key_pem) is load_public_key(key.public_key_pem)
    assert load_private_key(key.private_key_pem) is load_private_key(key.private_key_pem)


def test_pkcs1_public_key_is_accepted(key: StaticKey) -> None:
    from cryptography.hazmat.primitives import serialization

    pkcs1 = (
        load_public_key(key.public_key_pem)
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
        .decode()
    )
    assert "BEGIN RSA PUBLIC KEY" in pkcs1
    assert load_public_key(pkcs1).public_numbers() == load_public_key(key.public_key_pem).public_numbers()


@pytest.mark.parametrize(
    "pem", ["", "garbage", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "ü"]
)
def test_garbage_keys(pem: str) -> None:
    with pytest.raises(FormatError):
        load_public_key(pem)
    with pytest.raises(FormatError):
        load_private_key(pem)


def test_non_rsa_keys_refused() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    private = ed25519.Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with pytest.raises(FormatError, match="RSA"):
        load_private_key(private_pem)
    with pytest.raises(FormatError, match="RSA"):
        load_public_key(public_pem)


def test_key_id_for() -> None:
    assert key_id_for("https://a.example/users/x") == "https://a.example/users/x#main-key"


def test_digest_headers() -> None:
    body = b"hello"
    assert digest_header(body) == f"SHA-256={sha256_b64(body)}"
    assert content_digest_header(body) == f"sha-256=:{sha256_b64(body)}:"
    verify_digest({"Digest": digest_header(body)}, body)
    verify_digest({"content-digest": content_digest_header(body)}, body)
    verify_digest({"Digest": f"sha-512=x,SHA-256={sha256_b64(body)}"}, body)
    verify_digest({"Content-Digest": f"sha-512=:AAAA:, {content_digest_header(body)}"}, body)


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Digest header missing"),
        ({"Digest": "SHA-256=!!!"}, "not a valid base64 string"),
        ({"Digest": "SHA-256=AAAA"}, "not a SHA-256 digest"),
        ({"Digest": f"SHA-256={sha256_b64(b'other')}"}, "Computed SHA-256 digest"),
        ({"Digest": "MD5=abc"}, "Offered algorithms: md5"),
        ({"Content-Digest": "sha-512=:AAAA:"}, "Offered algorithms: sha-512"),
        ({"Content-Digest": f"sha-256=:{sha256_b64(b'other')}:"}, "Computed SHA-256 digest"),
    ],
)
def test_digest_mismatches(headers: dict[str, str], message: str) -> None:
    with pytest.raises(SignatureInvalid, match=message):
        verify_digest(headers, b"hello")


@pytest.mark.parametrize("value", ["sha-256=", "sha-256=abc", "é", "sha-256=:AAAA:;x=("])
def test_malformed_content_digest(value: str) -> None:
    with pytest.raises((SignatureMalformed, SignatureInvalid)):
        verify_digest({"Content-Digest": value}, b"hello")
