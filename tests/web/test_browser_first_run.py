"""The composer on a fresh default instance, in Debian's chromium: not ready, then ready.

A real `fedi serve` with the default configuration (the default preset, no weights downloaded)
shows a person that image generation isn't set up yet and an administrator why and how to fix
it; once the config names the `tiny` preset and the GPU worker reports in, the form appears.
Screenshots at phone and desktop width go to test-artifacts/screenshots/first-run-*.png.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install 'fedi[dev]')")

from playwright.sync_api import Page, expect, sync_playwright

from fedi.composition import build_runtime
from fedi.config import load_settings
from fedi.db import make_engine, migrate
from fedi.models.accounts import Role
from fedi.services.accounts import create_local_account
from fedi.services.readiness import DOCS_URL, NOT_SET_UP
from fedi.services.system import ensure_system_accounts
from generation.presets import DEFAULT_PRESET
from tests.conftest import MODEL_CACHE
from tests.support.processes import Server, free_port, write_config
from tests.web.browser import CHROMIUM, Visit, launch

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is missing: scripts/install-browser installs it"
    ),
]
PASSWORD = "correct horse battery"
# The GPU worker imports torch and builds the tiny model before it reports ready.
WORKER_READY_S = 180


def _config(home: Path, port: int, **generation: object) -> Path:
    return write_config(
        home,
        port,
        f"sqlite:///{home / 'data' / 'fedi.sqlite3'}",
        generation={"enabled": True, **generation},
        instance={"name": "First run"},
    )


def _sign_in(page: Page, url: str, who: str) -> None:
    page.context.clear_cookies()
    page.goto(url + "/auth/sign_in")
    page.get_by_label("E-mail address").fill(f"{who}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Signed in")).to_be_visible()


def _ready(url: str) -> bool:
    deadline = time.monotonic() + WORKER_READY_S
    while time.monotonic() < deadline:
        answer = httpx.get(url + "/api/v2/instance", timeout=10).json()["fedi"]["generation"]
        if answer["ready"]:
            return True
        time.sleep(1)
    return False


def test_the_composer_on_a_fresh_instance_then_with_tiny(tmp_path: Path) -> None:
    home, port = tmp_path / "site", free_port()
    (home / "data").mkdir(parents=True)
    config = _config(home, port, preset=DEFAULT_PRESET, cache_dir=str(tmp_path / "no-weights"))
    settings = load_settings(config)
    engine = make_engine(settings)
    migrate(engine)
    engine.dispose()
    runtime = build_runtime(settings)
    ensure_system_accounts(runtime)
    for name, admin in (("alice", False), ("ops", True)):
        with runtime.db.session() as session:
            create_local_account(
                session,
                runtime.urls,
                username=name,
                email=f"{name}@example.org",
                password=PASSWORD,
                role=Role.ADMIN if admin else Role.USER,
                passwords=runtime.passwords,
            )
    runtime.close()

    weights: dict[str, int] = {}
    with sync_playwright() as playwright:
        browser = launch(playwright)
        visit, page = Visit.open(browser, weights)
        server = Server(config, port).start()
        try:
            _sign_in(page, server.url, "alice")
            page.goto(server.url + "/imagine")
            notice = page.locator("#not-ready")
            expect(notice.get_by_role("heading")).to_have_text(NOT_SET_UP)
            expect(notice).not_to_contain_text("fedi setup")
            expect(page.get_by_label("Prompt", exact=True)).to_have_count(0)
            visit.check(page, "first-run-composer-user")

            _sign_in(page, server.url, "ops")
            page.goto(server.url + "/imagine")
            expect(notice.get_by_role("heading")).to_have_text(NOT_SET_UP)
            expect(notice).to_contain_text("weights of flux2-klein-4b")
            expect(notice.locator("code").first).to_have_text(f"fedi setup --preset {DEFAULT_PRESET}")
            expect(page.get_by_role("link", name="How to set up image generation")).to_have_attribute(
                "href", DOCS_URL
            )
            visit.check(page, "first-run-composer-admin")
        finally:
            server.stop()

        _config(home, port, preset="tiny", cache_dir=str(MODEL_CACHE))
        server = Server(config, port).start()
        try:
            assert _ready(server.url), "the GPU worker never reported ready"
            _sign_in(page, server.url, "alice")
            page.goto(server.url + "/imagine")
            expect(page.locator("#not-ready")).to_have_count(0)
            expect(page.get_by_label("Prompt", exact=True)).to_be_visible()
            visit.check(page, "first-run-composer-ready")
        finally:
            server.stop()
            visit.close()
            browser.close()
