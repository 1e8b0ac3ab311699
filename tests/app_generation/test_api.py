"""The API extension: generations, prompts in POST /api/v2/media, and what the entities show."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import select

from fedi.models.accounts import Account
from fedi.models.generations import Generation
from fedi.runtime import Runtime
from tests.api.conftest import issue_token


@pytest.fixture
def auth(runtime: Runtime, local_account: Account) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(runtime, local_account)}"}


@pytest.fixture
def held_gpu(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """GPU jobs wait here instead of running, so the processing states can be seen."""
    held: list[tuple[Any, ...]] = []
    enqueue = runtime.jobs.enqueue

    def hold(name: str, *args: Any, **options: Any) -> None:
        if name == "generate_image":
            held.append(args)
        else:
            enqueue(name, *args, **options)

    monkeypatch.setattr(runtime.jobs, "enqueue", hold)
    return held


def _run_held(runtime: Runtime, held: list[tuple[Any, ...]]) -> None:
    from fedi.jobs.tasks import generate_image

    for args in held:
        generate_image(runtime, *args)
    held.clear()


async def test_a_prompt_instead_of_a_file_is_202_then_206_then_200(
    client: httpx.AsyncClient, runtime: Runtime, auth: dict[str, str], held_gpu: list[tuple[Any, ...]]
) -> None:
    response = await client.post(
        "/api/v2/media", data={"prompt": "a teapot on a hill", "seed": "5"}, headers=auth
    )
    assert response.status_code == 202
    media = response.json()
    assert media["url"] is None and media["description"] == "a teapot on a hill"
    assert (await client.get(f"/api/v1/media/{media['id']}", headers=auth)).status_code == 206
    _run_held(runtime, held_gpu)
    ready = await client.get(f"/api/v1/media/{media['id']}", headers=auth)
    assert ready.status_code == 200
    body = ready.json()
    assert body["url"].endswith(".webp") and body["blurhash"]
    assert body["fedi_generation"]["prompt"] == "a teapot on a hill"
    assert body["fedi_generation"]["seed"] == 5
    # Any client can now post it like an upload; the post says how it was made.
    posted = await client.post(
        "/api/v1/statuses", json={"status": "tea", "media_ids": [media["id"]]}, headers=auth
    )
    assert posted.status_code == 200
    status = posted.json()
    assert status["fedi_generation"]["model"]
    assert "Generated with" in status["content"]


async def test_the_generation_resource_shows_state_progress_and_cancels(
    client: httpx.AsyncClient, runtime: Runtime, auth: dict[str, str], held_gpu: list[tuple[Any, ...]]
) -> None:
    created = await client.post(
        "/api/v1/fedi/generations", json={"prompt": "a kite", "steps": 2}, headers=auth
    )
    assert created.status_code == 202
    generation = created.json()
    assert generation["state"] == "queued" and generation["steps"] == 2
    assert generation["media_attachment"]["url"] is None
    cancelled = await client.post(f"/api/v1/fedi/generations/{generation['id']}/cancel", headers=auth)
    assert cancelled.json()["state"] == "cancelled"
    again = await client.post("/api/v1/fedi/generations", json={"prompt": "a kite"}, headers=auth)
    _run_held(runtime, held_gpu)
    done = (await client.get(f"/api/v1/fedi/generations/{again.json()['id']}", headers=auth)).json()
    assert done["state"] == "done" and done["progress"]["fraction"] == 1.0
    assert done["media_attachment"]["url"]
    # The cancelled one stays cancelled even though its job ran.
    first = (await client.get(f"/api/v1/fedi/generations/{generation['id']}", headers=auth)).json()
    assert first["state"] == "cancelled" and first["media_attachment"]["url"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prompt": ""}, "prompt"),
        ({"prompt": "x" * 10_000}, "prompt"),
        ({"prompt": "a cat", "width": -8}, "width"),
        ({"prompt": "a cat", "height": 100_000}, "height"),
        ({"prompt": "a cat", "steps": 0}, "steps"),
        ({"prompt": "a cat", "steps": 10_000}, "steps"),
        ({"prompt": "a cat", "preset": "no-such-model"}, "preset"),
        ({"prompt": "a cat", "seed": "abc"}, "seed"),
        ({"prompt": "a cat", "guidance": "loud"}, "guidance"),
    ],
)
async def test_bad_input_is_422_naming_the_field_and_stores_nothing(
    client: httpx.AsyncClient, runtime: Runtime, auth: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/v1/fedi/generations", json=body, headers=auth)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]
    with runtime.db.reader() as session:
        assert session.exec(select(Generation)).all() == []


async def test_over_the_quota_is_429(
    client: httpx.AsyncClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    runtime.settings.generation.daily_quota_per_account = 1
    assert (
        await client.post("/api/v1/fedi/generations", json={"prompt": "one"}, headers=auth)
    ).status_code == 202
    refused = await client.post("/api/v1/fedi/generations", json={"prompt": "two"}, headers=auth)
    assert refused.status_code == 429
    assert "daily limit" in refused.json()["error"]


async def test_a_denied_prompt_is_refused_clearly(
    client: httpx.AsyncClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    from fedi.services import generations

    runtime.settings.generation.deny = ["gore"]
    generations._policy.cache_clear()
    refused = await client.post("/api/v1/fedi/generations", json={"prompt": "lots of GORE"}, headers=auth)
    assert refused.status_code == 422
    assert refused.json()["error"].startswith("This prompt was refused")


async def test_other_peoples_generations_are_not_found(
    client: httpx.AsyncClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    created = (await client.post("/api/v1/fedi/generations", json={"prompt": "mine"}, headers=auth)).json()
    from fedi.services.accounts import create_local_account

    with runtime.db.session() as session:
        other = create_local_account(
            session,
            runtime.urls,
            username="other",
            email="o@x.org",
            password="12345678",
            passwords=runtime.passwords,
        )
    headers = {"Authorization": f"Bearer {issue_token(runtime, other)}"}
    assert (await client.get(f"/api/v1/fedi/generations/{created['id']}", headers=headers)).status_code == 404
    cancel = await client.post(f"/api/v1/fedi/generations/{created['id']}/cancel", headers=headers)
    assert cancel.status_code == 404


async def test_a_remix_through_the_api_links_its_source(
    client: httpx.AsyncClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    source = (
        await client.post("/api/v1/statuses", json={"status": "/imagine a green door --seed 3"}, headers=auth)
    ).json()
    remix = await client.post(
        "/api/v1/fedi/generations", json={"remix_of": source["id"], "prompt": "a red door"}, headers=auth
    )
    assert remix.status_code == 202
    body = remix.json()
    assert body["remix_of"] == source["uri"] and body["prompt"] == "a red door"
    posted = await client.post(
        "/api/v1/statuses",
        json={"status": "remixed", "media_ids": [body["media_attachment"]["id"]]},
        headers=auth,
    )
    assert posted.json()["fedi_generation"]["remix_of"] == source["uri"]
