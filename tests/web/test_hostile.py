"""Hostile text stays text: script in names, bios, fields, posts, prompts, alt text and content
warnings, typed here or sent by another server, renders escaped or sanitised (SECURITY.md B-13).
The browser test (test_browser.py) runs the same content in chromium and listens for it."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from activitypub import builders
from activitypub.testing import STATIC_KEYS, FakeRemote
from fedi.models.accounts import Account
from fedi.runtime import Runtime
from fedi.services import profiles
from tests.federation.helpers import create, note, post_activity
from tests.web.conftest import imagine
from tests.web.markup import active_content

SCRIPT = "<script>window.__xss = 1</script>"
IMG = '<img src=x onerror="window.__xss = 1">'
LINK = '<a href="javascript:window.__xss = 1">click</a>'
SVG = '<svg onload="window.__xss = 1"></svg>'
QUOTE = '"><script>window.__xss = 1</script>'


def hostile_actor(remote: FakeRemote) -> str:
    """mallory@evil.test, whose every text field tries to run script."""
    base, key = "https://evil.test", STATIC_KEYS[2]
    remote.add_actor("mallory", host="evil.test", key=key)
    actor_id = f"{base}/users/mallory"
    remote.add_object(
        actor_id,
        builders.actor(
            id=actor_id,
            preferred_username="mallory",
            webfinger="mallory@evil.test",
            name=f"Mallory {SCRIPT}",
            summary=f"<p>bio {IMG} {SVG} {LINK}</p>",
            url=f"{base}/@mallory",
            inbox=f"{actor_id}/inbox",
            outbox=f"{actor_id}/outbox",
            followers=f"{actor_id}/followers",
            following=f"{actor_id}/following",
            shared_inbox=f"{base}/inbox",
            public_key_pem=key.public_key_pem,
            published=datetime(2024, 1, 1, tzinfo=UTC),
            fields=[(f"site {SCRIPT}", LINK)],
        ),
    )
    return actor_id


def hostile_note(actor_id: str) -> dict[str, object]:
    return note(
        actor_id,
        f"{actor_id}/statuses/1",
        f"<p>hello {SCRIPT} {IMG} {SVG} {LINK} #evil</p>",
        summary=f"cw {IMG}",
        tag=[{"type": "Hashtag", "name": "#evil", "href": "https://evil.test/tags/evil"}],
        attachment=[
            {
                "type": "Document",
                "mediaType": "image/png",
                "url": "https://evil.test/image.png",
                "name": QUOTE,
                "width": 64,
                "height": 64,
            }
        ],
        generation={"model": f"m {SCRIPT}", "prompt": f"p {IMG}", "seed": 5, "negativePrompt": QUOTE},
    )


async def test_hostile_text_from_here_and_from_elsewhere_stays_inert(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, local_account: Account
) -> None:
    changes = profiles.ProfileChanges(
        display_name="Al <script>x</script>", note=f"bio {IMG} {SCRIPT}", fields=[(f"n {SCRIPT}", LINK)]
    )
    profiles.update(runtime, local_account.id, changes)
    local = imagine(
        runtime, local_account, f"a fox {IMG} {QUOTE}", f"caption {SCRIPT} #evil", spoiler_text=IMG
    )
    mallory = hostile_actor(remote)
    delivered = await post_activity(client, create(mallory, hostile_note(mallory)), remote.key_pair(mallory))
    assert delivered.status_code == 202
    their_account = (await client.get("/api/v1/accounts/lookup?acct=mallory@evil.test")).json()["id"]
    [their_post] = (await client.get(f"/api/v1/accounts/{their_account}/statuses")).json()

    pages = [
        "/",
        "/?feed=federated",
        "/@alice",
        f"/@alice/{local.id}",
        "/tags/evil",
        "/@mallory@evil.test",
        f"/@mallory@evil.test/{their_post['id']}",
    ]
    for url in pages:
        answer = await client.get(url)
        assert answer.status_code == 200, url
        assert active_content(answer.text) == [], url
    # The text is there, shown as text.
    shown = (await client.get(f"/@alice/{local.id}")).text
    assert "a fox &lt;img src=x onerror=" in shown and "&#34;&gt;&lt;script&gt;" in shown
    theirs = (await client.get(pages[-1])).text
    assert "p &lt;img src=x onerror=" in theirs and 'alt="&#34;&gt;&lt;script&gt;' in theirs
