"""A generated post federates with AS2 `generator` (the model, as an Application) and with its
`fedi:` terms defined by a context document the instance serves: a JSON-LD processor that
expands the delivered activity resolves that document here and finds the terms under this
instance's namespace."""

from __future__ import annotations

from typing import Any

import httpx
from pyld import jsonld

from activitypub.testing import STATIC_KEYS, FakeRemote
from fedi.runtime import Runtime
from tests.federation.helpers import create, note, post_activity

AS = "https://www.w3.org/ns/activitystreams#"
CAROL = "https://remote.test/users/carol"
# Stand-ins for the two W3C contexts (no network here): only the terms this test reads.
_W3C = {
    "https://www.w3.org/ns/activitystreams": {
        "@context": {
            "as": AS,
            "id": "@id",
            "type": "@type",
            "Note": "as:Note",
            "Create": "as:Create",
            "Application": "as:Application",
            "name": "as:name",
            "generator": {"@id": "as:generator", "@type": "@id"},
            "url": {"@id": "as:url", "@type": "@id"},
            "object": {"@id": "as:object", "@type": "@id"},
            "inReplyTo": {"@id": "as:inReplyTo", "@type": "@id"},
        }
    },
    "https://w3id.org/security/v1": {"@context": {"sec": "https://w3id.org/security#"}},
}


async def _bot_reply(client: httpx.AsyncClient, remote: FakeRemote) -> dict[str, Any]:
    remote.add_actor("carol", key=STATIC_KEYS[1])
    asking = note(
        CAROL,
        f"{CAROL}/statuses/1",
        '<p><a href="https://fedi.test/@imagine" class="u-url mention">@imagine</a> a paper boat</p>',
        tag=[{"type": "Mention", "href": "https://fedi.test/users/imagine", "name": "@imagine@fedi.test"}],
    )
    response = await post_activity(client, create(CAROL, asking), remote.key_pair(CAROL))
    assert response.status_code == 202
    [reply] = [a for a in remote.inbox if a.get("type") == "Create" and a["object"].get("inReplyTo")]
    return reply


async def test_a_generated_post_names_its_model_as_generator(
    runtime: Runtime, remote: FakeRemote, client: httpx.AsyncClient
) -> None:
    reply = await _bot_reply(client, remote)
    model = reply["object"]["generation"]["model"]
    assert reply["object"]["generator"]["type"] == "Application"
    assert reply["object"]["generator"]["name"] == model
    # The same document served by the instance carries it too.
    served = await client.get(reply["object"]["id"], headers={"Accept": "application/activity+json"})
    assert served.json()["generator"] == reply["object"]["generator"]
    assert served.json()["@context"][-1] == "https://fedi.test/ns/fedi"


async def test_a_json_ld_processor_resolves_the_extension_context_from_the_instance(
    runtime: Runtime, remote: FakeRemote, client: httpx.AsyncClient
) -> None:
    reply = await _bot_reply(client, remote)
    assert reply["@context"][-1] == "https://fedi.test/ns/fedi"
    fetched: list[str] = []
    served: dict[str, Any] = {}
    context = await client.get("/ns/fedi")
    assert context.status_code == 200
    assert context.headers["content-type"].startswith("application/ld+json")
    served["https://fedi.test/ns/fedi"] = context.json()

    def loader(url: str, options: dict[str, Any]) -> dict[str, Any]:
        fetched.append(url)
        document = _W3C.get(url) or served.get(url)
        if document is None:
            raise jsonld.JsonLdError("not available offline", "loading document failed", {"url": url})
        return {"contextUrl": None, "documentUrl": url, "document": document}

    [expanded] = jsonld.expand(reply, {"documentLoader": loader})
    assert "https://fedi.test/ns/fedi" in fetched
    [note_doc] = expanded[f"{AS}object"]
    [generation] = note_doc["https://fedi.test/ns/fedi#generation"]
    [prompt] = generation["https://fedi.test/ns/fedi#prompt"]
    assert prompt["@value"] == "a paper boat"
    [generator] = note_doc[f"{AS}generator"]
    assert generator["@type"] == [f"{AS}Application"]


async def test_the_context_document_is_public_and_cacheable(client: httpx.AsyncClient) -> None:
    response = await client.get("/ns/fedi")
    assert response.headers["access-control-allow-origin"] == "*"
    assert "max-age" in response.headers["cache-control"]
    terms = response.json()["@context"]
    assert terms["fedi"] == "https://fedi.test/ns/fedi#"
    assert terms["remixOf"] == {"@id": "fedi:remixOf", "@type": "@id"}
