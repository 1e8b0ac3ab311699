"""What visitors see: the gallery, profiles, posts, tags, the about page and RSS, as HTML."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import httpx
import pytest

from fedi.models.accounts import Account
from fedi.runtime import Runtime
from fedi.services import profiles
from fedi.web import gallery
from tests.web.conftest import imagine, post
from tests.web.markup import Document, accessibility_problems


async def page(client: httpx.AsyncClient, url: str, status: int = 200) -> Document:
    answer = await client.get(url)
    assert answer.status_code == status, (url, answer.text[:500])
    assert answer.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert accessibility_problems(answer.text) == [], url
    return Document(answer.text)


async def test_the_gallery_shows_generated_images_newest_first_and_pages_on(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gallery, "PAGE_SIZE", 2)
    first = imagine(runtime, local_account, "a red fox --seed 1")
    second = imagine(runtime, local_account, "a blue heron --seed 2")
    imagine(runtime, local_account, "a green frog --seed 3", visibility="unlisted")
    post(runtime, local_account, "words only, no image")
    third = imagine(runtime, local_account, "a grey owl --seed 4")

    top = await page(client, "/")
    tiles = [a.attrs["href"] for a in top.all("a", class_="tile-link")]
    assert tiles == [f"/@alice/{third.id}", f"/@alice/{second.id}"]  # unlisted and text-only stay out
    assert [i.attrs["alt"] for i in top.all("img", loading="lazy")] == ["a grey owl", "a blue heron"]
    more = top.one("a", rel="next").attrs["href"]
    assert more == f"/?feed=local&max_id={second.id}"
    older = await page(client, more)
    assert [a.attrs["href"] for a in older.all("a", class_="tile-link")] == [f"/@alice/{first.id}"]
    assert not older.all("a", rel="next")

    federated = await page(client, "/?feed=federated")
    assert federated.one("a", aria_current="page").text == "Federated"
    assert top.meta("og:title") == "fedi" and top.meta("twitter:card") == "summary"


async def test_a_profile_shows_the_person_their_posts_and_how_to_follow_them(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account
) -> None:
    changes = profiles.ProfileChanges(
        display_name="Alice Liddell", note="I draw foxes.", fields=[("Site", "https://alice.example")]
    )
    profiles.update(runtime, local_account.id, changes)
    made = imagine(runtime, local_account, "a red fox", "my fox")

    profile = await page(client, "/@alice")
    assert profile.one("h1").text.strip().startswith("Alice Liddell")
    assert "I draw foxes." in profile.one("div", class_="bio content").text
    assert profile.one("dt").text == "Site" and "https://alice.example" in profile.one("dd").text
    assert "1 posts" in " ".join(profile.one("ul", class_="counts").text.split())
    assert [a.attrs["href"] for a in profile.all("a", class_="tile-link")] == [f"/@alice/{made.id}"]
    alternate = profile.one("link", type="application/activity+json").attrs["href"]
    assert alternate == "https://fedi.test/users/alice"
    assert profile.one("link", type="application/rss+xml").attrs["href"] == "/@alice.rss"
    assert profile.meta("og:type") == "profile" and profile.meta("og:url") == "https://fedi.test/@alice"
    assert profile.meta("og:image") == "https://fedi.test/static/avatar.png"
    assert profile.meta("og:description") == "I draw foxes."
    assert profile.one("form", action="/@alice/remote_follow")
    assert (await client.get("/@ALICE")).status_code == 200  # usernames ignore case, as WebFinger does


async def test_a_post_shows_its_image_how_it_was_made_and_its_thread(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account, bob: Account
) -> None:
    made = imagine(runtime, local_account, "a red fox in snow --seed 42 --steps 2", "my fox #foxes")
    answer = post(runtime, bob, "@alice lovely", in_reply_to_id=made.id)

    shown = await page(client, f"/@alice/{made.id}")
    [image] = shown.all("img", alt="a red fox in snow")
    assert image.attrs["src"].startswith("https://fedi.test/media/generated/")
    assert shown.one("span", class_="badge ai").text == "AI-generated"
    assert shown.one("blockquote", class_="prompt").text == "a red fox in snow"
    params = dict(zip([d.text for d in shown.all("dt")], [d.text for d in shown.all("dd")], strict=True))
    assert (
        params["Seed"] == "42"
        and params["Steps"] == "2"
        and params["Size"] == "64 \N{MULTIPLICATION SIGN} 64"
    )
    assert params["Model"]
    assert "my fox" in shown.all("div", class_="content")[0].text
    assert shown.all("a", href="/@bob")  # the reply, in the thread
    assert not shown.all("a", class_="button", href=f"/imagine?remix_of={made.id}")  # visitors cannot remix
    assert shown.one("link", type="application/activity+json").attrs["href"] == made.uri
    assert shown.meta("og:type") == "article" and shown.meta("twitter:card") == "summary_large_image"
    assert (
        shown.meta("og:image") == image.attrs["src"] and shown.meta("og:title") == "alice: a red fox in snow"
    )

    reply = await page(client, f"/@bob/{answer.id}")
    assert reply.all("a", href=f"/@alice/{made.id}")  # the post it answers, above it
    # A post is found under its own author only.
    await page(client, f"/@bob/{made.id}", status=404)


async def test_tag_and_about_pages(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account
) -> None:
    tagged = imagine(runtime, local_account, "a red fox", "#Foxes in snow")
    tag = await page(client, "/tags/foxes")
    assert [a.attrs["href"] for a in tag.all("a", class_="tile-link")] == [f"/@alice/{tagged.id}"]
    assert (await page(client, "/tags/unknown")).all("p", class_="muted")

    about = await page(client, "/about")
    text = " ".join(about.text().split())
    assert "tiny" in text and "Licence: none (random weights built in code)" in text
    assert "No rules have been written down yet" in text


async def test_the_rss_feed_carries_public_posts_with_their_images(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account
) -> None:
    made = imagine(runtime, local_account, "a red fox", "my <b>fox</b>")
    post(runtime, local_account, "only for followers", visibility="private")
    answer = await client.get("/@alice.rss")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/rss+xml")
    channel = ET.fromstring(answer.content).find("channel")
    assert channel is not None and channel.findtext("link") == "https://fedi.test/@alice"
    [item] = channel.findall("item")
    assert item.findtext("link") == f"https://fedi.test/@alice/{made.id}"
    assert "my &lt;b&gt;fox&lt;/b&gt;" in (item.findtext("description") or "")
    media = item.find("{http://search.yahoo.com/mrss/}content")
    assert media is not None and media.attrib["url"].startswith("https://fedi.test/media/generated/")
    assert media.findtext("{http://search.yahoo.com/mrss/}description") == "a red fox"
    assert item.findtext("pubDate", "").endswith(("+0000", "GMT"))


async def test_an_unknown_account_or_post_is_a_404_page(
    client: httpx.AsyncClient, local_account: Account
) -> None:
    for url in (
        "/@nobody",
        "/@nobody.rss",
        "/@alice/12345",
        "/@alice/not-a-number",
        "/@alice@elsewhere.example",
    ):
        shown = await page(client, url, status=404)
        assert shown.one("h1").text == "Not found"


async def test_unknown_addresses_get_a_page_in_browsers_and_json_elsewhere(client: httpx.AsyncClient) -> None:
    in_browser = await client.get("/no/such/place", headers={"Accept": "text/html"})
    assert in_browser.status_code == 404 and in_browser.headers["content-type"].startswith("text/html")
    assert (await client.get("/no/such/place")).json() == {"error": "Not Found"}
    api = await client.get("/api/v1/no-such-endpoint", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.json()["error"]
