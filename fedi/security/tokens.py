"""Random secrets (tokens, codes, client secrets), their stored hashes, and the PKCE check.

Only SHA-256 hashes are stored: a leaked database holds nothing a client could present. The
secrets carry 256 bits of randomness, so a fast unsalted hash is enough (no password stretching).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same_secret(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def pkce_s256(verifier: str) -> str:
    """The S256 code challenge of a verifier (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii", errors="replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def pkce_matches(verifier: str, challenge: str) -> bool:
    # RFC 7636 §4.1: 43 to 128 characters of [A-Za-z0-9-._~].
    if not 43 <= len(verifier) <= 128:
        return False
    return hmac.compare_digest(pkce_s256(verifier), challenge)
