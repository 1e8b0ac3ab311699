"""A moderator's round in a real browser (Debian's chromium, driven by Playwright) against a
real `fedi serve`: resolve a report, block a domain, approve a sign-up, add a prompt deny term
and see the next /imagine refused. Every admin page is checked and photographed at phone and
desktop sizes (tests/web/browser.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install 'fedi[dev]')")

from playwright.sync_api import Browser, Page, expect, sync_playwright

from fedi.composition import build_runtime
from fedi.config import load_settings
from fedi.db import make_engine, migrate
from fedi.models.accounts import Role
from fedi.services import accounts, reports
from fedi.services.accounts import create_local_account
from fedi.services.system import ensure_system_accounts
from tests.conftest import MODEL_CACHE
from tests.support.processes import Server, free_port, write_config
from tests.web.browser import CHROMIUM, SHOTS, Visit, launch

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is missing: scripts/install-browser installs it"
    ),
]
PASSWORD = "correct horse battery"
# The composer shows its form once the generation worker has started.
WORKER_MS = 120_000


@dataclass
class Site:
    url: str
    report_id: int


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("moderated")
    port = free_port()
    (home / "data").mkdir()
    config = write_config(
        home,
        port,
        f"sqlite:///{home / 'data' / 'fedi.sqlite3'}",
        generation={"enabled": True, "preset": "tiny", "cache_dir": str(MODEL_CACHE)},
        instance={
            "name": "Harbour",
            "rules": ["Be kind."],
            "registrations_open": True,
            "approval_required": True,
        },
    )
    settings = load_settings(config)
    engine = make_engine(settings)
    migrate(engine)
    engine.dispose()
    runtime = build_runtime(settings)
    ensure_system_accounts(runtime)
    with runtime.db.session() as session:
        people = {
            name: create_local_account(
                session,
                runtime.urls,
                username=name,
                email=f"{name}@example.org",
                password=PASSWORD,
                role=role,
                passwords=runtime.passwords,
            )
            for name, role in (("mia", Role.ADMIN), ("bob", Role.USER), ("troll", Role.USER))
        }
        report = reports.file(
            session,
            runtime,
            people["bob"],
            reports.ReportDraft(account_id=people["troll"].id, comment="Posts the same ad all day"),
        )
        accounts.register(
            session,
            runtime.urls,
            registrations_open=True,
            approval_required=True,
            username="newbie",
            email="newbie@example.org",
            password=PASSWORD,
            agreement=True,
            reason="I paint harbours",
            passwords=runtime.passwords,
        )
    runtime.close()
    server = Server(config, port).start()
    try:
        yield Site(server.url, report.id)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


def admin_tab(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Moderation").get_by_role("link", name=name).click()
    expect(
        page.get_by_role("navigation", name="Moderation").get_by_role("link", name=name)
    ).to_have_attribute("aria-current", "page")


def notice(page: Page, text: str) -> None:
    expect(page.get_by_role("status")).to_have_text(text)


def test_a_moderator_handles_a_report_a_domain_a_sign_up_and_the_prompt_policy(
    site: Site, browser: Browser
) -> None:
    weights: dict[str, int] = {}
    visit, page = Visit.open(browser, weights)
    page.goto(site.url + "/auth/sign_in")
    page.get_by_label("E-mail address").fill("mia@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Moderation").click()

    # A report: read it, suspend the account it is about.
    expect(page.get_by_role("heading", name="Reports")).to_be_visible()
    visit.check(page, "admin-reports")
    page.get_by_role("link", name=f"Report #{site.report_id} about troll").click()
    expect(page.get_by_text("Posts the same ad all day")).to_be_visible()
    visit.check(page, "admin-report")
    page.get_by_label("Suspend").check()
    page.get_by_label("Note to the account").fill("Spam.")
    page.get_by_role("button", name="Resolve").click()
    notice(page, "The report is resolved.")
    expect(page.get_by_text("suspended", exact=True)).to_be_visible()

    # A domain block.
    admin_tab(page, "Domains")
    visit.check(page, "admin-domains")
    page.get_by_label("Domain (covers every name under it)").fill("spam.example")
    page.get_by_label("Severity").select_option("suspend")
    page.get_by_label("Public comment").fill("Spam factory")
    page.get_by_role("button", name="Block").click()
    notice(page, "The domain is blocked.")
    listed = httpx.get(f"{site.url}/api/v1/instance/domain_blocks", timeout=10).json()
    assert [(b["domain"], b["severity"], b["comment"]) for b in listed] == [
        ("spam.example", "suspend", "Spam factory")
    ]

    # A sign-up waiting for approval.
    admin_tab(page, "Sign-ups")
    expect(page.get_by_text("I paint harbours")).to_be_visible()
    visit.check(page, "admin-sign-ups")
    page.get_by_role("button", name="Approve newbie").click()
    notice(page, "The sign-up is approved: the account can sign in now.")
    expect(page.get_by_text("Nobody is waiting.")).to_be_visible()

    # The prompt deny list, and its effect on the next /imagine.
    admin_tab(page, "Prompts")
    page.get_by_label("Term to refuse").fill("Lighthouse")
    page.get_by_role("button", name="Add term").click()
    notice(page, "The term is on the deny list; it applies to the next prompt.")
    visit.check(page, "admin-prompts")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Imagine").click()
    expect(page.get_by_label("Prompt", exact=True)).to_be_visible(timeout=WORKER_MS)
    page.get_by_label("Prompt", exact=True).fill("a LIGHTHOUSE at dusk")
    page.get_by_role("button", name="Imagine").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile(r"This prompt was refused: .*content policy"))
    assert "lighthouse" not in page.get_by_role("alert").inner_text().lower()
    visit.check(page, "imagine-refused")
    page.goto(site.url + "/admin/prompts")
    expect(page.get_by_role("row", name=re.compile("lighthouse"))).to_contain_text("1")

    admin_tab(page, "Accounts")
    page.get_by_label("Username, or user@domain").fill("troll")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("button", name="Unsuspend")).to_be_visible()
    visit.check(page, "admin-accounts")
    admin_tab(page, "Audit log")
    for action in ("suspend Account", "create domain block", "approve Account", "add prompt term"):
        expect(page.get_by_text(action).first).to_be_visible()
    visit.check(page, "admin-audit")
    admin_tab(page, "Invites")
    page.get_by_role("button", name="Make an invite").click()
    notice(page, "The invite is made: give its code to the person you invite.")
    visit.check(page, "admin-invites")
    admin_tab(page, "Images")
    expect(page.get_by_text("No image is waiting.")).to_be_visible()
    visit.check(page, "admin-images")
    visit.close()

    # The approved sign-up signs in.
    visit, page = Visit.open(browser, weights)
    page.goto(site.url + "/auth/sign_in")
    page.get_by_label("E-mail address").fill("newbie@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Signed in")).to_be_visible()
    visit.close()
