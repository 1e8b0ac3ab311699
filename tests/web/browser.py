"""Driving Debian's chromium with Playwright, and what every page visited must pass.

`Visit.check(page, name)` asserts that every image has alt text and every field a label (read
from the live DOM), that nothing hostile ran (dialogs, `window.__xss`, console, page errors),
that the page weighs under the budget before images, and saves a phone and a desktop screenshot
under test-artifacts/screenshots/.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Dialog, Page, Playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = ROOT / "test-artifacts"
SHOTS = ARTIFACTS / "screenshots"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
BUDGET_BYTES = 200_000

# Images without alt text, and fields that no label names.
ACCESSIBILITY = """() => {
  const problems = [];
  for (const image of document.querySelectorAll("img")) {
    if (!(image.getAttribute("alt") || "").trim()) problems.push(`<img src=${image.src}> has no alt text`);
  }
  for (const input of document.querySelectorAll("input, select, textarea")) {
    if (["hidden", "submit", "button", "reset", "image"].includes(input.type)) continue;
    const named = input.labels.length || input.getAttribute("aria-label") || input.getAttribute("aria-labelledby");
    if (!named) problems.push(`<${input.tagName.toLowerCase()} name=${input.name}> has no label`);
  }
  return problems;
}"""
# Bytes of the document and everything it loaded except images (the budget is "before images").
WEIGHT = """() => {
  const [document_] = performance.getEntriesByType("navigation");
  return performance.getEntriesByType("resource")
    .filter((entry) => entry.initiatorType !== "img")
    .reduce((total, entry) => total + entry.decodedBodySize, document_.decodedBodySize);
}"""


def launch(playwright: Playwright) -> Browser:
    # Playwright's launch gives each run a fresh, temporary user data directory.
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)


def fresh_artifacts() -> None:
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)


@dataclass
class Visit:
    """One browser context (one person) and what happened in its pages."""

    context: BrowserContext
    weights: dict[str, int]
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, browser: Browser, weights: dict[str, int], **options: Any) -> tuple[Visit, Page]:
        visit = cls(browser.new_context(viewport=SIZES["desktop"], **options), weights)
        page = visit.context.new_page()
        page.on("dialog", visit._dialog)
        page.on("console", visit._console)
        page.on("pageerror", lambda error: visit.errors.append(str(error)))
        return visit, page

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _console(self, message: ConsoleMessage) -> None:
        self.console.append(message.text)

    def check(self, page: Page, name: str) -> None:
        self.assert_inert(page)
        assert page.evaluate(ACCESSIBILITY) == [], name
        weight = int(page.evaluate(WEIGHT))
        assert weight < BUDGET_BYTES, f"{name} weighs {weight} bytes before images"
        self.weights[name] = weight
        photograph(page, name)

    def assert_inert(self, page: Page) -> None:
        assert self.dialogs == [], self.dialogs
        assert page.evaluate("() => window.__xss") is None
        assert [m for m in self.console if "xss" in m.lower()] == []
        assert self.errors == []

    def close(self) -> None:
        self.context.close()


def photograph(page: Page, name: str) -> None:
    for label, size in SIZES.items():
        page.set_viewport_size(size)
        page.screenshot(path=SHOTS / f"{name}-{label}.png", full_page=True)
    page.set_viewport_size(SIZES["desktop"])


def save_weights(weights: dict[str, int]) -> None:
    (ARTIFACTS / "page-weights.json").write_text(json.dumps(dict(sorted(weights.items())), indent=2) + "\n")
