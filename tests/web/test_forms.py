"""Forms: every POST needs the session's CSRF token; profile settings; remote follows both ways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select
from starlette.routing import Route

from activitypub.testing import STATIC_KEYS, FakeRemote
from fedi.models.accounts import Account, Role, User
from fedi.models.generations import Generation
from fedi.models.relationships import Follow
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services.federation import remote as remote_actors
from tests.web.conftest import imagine, png, post, sign_in
from tests.web.markup import Document, accessibility_problems, csrf_token


def form_posts(client: httpx.AsyncClient) -> set[str]:
    """The paths of every form the web pages post to (the routes table is the truth)."""
    app = client._transport.app  # type: ignore[attr-defined]
    return {
        route.path
        for route in app.routes
        if isinstance(route, Route)
        and "POST" in (route.methods or ())
        and (route.endpoint.__module__.startswith("fedi.web.") or route.path == "/oauth/authorize")
    }


async def test_every_form_post_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account
) -> None:
    with runtime.db.session() as session:  # an owner: the admin pages' forms are checked too
        session.exec(select(User).where(User.account_id == local_account.id)).one().role = Role.OWNER
    await sign_in(client)
    made = await client.post(
        "/imagine", data={"csrf_token": csrf_token((await client.get("/imagine")).text), "prompt": "a fox"}
    )
    job = made.headers["location"].rsplit("/", 1)[1]
    targets = {
        "/auth/sign_in": {"email": "alice@example.org", "password": "correct horse"},
        "/auth/sign_out": {},
        "/oauth/authorize": {"decision": "approve"},
        "/authorize_interaction": {"uri": "https://fedi.test/users/alice"},
        "/@{username}/remote_follow": {"handle": "someone@remote.test"},
        "/imagine": {"prompt": "another fox"},
        "/imagine/{id}/post": {"caption": "forged"},
        "/imagine/{id}/cancel": {},
        "/settings/profile": {"display_name": "Forged"},
        "/settings/delete": {"password": "correct horse", "confirm": "on"},
        "/admin/reports/{id}/resolve": {"action": "suspend"},
        "/admin/reports/{id}/reopen": {},
        "/admin/accounts/{id}/change": {"change": "suspend"},
        "/admin/accounts/{id}/limit": {"daily_limit": "0"},
        "/admin/accounts/{id}/note": {"content": "forged"},
        "/admin/sign-ups/{id}": {"decision": "approve"},
        "/admin/invites": {"max_uses": "", "expires_in": "never"},
        "/admin/invites/{id}/revoke": {},
        "/admin/domains": {"domain": "forged.example", "severity": "suspend"},
        "/admin/domains/{id}/remove": {},
        "/admin/prompts": {"term": "forged"},
        "/admin/prompts/{id}/remove": {},
        "/admin/images/{id}": {"decision": "approve"},
        "/admin/bot": {"domain": "forged.example", "reach": "off"},
        "/admin/bot/remove": {"domain": "forged.example"},
        "/settings/export": {},
    }
    assert set(targets) == form_posts(client), "a form POST route is missing from this test"
    for path, fields in targets.items():
        url = path.replace("{username}", "alice").replace("{id}", job)
        for token in ({}, {"csrf_token": "forged"}):
            refused = await client.post(url, data=fields | token)
            assert refused.status_code == 403, url
            assert refused.headers["content-type"].startswith("text/html")
            assert Document(refused.text).one("h1").text == "Not allowed"
    # Nothing happened: still signed in, one generation, the profile as it was.
    assert (await client.get("/settings/profile")).status_code == 200
    with runtime.db.reader() as session:
        assert len(session.exec(select(Generation)).all()) == 1
        assert session.exec(select(Account).where(Account.username == "alice")).one().display_name == ""


async def test_profile_settings_change_what_the_profile_shows(
    client: httpx.AsyncClient, local_account: Account
) -> None:
    await sign_in(client)
    settings = await client.get("/settings/profile")
    assert accessibility_problems(settings.text) == []
    fields: dict[str, Any] = {
        "csrf_token": csrf_token(settings.text),
        "display_name": "Alice L.",
        "note": "I draw #foxes.",
        "field_name_0": "Site",
        "field_value_0": "https://alice.example",
        "locked": "on",
    }
    files = {
        "avatar": ("me.png", png((80, 80)), "image/png"),
        "header": ("h.png", png((300, 100)), "image/png"),
    }
    saved = await client.post("/settings/profile", data=fields, files=files)
    assert saved.status_code == 303 and saved.headers["location"] == "/settings/profile?saved=1"
    assert "Saved." in (await client.get("/settings/profile?saved=1")).text

    profile = Document((await client.get("/@alice")).text)
    assert profile.one("h1").text.split()[:2] == ["Alice", "L."]
    assert profile.all("span", class_="badge", title="Follows need approval")
    assert "I draw" in profile.one("div", class_="bio content").text
    assert profile.one("a", href="https://fedi.test/tags/foxes")
    assert profile.one("dt").text == "Site"
    assert (
        profile.one("img", class_="avatar large").attrs["src"].startswith("https://fedi.test/media/avatars/")
    )
    assert (
        profile.one("img", class_="header-image").attrs["src"].startswith("https://fedi.test/media/headers/")
    )

    too_long = await client.post("/settings/profile", data=fields | {"display_name": "x" * 31})
    assert too_long.status_code == 422 and "longer than 30" in too_long.text
    not_an_image = await client.post(
        "/settings/profile", data=fields, files={"avatar": ("a.png", b"not an image", "image/png")}
    )
    assert not_an_image.status_code == 422
    assert Document(not_an_image.text).one("p", class_="error").text


@pytest.fixture
def their_webfinger(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Other servers' WebFinger answers: remote.test offers remote follows, quiet.test does not."""
    asked: list[str] = []

    def fetch_jrd(url: str) -> dict[str, Any]:
        asked.append(url)
        links = [{"rel": "self", "type": "application/activity+json", "href": "https://x/users/y"}]
        if "remote.test" in url:
            links.append(
                {
                    "rel": "http://ostatus.org/schema/1.0/subscribe",
                    "template": "https://remote.test/follow?acct={uri}",
                }
            )
        return {"subject": "acct:y@x", "links": links}

    monkeypatch.setattr(runtime.http, "fetch_jrd", fetch_jrd)
    return asked


