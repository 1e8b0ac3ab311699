"""The moderators' pages: who may see them, and what each form does (reports, accounts and
their image limits, domain blocks, sign-ups in approval mode, the prompt deny list, the audit
log). The browser walk through them is in test_browser_moderation.py."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from activitypub.testing import STATIC_KEYS, FakeRemote
from fedi.models.accounts import Account, Role, User
from fedi.models.federation import Report
from fedi.models.generations import Generation
from fedi.models.moderation import DomainBlock, Invite, PromptDenyTerm
from fedi.models.relationships import Follow
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import generations, reports
from fedi.services.accounts import create_local_account
from tests.api.test_oauth import register
from tests.federation.helpers import create, note, post_activity
from tests.web.conftest import PASSWORD, imagine, png, sign_in
from tests.web.markup import Document, accessibility_problems, csrf_token

PAGES = [
    "/admin/reports",
    "/admin/accounts",
    "/admin/sign-ups",
    "/admin/prompts",
    "/admin/images",
    "/admin/audit",
]


@pytest.fixture
def moderator(runtime: Runtime) -> Account:
    with runtime.db.session() as session:
        return create_local_account(
            session,
            runtime.urls,
            username="mod",
            email="mod@example.org",
            password=PASSWORD,
            role=Role.MODERATOR,
            passwords=runtime.passwords,
        )


@pytest.fixture
def admin(runtime: Runtime) -> Account:
    with runtime.db.session() as session:
        return create_local_account(
            session,
            runtime.urls,
            username="boss",
            email="boss@example.org",
            password=PASSWORD,
            role=Role.ADMIN,
            passwords=runtime.passwords,
        )


@pytest.fixture
def queued_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Generations are stored and counted but never made: these tests need no image."""
    monkeypatch.setattr("fedi.services.generations._queue", lambda session, rt, row: None)


async def submit(client: httpx.AsyncClient, page: str, target: str, /, **fields: str) -> httpx.Response:
    """Post a form the way the page's own form does: with the token the page carries."""
    token = csrf_token((await client.get(page)).text)
    return await client.post(target, data={"csrf_token": token, **fields})


def notice(html: str) -> str:
    return Document(html).one("p", **{"class": "notice"}).text


async def test_only_moderators_see_the_admin_pages(
    client: httpx.AsyncClient, local_account: Account, moderator: Account
) -> None:
    for path in [*PAGES, "/admin/domains"]:
        anonymous = await client.get(path)
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith(
            "/auth/sign_in?next="
        )
    await sign_in(client, "alice@example.org")
    assert "Moderation" not in (await client.get("/")).text
    for path in [*PAGES, "/admin/domains"]:
        refused = await client.get(path)
        assert refused.status_code == 403 and Document(refused.text).one("h1").text == "Not allowed"
    refused = await client.post(
        "/admin/prompts", data={"csrf_token": csrf_token((await client.get("/")).text)}
    )
    assert refused.status_code == 403

    client.cookies.clear()
    await sign_in(client, "mod@example.org")
    nav = Document((await client.get("/")).text)
    assert [a.attrs["href"] for a in nav.all("a") if a.text == "Moderation"] == ["/admin/reports"]
    for path in PAGES:
        shown = await client.get(path)
        assert shown.status_code == 200, path
        assert accessibility_problems(shown.text) == [], path
        # The tab's title is the page's name, and no two elements share an id.
        title = shown.text.split("<title>", 1)[1].split("</title>", 1)[0]
        assert "<" not in title and len(title) < 80, (path, title)
        ids = [e.attrs["id"] for e in Document(shown.text).elements if "id" in e.attrs]
        assert len(ids) == len(set(ids)), path
    # Domain blocks are for admins, as in the admin API.
    assert (await client.get("/admin/domains")).status_code == 403


