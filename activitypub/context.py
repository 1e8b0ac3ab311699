"""The JSON-LD ``@context`` fedi emits, and the extension context for its own terms.

Mastodon never expands JSON-LD; it reads the compacted keys. The inline terms still have
to be right for processors that do, so they copy Mastodon's definitions
(``app/helpers/context_helper.rb``), including its ``http://schema.org#`` IRI.

The extension terms (``generation``, ``remixOf``...) are not inline: each server that emits them
serves them as a context document under a namespace it controls (``extension_context``), and
names that document's URL last in ``@context`` (``with_extension_context``).
"""

from __future__ import annotations

from typing import Any, Final

from .vocab import AS_NS

SECURITY_V1 = "https://w3id.org/security/v1"
TOOT_NS = "http://joinmastodon.org/ns#"

# Keys of a ``generation`` object. ``width``/``height`` are ActivityStreams' own terms
# (the size of the generated image), so they are not redefined in the fedi namespace.
GENERATION_KEYS: Final = frozenset(
    {
        "model",
        "prompt",
        "negativePrompt",
        "seed",
        "steps",
        "guidance",
        "sampler",
        "strength",
        "width",
        "height",
    }
)

CONTEXT: Final[list[Any]] = [
    AS_NS,
    SECURITY_V1,
    {
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "sensitive": "as:sensitive",
        "Hashtag": "as:Hashtag",
        "movedTo": {"@id": "as:movedTo", "@type": "@id"},
        "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
        "toot": TOOT_NS,
        "Emoji": "toot:Emoji",
        "featured": {"@id": "toot:featured", "@type": "@id"},
        "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
        "discoverable": "toot:discoverable",
        "indexable": "toot:indexable",
        "memorial": "toot:memorial",
        "suspended": "toot:suspended",
        "attributionDomains": {"@id": "toot:attributionDomains", "@type": "@id"},
        "blurhash": "toot:blurhash",
        "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
        "votersCount": "toot:votersCount",
        "schema": "http://schema.org#",
        "PropertyValue": "schema:PropertyValue",
        "value": "schema:value",
        # FEP-2c59: the actor's preferred WebFinger address.
        "webfinger": "https://purl.archive.org/socialweb/webfinger#webfinger",
    },
]

# The extension terms, as compact IRIs under the prefix `fedi`.
EXTENSION_TERMS: Final[dict[str, Any]] = {
    "generation": "fedi:generation",
    "remixOf": {"@id": "fedi:remixOf", "@type": "@id"},
    "model": "fedi:model",
    "prompt": "fedi:prompt",
    "negativePrompt": "fedi:negativePrompt",
    "seed": "fedi:seed",
    "steps": "fedi:steps",
    "guidance": "fedi:guidance",
    "sampler": "fedi:sampler",
    # An edit's strength: how much of the image it started from it changed (0 to 1).
    "strength": "fedi:strength",
    # The licence an image is offered under, as a URL (schema.org's own term).
    "license": {"@id": "https://schema.org/license", "@type": "@id"},
    # An actor's endorsed ("featured") accounts: a collection of actor ids. Mastodon 4.4 keeps
    # endorsements to itself, so the term is fedi's own.
    "endorsements": {"@id": "fedi:endorsements", "@type": "@id"},
}


def extension_context(namespace: str) -> dict[str, Any]:
    """The context document that defines the extension terms under `namespace` (an IRI ending
    in `#` or `/`, e.g. https://example.net/ns#): serve it at the URL documents name."""
    return {"@context": {"fedi": namespace, **EXTENSION_TERMS}}


def with_extension_context(doc: dict[str, Any], context_url: str) -> dict[str, Any]:
    """`doc` whose ``@context`` also names the extension context served at `context_url`."""
    if "@context" not in doc:
        return doc
    context = doc["@context"] if isinstance(doc["@context"], list) else [doc["@context"]]
    if context_url in context:
        return doc
    return {**doc, "@context": [*context, context_url]}
