"""Reading rendered pages in tests: elements, meta tags, form tokens, and what a page must not hold."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

# Inputs a person never fills in: no label needed.
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    inside: list[str] = field(default_factory=list)  # enclosing tags, outermost first


class Document(HTMLParser):
    """Every element of a page with its attributes and the tags around it."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, inside=[e.tag for e in self._open])
        self.elements.append(element)
        if tag not in {"img", "input", "meta", "link", "br", "hr", "source"}:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def all(self, tag: str, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if e.tag == tag
            and all(e.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())
        ]

    def one(self, tag: str, **attrs: str) -> Element:
        found = self.all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]

    def meta(self, key: str) -> str | None:
        for element in self.all("meta"):
            if key in (element.attrs.get("property"), element.attrs.get("name")):
                return element.attrs.get("content")
        return None

    def text(self) -> str:
        return self.elements[0].text if self.elements else ""


def csrf_token(html: str) -> str:
    return Document(html).all("input", name="csrf_token")[0].attrs["value"]


def accessibility_problems(html: str) -> list[str]:
    """Images without alt text and form fields without a label."""
    document = Document(html)
    problems = [
        f"<img src={e.attrs.get('src')!r}> has no alt text"
        for e in document.all("img")
        if not e.attrs.get("alt", "").strip()
    ]
    labelled = {e.attrs.get("for") for e in document.all("label")}
    for element in document.elements:
        if element.tag not in ("input", "select", "textarea"):
            continue
        if element.attrs.get("type", "text") in UNLABELLED_TYPES:
            continue
        has_label = (
            element.attrs.get("id") in labelled
            or "label" in element.inside
            or element.attrs.get("aria-label")
            or element.attrs.get("aria-labelledby")
        )
        if not has_label:
            problems.append(f"<{element.tag} name={element.attrs.get('name')!r}> has no label")
    return problems


def active_content(html: str) -> list[str]:
    """Anything that could run: scripts other than our own, handlers, javascript: URLs, frames."""
    found = []
    for element in Document(html).elements:
        if element.tag == "script" and not element.attrs.get("src", "").endswith("/static/imagine.js"):
            found.append(f"<script> {element.text[:60]!r}")
        if element.tag in ("iframe", "object", "embed", "svg", "math", "base"):
            found.append(f"<{element.tag}>")
        for name, value in element.attrs.items():
            if name.startswith("on"):
                found.append(f"<{element.tag} {name}=…>")
            if name in ("href", "src", "action", "formaction") and value.strip().lower().startswith(
                ("javascript:", "data:text", "vbscript:")
            ):
                found.append(f"<{element.tag} {name}={value[:40]!r}>")
    return found