async def test_a_moderator_resolves_a_report_by_silencing_the_account(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account, moderator: Account, bob: Account
) -> None:
    with runtime.db.session() as session:
        filed = reports.file(
            session, runtime, bob, reports.ReportDraft(account_id=local_account.id, comment="spam!")
        )
    await sign_in(client, "mod@example.org")
    queue = await client.get("/admin/reports")
    assert f"Report #{filed.id} about alice" in queue.text and "spam!" in queue.text

    page = f"/admin/reports/{filed.id}"
    done = await submit(client, page, f"{page}/resolve", action="silence", text="Please stop.")
    assert done.status_code == 303 and done.headers["location"] == f"{page}?done=resolved"
    shown = await client.get(done.headers["location"])
    assert (
        notice(shown.text) == "The report is resolved."
        and "Resolved" in shown.text
        and "silenced" in shown.text
    )
    with runtime.db.reader() as session:
        assert session.get(Account, local_account.id).silenced_at is not None  # type: ignore[union-attr]
        assert session.get(Report, filed.id).action_taken_by_account_id == moderator.id  # type: ignore[union-attr]
    assert "No open reports" in (await client.get("/admin/reports")).text
    log = (await client.get("/admin/audit")).text
    assert "mod" in log and "silence Account" in log

    unknown = await submit(client, page, f"{page}/resolve", action="delete everything")
    assert unknown.status_code == 422
    reopened = await submit(client, page, f"{page}/reopen")
    assert reopened.status_code == 303
    assert f"Report #{filed.id}" in (await client.get("/admin/reports")).text
    assert (await client.get("/admin/reports/123456")).status_code == 404


@pytest.mark.usefixtures("queued_only")
async def test_accounts_are_searched_suspended_and_given_an_image_limit(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account, moderator: Account, bob: Account
) -> None:
    await sign_in(client, "mod@example.org")
    found = await client.get("/admin/accounts", params={"q": "bo"})
    assert "bob" in found.text and "alice" not in found.text

    done = await submit(client, "/admin/accounts", f"/admin/accounts/{bob.id}/change", change="suspend")
    assert done.status_code == 303
    assert "suspended" in (await client.get("/admin/accounts?q=bob")).text
    await submit(client, "/admin/accounts", f"/admin/accounts/{bob.id}/change", change="unsuspend")
    with runtime.db.reader() as session:
        assert session.get(Account, bob.id).suspended is False  # type: ignore[union-attr]
    own = await submit(client, "/admin/accounts", f"/admin/accounts/{moderator.id}/change", change="suspend")
    assert own.status_code == 422

    # alice may make one image a day from now on: her second is refused.
    assert (
        await submit(client, "/admin/accounts", f"/admin/accounts/{local_account.id}/limit", daily_limit="x")
    ).status_code == 422
    saved = await submit(
        client, "/admin/accounts", f"/admin/accounts/{local_account.id}/limit", daily_limit="1"
    )
    assert saved.headers["location"] == "/admin/accounts?done=limit"
    client.cookies.clear()
    await sign_in(client, "alice@example.org")
    assert "of 1 allowed" in (await client.get("/settings/profile")).text
    first = await submit(client, "/imagine", "/imagine", prompt="a fox")
    assert first.status_code == 303
    second = await submit(client, "/imagine", "/imagine", prompt="another fox")
    assert second.status_code == 429 and "daily limit of 1 images" in second.text

    client.cookies.clear()
    await sign_in(client, "mod@example.org")
    await submit(client, "/admin/accounts", f"/admin/accounts/{local_account.id}/limit", daily_limit="")
    with runtime.db.reader() as session:
        assert "reset generation limit" in (await client.get("/admin/audit")).text
        assert len(session.exec(select(Generation)).all()) == 1


async def test_moderators_keep_notes_about_an_account(
    client: httpx.AsyncClient, runtime: Runtime, moderator: Account, bob: Account
) -> None:
    await sign_in(client, "mod@example.org")
    noted = await submit(
        client, "/admin/accounts", f"/admin/accounts/{bob.id}/note", content="warned twice about spam"
    )
    assert noted.headers["location"] == "/admin/accounts?done=noted"
    page = (await client.get("/admin/accounts", params={"q": "bob"})).text
    assert "Moderation notes (1)" in page and "warned twice about spam" in page
    assert "create note" in (await client.get("/admin/audit")).text
    empty = await submit(client, "/admin/accounts", f"/admin/accounts/{bob.id}/note", content="  ")
    assert empty.status_code == 422
    # Nobody else sees them: bob's profile does not carry them.
    assert "warned twice" not in (await client.get("/@bob")).text