async def test_the_remote_follow_form_sends_visitors_to_their_own_server(
    client: httpx.AsyncClient, local_account: Account, their_webfinger: list[str]
) -> None:
    token = csrf_token((await client.get("/@alice")).text)

    async def follow_from(handle: str) -> httpx.Response:
        return await client.post("/@alice/remote_follow", data={"csrf_token": token, "handle": handle})

    sent = await follow_from("@carol@remote.test")
    assert sent.status_code == 303
    assert (
        sent.headers["location"] == "https://remote.test/follow?acct=https%3A%2F%2Ffedi.test%2Fusers%2Falice"
    )
    assert their_webfinger == ["https://remote.test/.well-known/webfinger?resource=acct:carol@remote.test"]
    home = await follow_from("bob@fedi.test")
    assert (
        home.headers["location"]
        == "https://fedi.test/authorize_interaction?uri=https%3A%2F%2Ffedi.test%2Fusers%2Falice"
    )
    for handle, reason in (("not a handle", "Enter your address"), ("dave@quiet.test", "does not offer")):
        refused = await follow_from(handle)
        assert refused.status_code == 422 and reason in Document(refused.text).one("p", class_="error").text
        assert Document(refused.text).one("input", id="handle").attrs["value"] == handle


async def test_authorize_interaction_follows_here_and_elsewhere(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, local_account: Account, bob: Account
) -> None:
    carol = remote.add_actor("carol")
    answer = await client.get("/authorize_interaction?uri=https://fedi.test/users/alice")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/auth/sign_in?next=")
    await sign_in(client, "bob@example.org")
    for uri, profile in (
        ("https://fedi.test/users/alice", "/@alice"),
        ("acct:carol@remote.test", "/@carol@remote.test"),
    ):
        confirm = await client.get("/authorize_interaction", params={"uri": uri})
        assert confirm.status_code == 200 and accessibility_problems(confirm.text) == []
        followed = await client.post(
            "/authorize_interaction", data={"csrf_token": csrf_token(confirm.text), "uri": uri}
        )
        assert followed.status_code == 303 and followed.headers["location"] == profile
    with runtime.db.reader() as session:
        assert len(session.exec(select(Follow).where(Follow.account_id == bob.id)).all()) == 2
    assert [a["type"] for a in remote.inbox] == ["Follow"] and remote.inbox[0]["object"] == carol["id"]
    assert (await client.get("/@carol@remote.test")).status_code == 200  # remote profiles are shown too
    assert (await client.get("/authorize_interaction?uri=https://nowhere.test/users/x")).status_code == 404


