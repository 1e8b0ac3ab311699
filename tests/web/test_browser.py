"""The web pages in a real browser (Debian's chromium, driven by Playwright) against a real
`fedi serve` whose GPU worker makes images with the tiny preset.

Every page visited is checked (alt text, labels, nothing hostile ran, under 200 KB before
images) and photographed at phone and desktop width into test-artifacts/screenshots/; the
weights go to test-artifacts/page-weights.json.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install 'fedi[dev]')")

from playwright.sync_api import Browser, Page, expect, sync_playwright

from activitypub import builders
from activitypub.testing import STATIC_KEYS
from activitypub.webfinger import Acct, jrd
from fedi.composition import build_runtime
from fedi.config import load_settings
from fedi.db import make_engine, migrate
from fedi.models.accounts import Role
from fedi.runtime import Runtime
from fedi.services import oauth
from fedi.services.accounts import create_local_account
from fedi.services.system import ensure_system_accounts
from fedi.store import accounts as account_store
from tests.conftest import MODEL_CACHE
from tests.federation.helpers import create, note
from tests.support.processes import Server, free_port, write_config
from tests.web.browser import CHROMIUM, Visit, fresh_artifacts, launch, photograph, save_weights
from tests.web.conftest import png
from tests.web.elsewhere import Elsewhere, elsewhere

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is missing: scripts/install-browser installs it"
    ),
]
PASSWORD = "correct horse battery"
OOB = "urn:ietf:wg:oauth:2.0:oob"
# The first image waits for the GPU worker to start and build the tiny model.
FIRST_IMAGE_MS = 120_000


@dataclass
class Site:
    url: str
    tokens: dict[str, str]

    def api(self, method: str, path: str, who: str | None = None, **options: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return httpx.request(method, self.url + path, headers=headers, timeout=30, **options)

    def imagine(self, who: str, prompt: str, caption: str) -> dict[str, Any]:
        """A post by the /imagine directive, once its image exists and everyone may see it."""
        posted = self.api("POST", "/api/v1/statuses", who, data={"status": f"/imagine {prompt}\n{caption}"})
        assert posted.status_code == 200, posted.text
        return eventually(lambda: self.public(f"/api/v1/statuses/{posted.json()['id']}"))

    def public(self, path: str) -> Any:
        answer = self.api("GET", path)
        return answer.json() if answer.status_code == 200 and answer.json() else None


def eventually(check: Callable[[], Any], timeout: float = FIRST_IMAGE_MS / 1000) -> Any:
    deadline = time.monotonic() + timeout
    while (result := check()) is None:
        assert time.monotonic() < deadline, f"timed out waiting for {check}"
        time.sleep(0.2)
    return result


def _token(runtime: Runtime, account_id: int) -> str:
    """A token as the consent page would give one, for seeding posts through the API."""
    with runtime.db.session() as session:
        app = oauth.register_app(
            session, name="seed", redirect_uris=[oauth.OOB], scopes=["read", "write"], website=None
        )
        user = account_store.user_for_account(session, account_id)
        assert user is not None
        return oauth.issue(session, app.application, ["read", "write"], user_id=user.id).access_token


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("site")
    port = free_port()
    (home / "data").mkdir()
    config = write_config(
        home,
        port,
        f"sqlite:///{home / 'data' / 'fedi.sqlite3'}",
        generation={"enabled": True, "preset": "tiny", "cache_dir": str(MODEL_CACHE)},
        instance={
            "name": "Lighthouse",
            "contact_email": "admin@example.org",
            "rules": ["Be kind.", "Label what you post."],
        },
    )
    settings = load_settings(config)
    engine = make_engine(settings)
    migrate(engine)
    engine.dispose()
    runtime = build_runtime(settings)
    ensure_system_accounts(runtime)
    tokens = {}
    for name, display in (("alice", "Alice"), ("bob", "Bob Ross")):
        with runtime.db.session() as session:
            account = create_local_account(
                session,
                runtime.urls,
                username=name,
                email=f"{name}@example.org",
                password=PASSWORD,
                role=Role.ADMIN if name == "alice" else Role.USER,
                display_name=display,
                passwords=runtime.passwords,
            )
        tokens[name] = _token(runtime, account.id)
    runtime.close()
    server = Server(config, port).start()
    try:
        yield Site(server.url, tokens)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def weights() -> Iterator[dict[str, int]]:
    fresh_artifacts()
    measured: dict[str, int] = {}
    yield measured
    save_weights(measured)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


def sign_in(visit: Visit, page: Page, site: Site, who: str, *, photograph: bool = False) -> None:
    page.goto(site.url + "/auth/sign_in")
    if photograph:
        visit.check(page, "sign-in")
    page.get_by_label("E-mail address").fill(f"{who}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Signed in")).to_be_visible()
    if photograph:
        visit.check(page, "signed-in")


def make_image(page: Page, prompt: str, *, aspect: str = "Square") -> None:
    """Through the composer, until the preview shows."""
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Imagine").click()
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.get_by_label(aspect).check()
    page.get_by_role("button", name="Imagine").click()
    page.wait_for_url(re.compile(r".*/imagine/\d+$"))
    expect(page.locator("#progress-text")).to_have_text("100%", timeout=FIRST_IMAGE_MS)
    assert page.locator("#progress").evaluate("bar => bar.value") == 100
    expect(page.locator("#preview img")).to_be_visible()


def test_a_visitor_goes_from_the_gallery_to_a_profile_to_a_post(
    site: Site, browser: Browser, weights: dict[str, int]
) -> None:
    made = site.imagine("bob", "a lighthouse at dusk --seed 4", "The coast. #lighthouses")
    site.api(
        "POST", "/api/v1/statuses", "alice", data={"status": "Lovely light!", "in_reply_to_id": made["id"]}
    )
    visit, page = Visit.open(browser, weights)

    page.goto(site.url + "/")
    visit.check(page, "gallery")
    page.keyboard.press("Tab")  # the first stop is the skip link, and focus shows
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"

    page.get_by_role("link", name="Bob Ross").first.click()
    page.wait_for_url(f"{site.url}/@bob")
    expect(page.get_by_role("heading", name="Bob Ross", exact=True)).to_be_visible()
    visit.check(page, "profile")

    page.locator(f'a.tile-link[href="/@bob/{made["id"]}"]').click()
    page.wait_for_url(f"{site.url}/@bob/{made['id']}")
    expect(page.get_by_role("img", name="a lighthouse at dusk")).to_be_visible()
    expect(page.locator(".badge.ai")).to_have_text("AI-generated")
    expect(page.locator("blockquote.prompt")).to_have_text("a lighthouse at dusk")
    expect(page.locator(".params")).to_contain_text("Seed4")
    expect(page.get_by_text("Lovely light!")).to_be_visible()  # the reply thread
    expect(page.get_by_role("link", name="Remix")).to_have_count(0)  # for signed-in people
    visit.check(page, "post")
    page.emulate_media(color_scheme="dark")
    photograph(page, "post-dark")
    page.emulate_media(color_scheme="light")

    for path, name, status in (
        ("/tags/lighthouses", "tag", 200),
        ("/?feed=federated", "gallery-federated", 200),
        ("/about", "about", 200),
        ("/@nobody", "not-found", 404),
        (f"/@bob/{made['id']}0", "post-not-found", 404),
    ):
        answer = page.goto(site.url + path)
        assert answer is not None and answer.status == status, path
        visit.check(page, name)
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    visit.close()


def test_a_user_imagines_an_image_posts_it_and_finds_it(
    site: Site, browser: Browser, weights: dict[str, int]
) -> None:
    visit, page = Visit.open(browser, weights)
    sign_in(visit, page, site, "alice", photograph=True)
    page.goto(site.url + "/imagine")
    visit.check(page, "composer")
    make_image(page, "a lighthouse at dusk, oil painting", aspect="Portrait (3:4)")
    assert page.locator("#preview img").evaluate("image => [image.naturalWidth, image.naturalHeight]") == [
        48,
        64,
    ]
    visit.check(page, "imagine")

    page.get_by_label("Caption").fill("Dusk at the coast #lighthouses")
    page.get_by_label("Alt text").fill("An oil painting of a lighthouse at dusk")
    page.get_by_label("Who can see it").select_option("public")
    page.get_by_role("button", name="Post").click()
    page.wait_for_url(re.compile(r".*/@alice/\d+$"))
    posted = urlsplit(page.url).path
    expect(page.get_by_role("img", name="An oil painting of a lighthouse at dusk")).to_be_visible()
    visit.check(page, "posted")

    page.get_by_role("navigation", name="Site").get_by_role("link", name="Profile").click()
    expect(page.locator(f'a.tile-link[href="{posted}"]')).to_be_visible()
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Gallery").click()
    page.locator(f'a.tile-link[href="{posted}"]').click()
    page.get_by_role("link", name="Remix").click()
    expect(page.get_by_label("Prompt", exact=True)).to_have_value("a lighthouse at dusk, oil painting")
    expect(page.get_by_label("Portrait (3:4)")).to_be_checked()
    visit.check(page, "composer-remix")

    page.goto(site.url + "/settings/profile")
    visit.check(page, "settings")
    # A form whose token was tampered with is refused, and says so.
    page.locator('form[action="/settings/profile"] input[name="csrf_token"]').evaluate(
        "input => input.value = 'forged'"
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    visit.check(page, "forbidden")
    visit.close()


def test_the_consent_page_authorizes_an_app(site: Site, browser: Browser, weights: dict[str, int]) -> None:
    app = site.api(
        "POST",
        "/api/v1/apps",
        data={
            "client_name": "Pictures to Go",
            "redirect_uris": OOB,
            "scopes": "read write",
            "website": "https://app.example",
        },
    ).json()
    query = {
        "response_type": "code",
        "client_id": app["client_id"],
        "redirect_uri": OOB,
        "scope": "read write",
    }
    visit, page = Visit.open(browser, weights)
    page.goto(f"{site.url}/oauth/authorize?{urlencode(query)}")
    page.get_by_label("E-mail address").fill("alice@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Authorize Pictures to Go?")).to_be_visible()
    visit.check(page, "consent")
    page.get_by_role("button", name="Authorize").click()
    code = page.get_by_label("Authorization code").input_value()
    visit.check(page, "authorization-code")
    visit.close()

    exchanged = site.api(
        "POST",
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "redirect_uri": OOB,
        },
    )
    token = exchanged.json()["access_token"]
    me = httpx.get(
        f"{site.url}/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
    )
    assert me.json()["username"] == "alice"


SCRIPT = "<script>window.__xss = 1</script>"
IMG = '<img src=x onerror="window.__xss = 1; alert(1)">'


def _mallory(remote: Elsewhere) -> tuple[str, dict[str, Any]]:
    """An actor elsewhere whose name, bio, fields, post, prompt and alt text all carry script."""
    key, actor_id = STATIC_KEYS[2], remote.base + "/users/mallory"
    remote.serve(
        "/users/mallory",
        builders.actor(
            id=actor_id,
            preferred_username="mallory",
            webfinger=f"mallory@{remote.host}",
            name=f"Mallory {SCRIPT}",
            summary=f"<p>bio {IMG} {SCRIPT}</p>",
            url=actor_id,
            inbox=f"{actor_id}/inbox",
            outbox=f"{actor_id}/outbox",
            followers=f"{actor_id}/followers",
            following=f"{actor_id}/following",
            public_key_pem=key.public_key_pem,
            published=datetime(2024, 1, 1, tzinfo=UTC),
            fields=[(f"site {SCRIPT}", '<a href="javascript:alert(1)">x</a>')],
        ),
    )
    remote.serve(
        "/.well-known/webfinger",
        jrd(Acct("mallory", remote.host), actor_url=actor_id),
        "application/jrd+json",
    )
    image = remote.serve("/image.png", png(), "image/png")
    hostile = note(
        actor_id,
        f"{actor_id}/statuses/1",
        f'<p>hello {SCRIPT} {IMG} <a href="javascript:alert(1)">x</a> #evil</p>',
        summary=f"cw {IMG}",
        tag=[{"type": "Hashtag", "name": "#evil", "href": f"{remote.base}/tags/evil"}],
        attachment=[
            {
                "type": "Document",
                "mediaType": "image/png",
                "url": image,
                "name": f'"> {SCRIPT}',
                "width": 90,
                "height": 60,
            }
        ],
        generation={"model": f"m {SCRIPT}", "prompt": f"p {IMG}", "seed": 5},
    )
    return actor_id, hostile


def test_hostile_content_stays_inert(site: Site, browser: Browser, weights: dict[str, int]) -> None:
    with elsewhere() as remote:
        actor_id, hostile = _mallory(remote)
        delivered = remote.deliver(site.url + "/inbox", create(actor_id, hostile), actor_id, STATIC_KEYS[2])
        assert delivered.status_code == 202, delivered.text
        acct = f"mallory@{remote.host}"
        theirs = eventually(lambda: site.public(f"/api/v1/accounts/lookup?acct={acct}"), timeout=30)
        [their_post] = eventually(
            lambda: site.public(f"/api/v1/accounts/{theirs['id']}/statuses"), timeout=30
        )

        # CSP off in this browser: sanitising and escaping alone must keep it all inert.
        visit, page = Visit.open(browser, weights, bypass_csp=True)
        sign_in(visit, page, site, "bob")
        page.goto(site.url + "/settings/profile")
        page.get_by_label("Display name").fill('<img src=x onerror="alert(1)">')
        page.get_by_label("Bio").fill(f"bio {SCRIPT} {IMG}")
        page.get_by_label("Label 1").fill(SCRIPT)
        page.get_by_label("Content 1").fill('<a href="javascript:alert(1)">x</a>')
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status")).to_contain_text("Saved.")
        visit.assert_inert(page)

        make_image(page, f"a fox {IMG}")
        page.get_by_label("Caption").fill(f"caption {SCRIPT} #evil")
        page.get_by_label("Alt text").fill(f'"> {SCRIPT}')
        page.get_by_label("Content warning").fill(IMG)
        page.get_by_role("button", name="Post").click()
        page.wait_for_url(re.compile(r".*/@bob/\d+$"))
        ours = urlsplit(page.url).path

        for path, name in (
            (ours, "hostile-post"),
            ("/@bob", "hostile-profile"),
            ("/", "hostile-gallery"),
            ("/?feed=federated", "hostile-gallery-federated"),
            ("/tags/evil", "hostile-tag"),
            (f"/@{acct}", "remote-profile"),
            (f"/@{acct}/{their_post['id']}", "remote-post"),
            (f"/authorize_interaction?uri=acct:{acct}", "follow-confirm"),
        ):
            page.goto(site.url + path)
            for warning in page.locator("details").all():
                warning.locator("summary").click()  # open content warnings: what they hide shows too
            page.mouse.move(200, 300)
            visit.check(page, name)
        expect(page.get_by_role("heading", name="Follow Mallory?")).to_be_visible()
        visit.close()


def _bea(remote: Elsewhere) -> tuple[str, dict[str, Any]]:
    """An artist on another server whose generated post starts a remix chain."""
    key, actor_id = STATIC_KEYS[1], remote.base + "/users/bea"
    remote.serve(
        "/users/bea",
        builders.actor(
            id=actor_id,
            preferred_username="bea",
            webfinger=f"bea@{remote.host}",
            name="Bea",
            url=actor_id,
            inbox=f"{actor_id}/inbox",
            outbox=f"{actor_id}/outbox",
            followers=f"{actor_id}/followers",
            following=f"{actor_id}/following",
            public_key_pem=key.public_key_pem,
            published=datetime(2024, 1, 1, tzinfo=UTC),
        ),
    )
    remote.serve(
        "/.well-known/webfinger", jrd(Acct("bea", remote.host), actor_url=actor_id), "application/jrd+json"
    )
    image = remote.serve("/lantern.png", png(), "image/png")
    origin = note(
        actor_id,
        f"{actor_id}/statuses/1",
        "<p>a paper lantern</p>",
        attachment=[{"type": "Document", "mediaType": "image/png", "url": image, "name": "a paper lantern"}],
        generation={
            "model": "tiny",
            "prompt": "a paper lantern",
            "seed": 4,
            "steps": 2,
            "width": 64,
            "height": 64,
        },
    )
    remote.serve("/users/bea/statuses/1", origin)
    return actor_id, origin


def _remix_and_post(site: Site, who: str, source: str, prompt: str) -> dict[str, Any]:
    made = site.api("POST", "/api/v1/fedi/generations", who, json={"remix_of": source, "prompt": prompt})
    assert made.status_code == 202, made.text
    generation = made.json()["id"]

    def done() -> Any:
        body = site.api("GET", f"/api/v1/fedi/generations/{generation}", who).json()
        return body if body["state"] == "done" else None

    finished = eventually(done)
    posted = site.api(
        "POST",
        "/api/v1/statuses",
        who,
        json={"status": prompt, "media_ids": [finished["media_attachment"]["id"]]},
    )
    assert posted.status_code == 200, posted.text
    return dict(posted.json())


def test_a_remix_chain_across_two_servers_shows_on_the_post_page(
    site: Site, browser: Browser, weights: dict[str, int]
) -> None:
    with elsewhere() as remote:
        actor_id, origin = _bea(remote)
        delivered = remote.deliver(site.url + "/inbox", create(actor_id, origin), actor_id, STATIC_KEYS[1])
        assert delivered.status_code == 202, delivered.text
        acct = f"bea@{remote.host}"
        bea = eventually(lambda: site.public(f"/api/v1/accounts/lookup?acct={acct}"), timeout=30)
        eventually(lambda: site.public(f"/api/v1/accounts/{bea['id']}/statuses"), timeout=30)
        second = _remix_and_post(site, "alice", origin["id"], "a paper lantern at night")
        third = _remix_and_post(site, "bob", second["id"], "a paper lantern in the snow")

        chain = site.public(f"/api/v1/fedi/statuses/{second['id']}/lineage")
        assert [link["uri"] for link in chain["ancestors"]] == [origin["id"]]
        assert [link["uri"] for link in chain["descendants"]] == [third["uri"]]

        visit, page = Visit.open(browser, weights)
        page.goto(f"{site.url}/@alice/{second['id']}")
        lineage = page.get_by_role("region", name="Lineage")
        expect(lineage.get_by_role("link", name="Bea")).to_be_visible()
        # By address: an earlier test in this module renames bob to a hostile display name.
        expect(lineage.locator(f'a.tile-link[href="/@bob/{third["id"]}"]')).to_be_visible()
        visit.check(page, "lineage")
        visit.close()