async def test_an_admin_blocks_and_unblocks_a_domain(
    client: httpx.AsyncClient, runtime: Runtime, admin: Account
) -> None:
    await sign_in(client, "boss@example.org")
    page = "/admin/domains"
    done = await submit(client, page, page, domain="Bad.Example", severity="suspend", public_comment="spam")
    assert done.headers["location"] == f"{page}?done=blocked"
    listed = await client.get(done.headers["location"])
    assert "bad.example" in listed.text and notice(listed.text) == "The domain is blocked."
    assert runtime.domains.suspended("a.bad.example")
    public = (await client.get("/api/v1/instance/domain_blocks")).json()
    assert public[0]["domain"] == "bad.example" and public[0]["comment"] == "spam"

    again = await submit(client, page, page, domain="bad.example", severity="silence")
    assert again.status_code == 422 and "already blocked" in Document(again.text).one("p", role="alert").text
    for wrong in (
        {"domain": "not a domain", "severity": "silence"},
        {"domain": "x.example", "severity": "nuke"},
    ):
        assert (await submit(client, page, page, **wrong)).status_code == 422

    with runtime.db.reader() as session:
        block = session.exec(select(DomainBlock)).one()
    lifted = await submit(client, page, f"{page}/{block.id}/remove")
    assert lifted.headers["location"] == f"{page}?done=unblocked"
    assert not runtime.domains.suspended("a.bad.example")
    assert "No domain is blocked" in (await client.get(page)).text


@pytest.mark.usefixtures("queued_only")
async def test_the_prompt_deny_list_is_edited_live_and_counts_its_hits(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account, moderator: Account
) -> None:
    runtime.settings.generation.deny = ["gore"]
    await sign_in(client, "mod@example.org")
    page = "/admin/prompts"
    added = await submit(client, page, page, term="  Red   Panda ")
    assert added.headers["location"] == f"{page}?done=added"
    assert (await submit(client, page, page, term="red panda")).status_code == 422
    assert (await submit(client, page, page, term="/([/")).status_code == 422

    client.cookies.clear()
    await sign_in(client, "alice@example.org")
    refused = await submit(client, "/imagine", "/imagine", prompt="a RED  panda in snow")
    assert refused.status_code == 422
    reason = Document(refused.text).one("p", role="alert").text
    assert "refused by this instance's content policy" in reason and "panda" not in reason
    assert (await submit(client, "/imagine", "/imagine", prompt="some gore")).status_code == 422

    client.cookies.clear()
    await sign_in(client, "mod@example.org")
    cells = [td.text.strip() for td in Document((await client.get(page)).text).all("td")]
    assert dict(zip(cells[0::3], cells[1::3], strict=True)) == {"gore": "1", "red panda": "1"}
    with runtime.db.reader() as session:
        assert session.exec(select(Generation)).all() == []
        term_id = session.exec(select(PromptDenyTerm.id).where(PromptDenyTerm.added)).one()
    await submit(client, page, f"{page}/{term_id}/remove")
    client.cookies.clear()
    await sign_in(client, "alice@example.org")
    assert (await submit(client, "/imagine", "/imagine", prompt="a red panda")).status_code == 303


async def test_an_approval_mode_sign_up_signs_in_only_once_approved_on_the_page(
    client: httpx.AsyncClient, runtime: Runtime, moderator: Account
) -> None:
    runtime.settings.instance.registrations_open = True
    runtime.settings.instance.approval_required = True
    app = await register(client)
    app_token = (
        await client.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "scope": "read write",
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
            },
        )
    ).json()["access_token"]
    signed_up = await client.post(
        "/api/v1/accounts",
        data={
            "username": "newbie",
            "email": "newbie@example.org",
            "password": PASSWORD,
            "agreement": "true",
            "reason": "I paint foxes",
        },
        headers={"Authorization": f"Bearer {app_token}"},
    )
    assert signed_up.status_code == 200, signed_up.text

    page = await client.get("/auth/sign_in")
    form = {"csrf_token": csrf_token(page.text), "email": "newbie@example.org", "password": PASSWORD}
    assert (await client.post("/auth/sign_in", data=form)).status_code == 401

    await sign_in(client, "mod@example.org")
    waiting = await client.get("/admin/sign-ups")
    assert "newbie" in waiting.text and "I paint foxes" in waiting.text
    with runtime.db.reader() as session:
        newbie = session.exec(select(User).where(User.email == "newbie@example.org")).one()
    approved = await submit(
        client, "/admin/sign-ups", f"/admin/sign-ups/{newbie.account_id}", decision="approve"
    )
    assert approved.headers["location"] == "/admin/sign-ups?done=approved"
    assert "Nobody is waiting" in (await client.get("/admin/sign-ups")).text

    client.cookies.clear()
    await sign_in(client, "newbie@example.org")
    assert (await client.get("/settings/profile")).status_code == 200


