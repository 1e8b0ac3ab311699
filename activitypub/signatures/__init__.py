"""HTTP signatures: draft-cavage (what Mastodon sends) and RFC 9421, keys and digests."""

from .digest import content_digest_header, digest_header, verify_digest
from .httpx_auth import HttpSignatureAuth
from .keys import (
    generate_rsa_private_key_pem,
    key_id_for,
    load_private_key,
    load_public_key,
    public_key_pem_of,
)
from .verify import SignedBy, signature_key_id, verify_request

__all__ = [
    "HttpSignatureAuth",
    "SignedBy",
    "content_digest_header",
    "digest_header",
    "generate_rsa_private_key_pem",
    "key_id_for",
    "load_private_key",
    "load_public_key",
    "public_key_pem_of",
    "signature_key_id",
    "verify_digest",
    "verify_request",
]
