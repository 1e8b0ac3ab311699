"""Finding 7: generation abuse. Quotas counted per exact host (every subdomain got a fresh day's
worth), the GPU queue had no overall cap, and the API accepted fields it does not know."""

from __future__ import annotations

import httpx
import pytest

from fedi.errors import TooManyRequests
from fedi.models.accounts import Account, acct_key
from fedi.runtime import Runtime
from fedi.services import generations
from tests.api.conftest import issue_token


def _remote(runtime: Runtime, username: str, domain: str) -> Account:
    with runtime.db.session() as session:
        account = Account(
            username=username,
            domain=domain,
            acct_key=acct_key(username, domain),
            uri=f"https://{domain}/users/{username}",
            inbox_url=f"https://{domain}/users/{username}/inbox",
        )
        session.add(account)
        session.flush()
        session.refresh(account)
        return account


def _ask(runtime: Runtime, requester: Account) -> None:
    with runtime.db.session() as session:
        generations.request(session, runtime, requester, generations.Ask(prompt="a cat"), kind="bot")


def test_finding_7_remote_quotas_count_by_registrable_domain(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime.jobs, "after_commit", lambda *a, **k: None)  # images stay queued
    runtime.settings.generation.daily_quota_per_remote_domain = 2
    _ask(runtime, _remote(runtime, "a", "one.spam.test"))
    _ask(runtime, _remote(runtime, "b", "two.spam.test"))
    with pytest.raises(TooManyRequests, match=r"spam\.test"):
        _ask(runtime, _remote(runtime, "c", "three.spam.test"))
    # Separate registrations under a public suffix (co.uk) keep separate quotas.
    _ask(runtime, _remote(runtime, "d", "alpha.co.uk"))
    _ask(runtime, _remote(runtime, "e", "beta.co.uk"))
    _ask(runtime, _remote(runtime, "f", "gamma.co.uk"))


async def test_finding_7_a_full_gpu_queue_answers_503_with_retry_after(
    runtime: Runtime, client: httpx.AsyncClient, local_account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime.jobs, "after_commit", lambda *a, **k: None)  # images stay queued
    runtime.settings.generation.max_queued = 3
    for username in ("a", "b", "c"):
        _ask(runtime, _remote(runtime, username, f"{username}.example"))
    token = issue_token(runtime, local_account)
    response = await client.post(
        "/api/v1/fedi/generations", json={"prompt": "a cat"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) > 0
    assert "error" in response.json()


async def test_finding_7_the_generations_api_refuses_unknown_fields(
    runtime: Runtime, client: httpx.AsyncClient, local_account: Account
) -> None:
    token = issue_token(runtime, local_account)
    response = await client.post(
        "/api/v1/fedi/generations",
        json={"prompt": "a cat", "num_images": 1000},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "num_images" and "num_images" in response.json()["error"]
