"""Content Credentials (C2PA) for generated images, through the maintained c2pa-python bindings.

Each generated image gets a signed manifest: a `c2pa.created` action whose `digitalSourceType`
is IPTC's `trainedAlgorithmicMedia`, the model as the action's software agent, and the
generation parameters as an assertion of their own (`PARAMETERS_LABEL`). A remix or an edit lists
its source image as an ingredient; a thumbnail is a `c2pa.resized` derivative whose parent
ingredient is the signed original, with the original's URL as its title.

Signing needs a certificate chain and its private key (ES256). An operator brings theirs;
`self_signed_identity` makes a local root and a signing certificate issued by it for instances
that have none (validators then report the manifest valid but its signer untrusted).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from generation.provenance import DIGITAL_SOURCE_TYPE
from generation.types import GenerationParams

PARAMETERS_LABEL = "org.fedi.generation"
# IPTC's term for an existing image changed by a trained model.
COMPOSITE_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
LICENCE_LABEL = "org.fedi.licence"
# How actions point at the one ingredient a manifest has.
_INGREDIENT_LABEL = "source"


@dataclass(frozen=True)
class SigningIdentity:
    """A PEM certificate chain (signing certificate first) and its PEM private key."""

    chain_pem: bytes
    key_pem: bytes = field(repr=False)


@dataclass(frozen=True)
class Ingredient:
    """An image a new one was made from (`parentOf` for an edit or a thumbnail, `componentOf`
    for a remix of another post's parameters)."""

    data: bytes
    mime_type: str
    title: str
    relationship: str = "parentOf"


def self_signed_identity(organisation: str, *, years: int = 5) -> SigningIdentity:
    """A local root certificate and an ES256 signing certificate it issued, for `organisation`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.now(UTC)

    def name(common: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, common[:64]),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
            ]
        )

    def usage(*, sign: bool, certs: bool) -> x509.KeyUsage:
        return x509.KeyUsage(
            digital_signature=sign,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=certs,
            crl_sign=certs,
            encipher_only=False,
            decipher_only=False,
        )

    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = name(f"{organisation} content credentials root")
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * years + 30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage(sign=False, certs=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name(f"{organisation} image signer"))
        .issuer_name(root_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(sign=True, certs=False), critical=True)
        # C2PA accepts signing certificates for e-mail protection or document signing.
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
        )
        .sign(root_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return SigningIdentity(
        chain_pem=certificate.public_bytes(pem) + root.public_bytes(pem),
        key_pem=key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )


def sign_generated(
    image: bytes,
    mime_type: str,
    params: GenerationParams,
    identity: SigningIdentity,
    *,
    ingredient: Ingredient | None = None,
    licence: str | None = None,
    generator: str = "fedi",
) -> bytes:
    """`image` with a signed manifest saying that `params.model` made it from `params`: created
    from text (a remix names its source as a `componentOf` ingredient), or, for an edit (a
    `parentOf` ingredient), the source opened and then edited by the model."""
    agent = {"name": params.model}
    if ingredient is not None and ingredient.relationship == "parentOf":
        actions: list[dict[str, Any]] = [
            {"action": "c2pa.opened", "parameters": {"ingredientIds": [_INGREDIENT_LABEL]}},
            {
                "action": "c2pa.edited",
                "digitalSourceType": COMPOSITE_SOURCE_TYPE,
                "softwareAgent": agent,
                "parameters": {"description": "image-to-image"},
            },
        ]
    else:
        actions = [
            {
                "action": "c2pa.created",
                "digitalSourceType": DIGITAL_SOURCE_TYPE,
                "softwareAgent": agent,
                "parameters": {"description": "text-to-image"},
            }
        ]
    assertions: list[dict[str, Any]] = [
        {"label": "c2pa.actions", "data": {"actions": actions}},
        {"label": PARAMETERS_LABEL, "data": params.to_dict()},
    ]
    if licence:
        assertions.append({"label": LICENCE_LABEL, "data": {"licence": licence}})
    return _sign(image, mime_type, identity, params.prompt[:200], assertions, ingredient, generator)


def sign_derivative(
    image: bytes, mime_type: str, original: Ingredient, identity: SigningIdentity, *, generator: str = "fedi"
) -> bytes:
    """A smaller copy (a thumbnail) whose manifest names the original (its URL as title)."""
    opened = {"action": "c2pa.opened", "parameters": {"ingredientIds": [_INGREDIENT_LABEL]}}
    actions = [opened, {"action": "c2pa.resized"}]
    assertions = [{"label": "c2pa.actions", "data": {"actions": actions}}]
    return _sign(image, mime_type, identity, f"preview of {original.title}", assertions, original, generator)


def _sign(
    image: bytes,
    mime_type: str,
    identity: SigningIdentity,
    title: str,
    assertions: list[dict[str, Any]],
    ingredient: Ingredient | None,
    generator: str,
) -> bytes:
    import c2pa

    manifest = {"claim_generator_info": [{"name": generator}], "title": title, "assertions": assertions}
    signer = c2pa.Signer.from_info(
        c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, identity.chain_pem, identity.key_pem, None)
    )
    try:
        builder = c2pa.Builder(json.dumps(manifest))
        if ingredient is not None:
            builder.add_ingredient(
                {
                    "title": ingredient.title[:500],
                    "relationship": ingredient.relationship,
                    "label": _INGREDIENT_LABEL,
                },
                ingredient.mime_type,
                io.BytesIO(ingredient.data),
            )
        out = io.BytesIO()
        builder.sign(signer, mime_type, io.BytesIO(image), out)
        return out.getvalue()
    finally:
        signer.close()


@dataclass(frozen=True)
class Credentials:
    """What a reader found in an image's active manifest."""

    validation_state: str
    digital_source_type: str | None
    parameters: dict[str, Any] | None
    ingredients: list[dict[str, Any]]
    actions: list[str]
    # Who signed: the issuer (organisation) and common name of the signing certificate.
    signer: dict[str, Any]
    licence: str | None = None


def read_credentials(image: bytes, mime_type: str) -> Credentials | None:
    """The image's active manifest as validated by c2pa (None: the image has none)."""
    import c2pa

    reader = c2pa.Reader.try_create(mime_type, io.BytesIO(image))
    if reader is None:
        return None
    with reader:
        store = json.loads(reader.json())
        state = reader.get_validation_state() or "Invalid"
    active = store["manifests"][store["active_manifest"]]
    actions = [
        action
        for assertion in active.get("assertions", [])
        if assertion["label"].startswith("c2pa.actions")
        for action in assertion["data"].get("actions", [])
    ]
    parameters = next(
        (a["data"] for a in active.get("assertions", []) if a["label"] == PARAMETERS_LABEL), None
    )
    return Credentials(
        validation_state=state,
        digital_source_type=next(
            (a.get("digitalSourceType") for a in actions if "digitalSourceType" in a), None
        ),
        parameters=parameters,
        ingredients=list(active.get("ingredients", [])),
        actions=[str(a.get("action")) for a in actions],
        signer=dict(active.get("signature_info") or {}),
        licence=next(
            (a["data"].get("licence") for a in active.get("assertions", []) if a["label"] == LICENCE_LABEL),
            None,
        ),
    )
