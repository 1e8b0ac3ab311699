"""Finding 2: web sign-in had no throttle (brute force, and an argon2 hash per try)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from fedi.models.accounts import Account
from fedi.runtime import Runtime
from tests.web.markup import csrf_token


@pytest.fixture
async def browsers(runtime: Runtime) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """Two browsers on two addresses."""
    from fedi.app import create_app

    app = create_app(runtime)
    clients = {
        address: httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(address, 40000)),
            base_url=runtime.settings.base_url,
        )
        for address in ("203.0.113.7", "198.51.100.9")
    }
    yield clients
    for each in clients.values():
        await each.aclose()


async def _try(browser: httpx.AsyncClient, password: str) -> httpx.Response:
    token = csrf_token((await browser.get("/auth/sign_in")).text)
    form = {"csrf_token": token, "email": "alice@example.org", "password": password, "next": "/"}
    return await browser.post("/auth/sign_in", data=form)


async def test_finding_2_forty_wrong_sign_ins_from_one_address_are_throttled(
    browsers: dict[str, httpx.AsyncClient], local_account: Account
) -> None:
    attacker, owner = browsers["203.0.113.7"], browsers["198.51.100.9"]
    answers = [(await _try(attacker, f"guess {n}")).status_code for n in range(40)]
    assert 429 in answers[:29], answers
    first = answers.index(429)
    assert set(answers[:first]) == {401} and set(answers[first:]) == {429}
    # The owner, elsewhere, still gets in with the right password.
    assert (await _try(owner, "correct horse")).status_code == 303
