"""Driving the sign-in and consent pages the way a person's browser does (over any httpx client)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import httpx

_INPUT = re.compile(r"<input\b[^>]*>")
_ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')


def form_fields(page: str) -> dict[str, str]:
    """The named inputs of the page's last form, with their values."""
    form = page.rsplit("<form", 1)[1]
    fields = {}
    for tag in _INPUT.findall(form):
        attributes = {k: unescape(v) for k, v in _ATTRIBUTE.findall(tag)}
        if "name" in attributes:
            fields[attributes["name"]] = attributes.get("value", "")
    return fields


def sign_in_and_approve(
    client: httpx.Client, authorize_url: str, *, email: str, password: str, decision: str = "approve"
) -> httpx.Response:
    """Synchronous flow (real servers): returns the final answer (oob page or redirect)."""
    page = client.get(authorize_url)
    if page.status_code == 302:
        login = client.get(page.headers["location"])
        fields = form_fields(login.text) | {"email": email, "password": password}
        signed_in = client.post("/auth/sign_in", data=fields)
        assert signed_in.status_code == 303, signed_in.text
        page = client.get(signed_in.headers["location"])
    assert page.status_code == 200, page.text
    fields = form_fields(page.text) | {"decision": decision}
    return client.post("/oauth/authorize", data=fields)


async def async_sign_in_and_approve(
    client: httpx.AsyncClient, authorize_url: str, *, email: str, password: str, decision: str = "approve"
) -> httpx.Response:
    page = await client.get(authorize_url)
    if page.status_code == 302:
        login = await client.get(page.headers["location"])
        fields = form_fields(login.text) | {"email": email, "password": password}
        signed_in = await client.post("/auth/sign_in", data=fields)
        assert signed_in.status_code == 303, signed_in.text
        page = await client.get(signed_in.headers["location"])
    assert page.status_code == 200, page.text
    fields = form_fields(page.text) | {"decision": decision}
    return await client.post("/oauth/authorize", data=fields)


def code_from(answer: httpx.Response) -> str:
    """The code from a redirect (`?code=`) or from the oob page."""
    if answer.status_code == 302:
        return parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    assert answer.status_code == 200, answer.text
    match = re.search(r'<input id="code"[^>]*value="([^"]*)"', answer.text)
    assert match is not None, answer.text
    return match.group(1)
