"""Fixtures for the web pages: people who sign in through the forms, and posts with made images."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from fedi.models.accounts import Account
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import statuses
from fedi.services.accounts import create_local_account
from tests.web.markup import Document

PASSWORD = "correct horse"


@pytest.fixture
def bob(runtime: Runtime) -> Account:
    with runtime.db.session() as session:
        return create_local_account(
            session,
            runtime.urls,
            username="bob",
            email="bob@example.org",
            password=PASSWORD,
            passwords=runtime.passwords,
        )


async def sign_in(client: httpx.AsyncClient, email: str = "alice@example.org") -> None:
    """Through the sign-in form, as a browser does; the client keeps the session cookie."""
    page = await client.get("/auth/sign_in")
    fields = {
        e.attrs["name"]: e.attrs.get("value", "")
        for e in Document(page.text).all("input")
        if "name" in e.attrs
    }
    answer = await client.post("/auth/sign_in", data=fields | {"email": email, "password": PASSWORD})
    assert answer.status_code == 303, answer.text
    cookie = answer.headers["set-cookie"].lower()
    assert (
        "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie
    )  # the test instance is https


def imagine(runtime: Runtime, author: Account, prompt: str, caption: str = "", **draft: object) -> Status:
    """A post whose image the tiny preset makes at once (jobs run inline in these tests)."""
    text = f"/imagine {prompt}" + (f"\n{caption}" if caption else "")
    with runtime.db.session() as session:
        return statuses.create(session, runtime, author, statuses.StatusDraft(text=text, **draft))  # type: ignore[arg-type]


def post(runtime: Runtime, author: Account, text: str, **draft: object) -> Status:
    with runtime.db.session() as session:
        return statuses.create(session, runtime, author, statuses.StatusDraft(text=text, **draft))  # type: ignore[arg-type]


def png(size: tuple[int, int] = (90, 60), color: str = "teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()
