"""RSA key generation, PEM loading (cached), key ids, and the keys a signature may be checked with.

Signatures verify with RSA keys of at least 2048 bits (shorter ones are factorable) or Ed25519
keys (FEP-521a multikeys, converted to PEM by ``multikey``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from cryptography.exceptions import UnsupportedAlgorithm as _CryptoUnsupported
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from ..errors import FormatError, SignatureInvalid

_KEY_CACHE_SIZE = 4096
MIN_RSA_BITS = 2048

VerifyingKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey

# A public key PEM, or how to get one for a key id. Verifiers call the function only once the
# checks that need no key (syntax, time window, covered headers, digest) have passed: looking a
# key up may mean fetching it from another server.
KeySource = str | Callable[[str], str]


def generate_rsa_private_key_pem(bits: int = 2048) -> str:
    """A new unencrypted PKCS#8 PEM private key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def public_key_pem_of(private_pem: str) -> str:
    """The SubjectPublicKeyInfo PEM (``BEGIN PUBLIC KEY``) Mastodon publishes."""
    return (
        load_private_key(private_pem)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


# Parsing a PEM costs more than an RSA verify, and the same few keys recur: cache them.
@lru_cache(maxsize=_KEY_CACHE_SIZE)
def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeError, _CryptoUnsupported) as exc:
        raise FormatError("Invalid private key PEM") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise FormatError("Only RSA private keys are supported")
    return key


@lru_cache(maxsize=_KEY_CACHE_SIZE)
def load_public_key(pem: str) -> rsa.RSAPublicKey:
    """Load an RSA public key (SPKI ``PUBLIC KEY`` or PKCS#1 ``RSA PUBLIC KEY`` PEM)."""
    try:
        key = serialization.load_pem_public_key(pem.strip().encode("ascii"))
    except (ValueError, TypeError, UnicodeError, _CryptoUnsupported) as exc:
        raise FormatError("Invalid public key PEM") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise FormatError("Only RSA public keys are supported")
    return key


@lru_cache(maxsize=_KEY_CACHE_SIZE)
def _load_any_public_key(pem: str) -> VerifyingKey:
    try:
        key = serialization.load_pem_public_key(pem.strip().encode("ascii"))
    except (ValueError, TypeError, UnicodeError, _CryptoUnsupported) as exc:
        raise FormatError("Invalid public key PEM") from exc
    if not isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
        raise FormatError("Only RSA and Ed25519 public keys are supported")
    return key


def key_id_for(actor_id: str) -> str:
    """Mastodon's key id: the actor id with a ``#main-key`` fragment."""
    return f"{actor_id}#main-key"


def verifying_key(source: KeySource, key_id: str) -> VerifyingKey:
    """The key ``source`` gives for ``key_id``; an unusable or weak key is a signature failure."""
    pem = source(key_id) if callable(source) else source
    try:
        key = _load_any_public_key(pem)
    except FormatError as exc:
        raise SignatureInvalid(f"Unusable public key for {key_id[:200]}: {exc}") from exc
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        raise SignatureInvalid(
            f"The key {key_id[:200]} has {key.key_size} bits; at least {MIN_RSA_BITS} are required"
        )
    return key
