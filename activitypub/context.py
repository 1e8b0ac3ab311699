"""The one JSON-LD ``@context`` fedi emits.

Mastodon never expands JSON-LD; it reads the compacted keys. The inline terms still have
to be right for processors that do, so they copy Mastodon's definitions
(``app/helpers/context_helper.rb``), including its ``http://schema.org#`` IRI.
"""

from __future__ import annotations

from typing import Any, Final

from .vocab import AS_NS

SECURITY_V1 = "https://w3id.org/security/v1"
TOOT_NS = "http://joinmastodon.org/ns#"
FEDI_NS = "https://fedi.dev/ns#"

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
        "fedi": FEDI_NS,
        "generation": "fedi:generation",
        "remixOf": {"@id": "fedi:remixOf", "@type": "@id"},
        "model": "fedi:model",
        "prompt": "fedi:prompt",
        "negativePrompt": "fedi:negativePrompt",
        "seed": "fedi:seed",
        "steps": "fedi:steps",
        "guidance": "fedi:guidance",
        "sampler": "fedi:sampler",
    },
]