def flagged_image(runtime: Runtime, generation_id: int) -> None:
    """What a GPU worker answers when the image check flags the image."""
    generations.finished(
        runtime,
        generation_id,
        generations.FinishedImage(
            original=png(),
            thumbnail=png((30, 20)),
            size=100,
            blurhash="LEHV6nWB2yk8pyo0adR*.7kCMdnj",
            width=90,
            height=60,
            thumbnail_width=30,
            thumbnail_height=20,
            params={"prompt": "a fox", "seed": 1},
            seconds=0.1,
            flagged="nudity",
        ),
    )


@pytest.mark.usefixtures("queued_only")
async def test_flagged_images_wait_in_the_review_queue_until_a_moderator_decides(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account, moderator: Account
) -> None:
    runtime.settings.generation.hold_flagged = True
    posts = [imagine(runtime, local_account, f"a fox number {n}", "my fox") for n in (1, 2)]
    with runtime.db.reader() as session:
        by_prompt = {g.prompt: g.id for g in session.exec(select(Generation)).all()}
    made = [by_prompt[f"a fox number {n}"] for n in (1, 2)]
    for generation_id in made:
        flagged_image(runtime, generation_id)
    with runtime.db.reader() as session:
        assert {session.get(Generation, g).state for g in made} == {"held"}  # type: ignore[union-attr]
        assert {session.get(Status, p.id).state for p in posts} == {"processing"}  # type: ignore[union-attr]
    assert (await client.get(f"/api/v1/statuses/{posts[0].id}")).status_code == 404  # not posted yet

    await sign_in(client, "mod@example.org")
    queue = await client.get("/admin/images")
    assert "a fox number 1" in queue.text and "flagged: nudity" in queue.text
    assert accessibility_problems(queue.text) == []
    approved = await submit(client, "/admin/images", f"/admin/images/{made[0]}", decision="approve")
    assert approved.headers["location"] == "/admin/images?done=published"
    rejected = await submit(client, "/admin/images", f"/admin/images/{made[1]}", decision="reject")
    assert rejected.headers["location"] == "/admin/images?done=failed"
    assert "No image is waiting" in (await client.get("/admin/images")).text
    again = await submit(client, "/admin/images", f"/admin/images/{made[1]}", decision="approve")
    assert again.status_code == 404

    public = (await client.get(f"/api/v1/statuses/{posts[0].id}")).json()
    assert public["sensitive"] is True and public["media_attachments"][0]["url"]
    with runtime.db.reader() as session:
        assert session.get(Status, posts[1].id).state == "failed"  # type: ignore[union-attr]
        assert "moderator rejected" in (session.get(Generation, made[1]).error or "")  # type: ignore[union-attr]


MAL = "https://remote.test/users/mal"


def asking(number: int) -> dict[str, Any]:
    """mal@remote.test mentions the image bot with a prompt."""
    mention = {"type": "Mention", "href": "https://fedi.test/users/imagine", "name": "@imagine@fedi.test"}
    content = '<p><a href="https://fedi.test/@imagine" class="u-url mention">@imagine</a> a cat</p>'
    return create(MAL, note(MAL, f"{MAL}/statuses/{number}", content, tag=[mention]))


def bot_replies(runtime: Runtime) -> int:
    """Posts of the bot (its image replies wait here, unpublished, while their image is made)."""
    with runtime.db.reader() as session:
        bot = session.exec(
            select(Account).where(Account.username == "imagine", col(Account.domain).is_(None))
        ).one()
        return len(session.exec(select(Status).where(Status.account_id == bot.id)).all())


