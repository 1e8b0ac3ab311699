"""Generation across two real fedi servers: the bot answers a mention from the other server, a
remix of a post that lives on the other server links its source, and a reply from the other
server edits an image (conversational edits)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import MODEL_CACHE
from tests.federation.test_two_instances import _client, _instance
from tests.support import waiting

pytestmark = pytest.mark.slow
GENERATION = {"enabled": True, "preset": "tiny", "cache_dir": str(MODEL_CACHE)}


# Generation on the CPU, then federation: give each step its time.
eventually = partial(waiting.eventually, timeout=90.0, interval=0.3)


def test_the_bot_and_remixes_work_across_instances(tmp_path: Path, database_url: str) -> None:
    one, one_domain = _instance(tmp_path / "one", database_url, ["alice"], generation=GENERATION)
    two, _ = _instance(tmp_path / "two", None, ["bob"], generation=GENERATION)
    try:
        generation_scenario(one, one_domain, two)
    finally:
        one.stop()
        two.stop()


def generation_scenario(one: Any, one_domain: str, two: Any) -> dict[str, Any]:
    """bob on two asks one's image bot; alice on one remixes bob's generated post. Returns the
    bot's answer and alice's remix post (tests/test_topology.py runs it on the topology)."""
    alice, bob = _client(one, "alice"), _client(two, "bob")

    # bob@two mentions the bot of one: the reply comes back to two, with the image.
    bot = bob.search_v2(f"@imagine@{one_domain}", resolve=True)["accounts"][0]
    asked = bob.status_post(f"@imagine@{one_domain} a paper crane")

    def reply() -> Any:
        for item in bob.notifications(types=["mention"]):
            if item["account"]["id"] == bot["id"] and item["status"]["in_reply_to_id"] == asked["id"]:
                return item["status"]
        return None

    answer = eventually(reply, what="the bot's reply on two")
    [image] = answer["media_attachments"]
    assert image["fedi_generation"]["prompt"] == "a paper crane"
    assert answer["fedi_generation"]["model"]
    assert httpx.get(image["url"], timeout=10).status_code == 200

    # bob makes an image on two; alice on one remixes it: the remix links bob's post.
    original = bob.status_post("/imagine a green lantern --seed 5")
    eventually(lambda: bob.status(original["id"])["media_attachments"][0]["url"], what="bob's image")
    found = alice.search_v2(original["url"], resolve=True)["statuses"]
    assert [s["uri"] for s in found] == [original["uri"]]
    assert found[0]["fedi_generation"]["prompt"] == "a green lantern"
    token = {"Authorization": f"Bearer {alice.access_token}"}
    remix = httpx.post(
        f"{one.url}/api/v1/fedi/generations",
        json={"remix_of": original["url"], "prompt": "a red lantern"},
        headers=token,
        timeout=30,
    )
    assert remix.status_code == 202, remix.text
    generation = remix.json()
    assert generation["remix_of"] == original["uri"] and generation["seed"] != 5

    def made() -> Any:
        body = httpx.get(
            f"{one.url}/api/v1/fedi/generations/{generation['id']}", headers=token, timeout=10
        ).json()
        return body if body["state"] == "done" else None

    done = eventually(made, what="the remix")
    posted = alice.status_post("remixed", media_ids=[done["media_attachment"]["id"]])
    assert posted["fedi_generation"]["remix_of"] == original["uri"]
    note = httpx.get(posted["uri"], headers={"Accept": "application/activity+json"}, timeout=10).json()
    assert note["remixOf"] == original["uri"]
    assert note["generation"]["prompt"] == "a red lantern"
    edit = edit_scenario(alice, bob, one_domain, posted, token, one)
    return {"answer": answer, "remix": posted, "edit": edit}


def edit_scenario(alice: Any, bob: Any, one_domain: str, image_post: Any, token: Any, one: Any) -> Any:
    """bob on two replies `@imagine@one make it night` to alice's image on one: one's bot edits
    alice's image, the edit arrives on two as a reply, one's lineage lists it, alice is told."""
    [there] = bob.search_v2(image_post["url"], resolve=True)["statuses"]
    asked = bob.status_post(f"@imagine@{one_domain} make it night strength=0.5", in_reply_to_id=there["id"])

    def edited() -> Any:
        for item in bob.notifications(types=["mention"]):
            status = item["status"]
            if status["in_reply_to_id"] == asked["id"] and status["media_attachments"]:
                return status
        return None

    reply = eventually(edited, what="the edit, as a reply on two")
    made = reply["media_attachments"][0]["fedi_generation"]
    assert made["remix_of"] == image_post["uri"] and made["strength"] == 0.5
    assert made["prompt"] == "make it night"
    assert httpx.get(reply["media_attachments"][0]["url"], timeout=10).status_code == 200

    lineage = httpx.get(f"{one.url}/api/v1/fedi/statuses/{image_post['id']}/lineage", timeout=10).json()
    assert reply["uri"] in [link["uri"] for link in lineage["descendants"]]
    told = httpx.get(
        f"{one.url}/api/v1/notifications", params={"types[]": "fedi_remix"}, headers=token, timeout=10
    ).json()
    assert reply["uri"] in [n["status"]["uri"] for n in told]
    return reply