async def test_signing_in_rehashes_a_password_hashed_with_other_argon2_parameters(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account
) -> None:
    from argon2 import PasswordHasher, extract_parameters

    from fedi.models.accounts import User

    passwords = runtime.passwords  # the fixture's light argon2 parameters
    # As if the hash was made before the server's argon2 parameters changed.
    old = PasswordHasher(time_cost=2, memory_cost=128, parallelism=1).hash("correct horse")
    assert passwords.needs_rehash(old)
    with runtime.db.session() as session:
        user = session.exec(select(User).where(User.account_id == local_account.id)).one()
        user.password_hash = old
        session.add(user)

    await sign_in(client)

    with runtime.db.reader() as session:
        new = session.exec(select(User).where(User.account_id == local_account.id)).one().password_hash
    assert new != old and not passwords.needs_rehash(new)
    assert extract_parameters(new).time_cost == 1
    client.cookies.clear()
    await sign_in(client)  # the new hash accepts the same password


async def test_a_user_deletes_their_own_account_and_other_servers_are_told(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, local_account: Account
) -> None:
    remote.add_actor("carol", key=STATIC_KEYS[1])
    remote_actors.actor(runtime, "https://remote.test/users/carol").result(timeout=10)
    post(runtime, local_account, "My last words")
    await sign_in(client)
    settings = await client.get("/settings/profile")
    assert "Delete your account" in settings.text and accessibility_problems(settings.text) == []
    token = csrf_token(settings.text)

    for fields, error in (
        ({"password": "wrong horse", "confirm": "on"}, "That password is not right"),
        ({"password": "correct horse"}, "Tick the box to confirm the deletion"),
    ):
        refused = await client.post("/settings/delete", data={"csrf_token": token, **fields})
        assert refused.status_code == 422 and Document(refused.text).one("p", role="alert").text == error
    assert (await client.get("/@alice")).status_code == 200

    deleted = await client.post(
        "/settings/delete", data={"csrf_token": token, "password": "correct horse", "confirm": "on"}
    )
    assert deleted.status_code == 303 and deleted.headers["location"] == "/auth/sign_in?deleted=1"
    assert "Your account is deleted" in (await client.get(deleted.headers["location"])).text
    [told] = [a for a in remote.inbox if a.get("type") == "Delete"]
    assert told["actor"] == told["object"]["id"] == "https://fedi.test/users/alice"
    assert (await client.get("/settings/profile")).status_code == 303  # signed out
    page = await client.get("/auth/sign_in")
    again = {"csrf_token": csrf_token(page.text), "email": "alice@example.org", "password": "correct horse"}
    assert (await client.post("/auth/sign_in", data=again)).status_code == 401
    assert (await client.get("/@alice")).status_code == 404
    with runtime.db.reader() as session:
        assert session.exec(select(Status).where(Status.account_id == local_account.id)).all() == []


async def test_the_settings_page_downloads_the_accounts_archive(
    client: httpx.AsyncClient,
    runtime: Runtime,
    local_account: Account,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    import tempfile
    import zipfile
    from io import BytesIO

    # A temporary directory of this test's own: another test process may be exporting too.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    imagine(runtime, local_account, "a lighthouse --seed 9")
    await sign_in(client)
    page = await client.get("/settings/profile")
    assert [b.text for b in Document(page.text).all("button", class_="secondary")] == [
        "Download your archive"
    ]
    answer = await client.post("/settings/export", data={"csrf_token": csrf_token(page.text)})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    assert 'filename="alice-archive.zip"' in answer.headers["content-disposition"]
    archive = zipfile.ZipFile(BytesIO(answer.content))
    assert {"actor.json", "outbox.json", "generations.jsonl"} <= set(archive.namelist())
    assert len(archive.read("generations.jsonl").splitlines()) == 1
    assert list(tmp_path.glob("fedi-archive-*")) == []  # nothing left behind
    signed_out = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    refused = await signed_out.post("/settings/export", data={"csrf_token": "x"})
    assert refused.status_code in (303, 403)
