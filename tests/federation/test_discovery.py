"""WebFinger, host-meta, NodeInfo and actor documents, as Mastodon reads them."""

from __future__ import annotations

import httpx
import pytest

from fedi.models.accounts import Account


async def test_webfinger_finds_accounts_case_insensitively(
    client: httpx.AsyncClient, local_account: Account
) -> None:
    for resource in (
        "acct:alice@fedi.test",
        "acct:ALICE@Fedi.Test",
        "https://fedi.test/users/alice",
        "https://fedi.test/@alice",
    ):
        response = await client.get("/.well-known/webfinger", params={"resource": resource})
        assert response.status_code == 200, resource
        assert response.headers["content-type"].startswith("application/jrd+json")
        body = response.json()
        assert body["subject"] == "acct:alice@fedi.test"
        links = {link["rel"]: link for link in body["links"]}
        assert links["self"] == {
            "rel": "self",
            "type": "application/activity+json",
            "href": "https://fedi.test/users/alice",
        }
        assert links["http://webfinger.net/rel/profile-page"]["href"] == "https://fedi.test/@alice"
        assert "{uri}" in links["http://ostatus.org/schema/1.0/subscribe"]["template"]
        assert "https://fedi.test/users/alice" in body["aliases"]


@pytest.mark.parametrize(
    ("resource", "status"),
    [
        ("", 400),
        ("acct:nobody@fedi.test", 404),
        ("acct:alice@other.test", 404),
        ("acct:a@b@c", 400),
        ("acct:" + "x" * 10_000 + "@fedi.test", 400),
        ("acct:@fedi.test", 400),
    ],
)
async def test_webfinger_refuses_bad_resources(
    client: httpx.AsyncClient, local_account: Account, resource: str, status: int
) -> None:
    response = await client.get("/.well-known/webfinger", params={"resource": resource})
    assert response.status_code == status
    assert "error" in response.json()


async def test_the_instance_actor_is_found_by_domain(client: httpx.AsyncClient) -> None:
    body = (
        await client.get("/.well-known/webfinger", params={"resource": "acct:fedi.test@fedi.test"})
    ).json()
    selves = [link["href"] for link in body["links"] if link["rel"] == "self"]
    assert selves == ["https://fedi.test/actor"]
    actor = (await client.get("/actor", headers={"Accept": "application/activity+json"})).json()
    assert actor["type"] == "Application" and actor["publicKey"]["id"] == "https://fedi.test/actor#main-key"


async def test_host_meta_and_nodeinfo(client: httpx.AsyncClient, local_account: Account) -> None:
    xrd = await client.get("/.well-known/host-meta")
    assert xrd.headers["content-type"].startswith("application/xrd+xml")
    assert "https://fedi.test/.well-known/webfinger?resource={uri}" in xrd.text
    links = (await client.get("/.well-known/nodeinfo")).json()["links"]
    assert {link["rel"].rsplit("/", 1)[1] for link in links} == {"2.0", "2.1"}
    for link in links:
        document = (await client.get(link["href"].replace("https://fedi.test", ""))).json()
        assert document["software"]["name"] == "fedi"
        assert document["usage"]["users"]["total"] == 1
        assert document["protocols"] == ["activitypub"]


async def test_the_actor_document_has_what_mastodon_reads(
    client: httpx.AsyncClient, local_account: Account
) -> None:
    response = await client.get("/users/alice", headers={"Accept": "application/activity+json"})
    assert response.headers["content-type"] == "application/activity+json; charset=utf-8"
    actor = response.json()
    assert actor["type"] == "Person"
    assert actor["preferredUsername"] == "alice"
    assert actor["inbox"] == "https://fedi.test/users/alice/inbox"
    assert actor["endpoints"]["sharedInbox"] == "https://fedi.test/inbox"
    assert actor["publicKey"] == {
        "id": "https://fedi.test/users/alice#main-key",
        "owner": "https://fedi.test/users/alice",
        "publicKeyPem": local_account.public_key_pem,
    }
    for key in (
        "outbox",
        "followers",
        "following",
        "featured",
        "url",
        "published",
        "manuallyApprovesFollowers",
        "discoverable",
        "indexable",
    ):
        assert key in actor, key
    assert "https://w3id.org/security/v1" in actor["@context"]


async def test_browsers_are_sent_to_the_profile_page(
    client: httpx.AsyncClient, local_account: Account
) -> None:
    response = await client.get("/users/alice", headers={"Accept": "text/html,application/xhtml+xml"})
    assert response.status_code == 302
    assert response.headers["location"] == "https://fedi.test/@alice"


async def test_the_image_bot_is_a_service(client: httpx.AsyncClient) -> None:
    actor = (await client.get("/users/imagine", headers={"Accept": "application/activity+json"})).json()
    assert actor["type"] == "Service"


async def test_servers_asking_a_page_for_json_are_sent_to_the_document(
    client: httpx.AsyncClient, local_account: Account
) -> None:
    accept = {"Accept": "application/activity+json"}
    response = await client.get("/@alice", headers=accept)
    assert response.status_code == 302
    assert response.headers["location"] == "https://fedi.test/users/alice"
    response = await client.get("/@alice/123456", headers=accept)
    assert response.headers["location"] == "https://fedi.test/users/alice/statuses/123456"
    assert (await client.get("/@alice", headers={"Accept": "text/html"})).status_code == 200