@pytest.mark.usefixtures("queued_only")
async def test_the_image_bot_is_switched_per_domain_from_the_page(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, moderator: Account
) -> None:
    remote.add_actor("mal", key=STATIC_KEYS[1])
    await sign_in(client, "mod@example.org")
    page = "/admin/prompts"
    off = await submit(client, page, "/admin/bot", domain="Remote.test", reach="off")
    assert off.headers["location"] == f"{page}?done=bot"
    assert (await submit(client, page, "/admin/bot", domain="remote.test", reach="local")).status_code == 422
    assert (await submit(client, page, "/admin/bot", domain="", reach="sideways")).status_code == 422

    assert (await post_activity(client, asking(1), remote.key_pair(MAL))).status_code == 202
    assert bot_replies(runtime) == 0  # switched off for remote.test: not even a refusal

    # Followers' servers only: remote.test has no follower of the bot yet, then one.
    await submit(client, page, "/admin/bot", domain="remote.test", reach="followers")
    await post_activity(client, asking(2), remote.key_pair(MAL))
    assert bot_replies(runtime) == 0
    with runtime.db.session() as session:
        bot = session.exec(
            select(Account).where(Account.username == "imagine", col(Account.domain).is_(None))
        ).one()
        mal = session.exec(select(Account).where(Account.uri == MAL)).one()
        session.add(Follow(account_id=mal.id, target_account_id=bot.id, uri=f"{MAL}#follow", accepted=True))
    await post_activity(client, asking(3), remote.key_pair(MAL))
    assert bot_replies(runtime) == 1

    # The default covers every server without a switch of its own; local accounts only.
    await submit(client, page, "/admin/bot/remove", domain="remote.test")
    await submit(client, page, "/admin/bot", domain="", reach="local")
    shown = Document((await client.get(page)).text)
    assert next(o.attrs["value"] for o in shown.all("option") if "selected" in o.attrs) == "local"
    await post_activity(client, asking(4), remote.key_pair(MAL))
    assert bot_replies(runtime) == 1
    assert "set bot reach" in (await client.get("/admin/audit")).text


async def sign_up(client: httpx.AsyncClient, username: str, **extra: str) -> httpx.Response:
    """POST /api/v1/accounts with an app's token, as Mastodon apps sign people up."""
    app = await register(client)
    token = (
        await client.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "scope": "read write",
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
            },
        )
    ).json()["access_token"]
    fields = {
        "username": username,
        "email": f"{username}@example.org",
        "password": PASSWORD,
        "agreement": "true",
    }
    return await client.post(
        "/api/v1/accounts", data=fields | extra, headers={"Authorization": f"Bearer {token}"}
    )


async def test_an_invite_lets_one_person_sign_up_while_registrations_are_closed(
    client: httpx.AsyncClient, runtime: Runtime, moderator: Account
) -> None:
    runtime.settings.instance.registrations_open = False
    runtime.settings.instance.approval_required = True
    await sign_in(client, "mod@example.org")
    page = "/admin/invites"
    made = await submit(client, page, page, max_uses="1", expires_in="1d")
    assert made.headers["location"] == f"{page}?done=invited"
    await submit(client, page, page, max_uses="", expires_in="never")
    assert (await submit(client, page, page, max_uses="7", expires_in="1d")).status_code == 422
    assert (await submit(client, page, page, max_uses="1", expires_in="forever")).status_code == 422
    listed = Document((await client.get(page)).text)
    codes = [c.text for c in listed.all("code", **{"class": "row-title"})]
    assert len(codes) == 2
    single, open_ended = codes[1], codes[0]  # newest first
    client.cookies.clear()

    assert (await sign_up(client, "nocode")).status_code == 403
    assert (await sign_up(client, "badcode", invite_code="nope")).status_code == 422
    invited = await sign_up(client, "invited", invite_code=single)
    assert invited.status_code == 200, invited.text
    me = await client.get(
        "/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {invited.json()['access_token']}"},
    )
    assert me.status_code == 200  # approved at once, approval mode notwithstanding
    assert (await sign_up(client, "second", invite_code=single)).status_code == 422  # used up

    await sign_in(client, "mod@example.org")
    assert "1 of 1 used · used up or expired" in (await client.get(page)).text
    with runtime.db.reader() as session:
        open_id = session.exec(select(Invite.id).where(Invite.code == open_ended)).one()
    revoked = await submit(client, page, f"{page}/{open_id}/revoke")
    assert revoked.headers["location"] == f"{page}?done=revoked"
    client.cookies.clear()
    assert (await sign_up(client, "late", invite_code=open_ended)).status_code == 422
    with runtime.db.reader() as session:
        assert session.exec(select(Account).where(Account.username == "late")).first() is None
