"""Independent signers for tests: build signed requests the way Mastodon (cavage) and an
RFC 9421 client would, straight from ``cryptography``, without going through our code."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def rsa_sign(private_pem: str, data: bytes) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return base64.b64encode(key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()


def sha256_b64(body: bytes) -> str:
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


def mastodon_signed(
    method: str,
    url: str,
    body: bytes | None,
    *,
    private_pem: str,
    key_id: str,
    date: datetime,
    extra: dict[str, str] | None = None,
    signed: Sequence[str] | None = None,
    target_with_query: bool = True,
    algorithm: str = "rsa-sha256",
) -> dict[str, str]:
    """Headers of a request signed like Mastodon's ``Request#perform``."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query and target_with_query else "")
    headers = {"Host": parts.netloc, "Date": format_datetime(date, usegmt=True), **(extra or {})}
    if body is not None:
        headers["Digest"] = f"SHA-256={sha256_b64(body)}"
    values = {"(request-target)": f"{method.lower()} {path}"}
    values.update({name.lower(): value for name, value in headers.items()})
    names = list(signed) if signed is not None else list(values)
    signing_string = "\n".join(f"{n}: {values[n]}" for n in names).encode()
    signature = rsa_sign(private_pem, signing_string)
    headers["Signature"] = (
        f'keyId="{key_id}",algorithm="{algorithm}",headers="{" ".join(names)}",signature="{signature}"'
    )
    return headers


def rfc9421_signed(
    method: str,
    url: str,
    *,
    private_pem: str,
    components: Sequence[str],
    params: str,
    headers: dict[str, str] | None = None,
    label: str = "sig1",
) -> dict[str, str]:
    """Headers with an RFC 9421 signature over ``components`` (field names lower-case)."""
    headers = dict(headers or {})
    lowered = {k.lower(): v for k, v in headers.items()}
    derived = {"@method": method.upper(), "@target-uri": url, "@authority": urlsplit(url).netloc}
    lines = [f'"{c}": {derived[c] if c.startswith("@") else lowered[c]}' for c in components]
    inner = "(" + " ".join(f'"{c}"' for c in components) + ")" + params
    lines.append(f'"@signature-params": {inner}')
    signature = rsa_sign(private_pem, "\n".join(lines).encode())
    headers["Signature-Input"] = f"{label}={inner}"
    headers["Signature"] = f"{label}=:{signature}:"
    return headers
