"""A remix chain across two real fedi servers, seen on a post page in Chromium: bob's image on
two, alice's remix of it on one, and one's bot's edit of alice's remix asked for from two.
Photographed at phone and desktop sizes as `lineage-two-instances`."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install 'fedi[dev]')")

from playwright.sync_api import expect, sync_playwright

from tests.app_generation.test_two_instances import GENERATION, generation_scenario
from tests.federation.test_two_instances import _instance
from tests.web.browser import CHROMIUM, launch, photograph

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is missing: scripts/install-browser installs it"
    ),
]


def test_a_three_generation_chain_across_two_instances_shows_on_the_post_page(tmp_path: Path) -> None:
    one, one_domain = _instance(tmp_path / "one", None, ["alice"], generation=GENERATION)
    two, _ = _instance(tmp_path / "two", None, ["bob"], generation=GENERATION)
    try:
        made = generation_scenario(one, one_domain, two)
        remix = made["remix"]
        chain = httpx.get(f"{one.url}/api/v1/fedi/statuses/{remix['id']}/lineage", timeout=10).json()
        [origin] = chain["ancestors"]
        assert origin["status"]["account"]["acct"].startswith("bob@")  # generation 1, on two
        assert [link["uri"] for link in chain["descendants"]] == [made["edit"]["uri"]]  # generation 3
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page()
            page.goto(f"{one.url}/@alice/{remix['id']}")
            lineage = page.get_by_role("region", name="Lineage")
            expect(lineage.get_by_role("heading", name="Made from")).to_be_visible()
            expect(lineage.get_by_role("heading", name="Remixed into")).to_be_visible()
            expect(lineage.locator("a.tile-link")).to_have_count(2)
            photograph(page, "lineage-two-instances")
            browser.close()
    finally:
        one.stop()
        two.stop()
