"""The Imagine composer: prompt → image (progress over SSE) → post; remixes; refusals."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from sqlmodel import select

from fedi.models.accounts import Account, Role
from fedi.models.generations import Generation
from fedi.runtime import Runtime
from fedi.services import generations
from fedi.web import progress
from fedi.web.composer import size_of
from generation.presets import PRESETS
from tests.web.conftest import imagine, sign_in
from tests.web.markup import Document, accessibility_problems, csrf_token


def sse_events(body: str) -> list[tuple[str, dict[str, object]]]:
    found = []
    for block in body.split("\n\n"):
        lines = dict(
            line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":")
        )
        if "event" in lines:
            found.append((lines["event"], json.loads(lines["data"])))
    return found


async def start(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    form = await client.get("/imagine" + (f"?remix_of={fields['remix_of']}" if "remix_of" in fields else ""))
    return await client.post("/imagine", data={"csrf_token": csrf_token(form.text), **fields})


def test_aspects_follow_each_preset_size_grid() -> None:
    assert size_of(PRESETS["tiny"], "square") == (64, 64)
    assert size_of(PRESETS["tiny"], "portrait") == (48, 64)
    assert size_of(PRESETS["tiny"], "landscape") == (64, 48)
    assert size_of(PRESETS["sd-turbo"], "portrait") == (384, 512)
    assert size_of(PRESETS["flux-schnell"], "landscape") == (1024, 768)
    for preset in PRESETS.values():
        for aspect in ("square", "portrait", "landscape"):
            width, height = size_of(preset, aspect)
            low, high = preset.size_range
            assert width % preset.size_multiple == 0 and height % preset.size_multiple == 0
            assert low <= width <= high and low <= height <= high


async def test_a_prompt_becomes_an_image_then_a_post(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account
) -> None:
    assert (await client.get("/imagine")).headers["location"] == "/auth/sign_in?next=%2Fimagine"
    await sign_in(client)
    form = await client.get("/imagine")
    assert accessibility_problems(form.text) == []
    assert "Images in the last 24 hours: 0 of 100" in " ".join(Document(form.text).text().split())

    started = await start(client, prompt="a lighthouse at dusk", aspect="portrait", seed="7")
    assert started.status_code == 303
    job = started.headers["location"]
    shown = Document((await client.get(job)).text)  # the tiny model has made it already
    [preview] = shown.all("img", alt="a lighthouse at dusk")
    assert preview.attrs["width"] == "48" and preview.attrs["height"] == "64"
    assert "hidden" not in shown.one("section", id="publish").attrs
    [(event, data)] = sse_events((await client.get(f"{job}/events")).text)
    assert event == "done" and data["url"] == preview.attrs["src"]

    token = csrf_token((await client.get(job)).text)
    posted = await client.post(
        f"{job}/post",
        data={
            "csrf_token": token,
            "caption": "dusk again",
            "description": "A white lighthouse against an orange sky",
            "spoiler_text": "bright",
            "visibility": "unlisted",
        },
    )
    assert posted.status_code == 303 and posted.headers["location"].startswith("/@alice/")
    page = Document((await client.get(posted.headers["location"])).text)
    assert page.all("img", alt="A white lighthouse against an orange sky")
    assert [s.text for s in page.all("summary")] == [
        "Content warning: bright",
        "Show the text and how it was made",
    ]
    assert "Unlisted" in page.one("p", class_="muted meta").text
    assert page.one(
        "a", class_="button", href=f"/imagine?remix_of={posted.headers['location'].rsplit('/', 1)[1]}"
    )

    again = await client.post(f"{job}/post", data={"csrf_token": token, "caption": "twice"})
    assert again.status_code == 422 and "posted already" in again.text
    assert Document((await client.get(job)).text).one("a", href=posted.headers["location"])
    with runtime.db.reader() as session:
        [row] = session.exec(select(Generation)).all()
    assert (row.kind, row.width, row.height, row.seed) == ("web", 48, 64, 7)
    assert "Images in the last 24 hours: 1 of 100" in " ".join(
        Document((await client.get("/imagine")).text).text().split()
    )


async def test_remix_opens_the_composer_with_the_source_parameters(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account, bob: Account
) -> None:
    source = imagine(runtime, bob, "a blue heron --size 64x48")
    await sign_in(client)
    form = Document((await client.get(f"/imagine?remix_of={source.id}")).text)
    assert form.one("textarea", id="prompt").text == "a blue heron"
    assert "checked" in form.one("input", id="aspect-landscape").attrs
    assert form.one("input", name="remix_of").attrs["value"] == str(source.id)
    remixed = await start(client, prompt="a blue heron at night", aspect="landscape", remix_of=str(source.id))
    assert remixed.status_code == 303
    with runtime.db.reader() as session:
        row = session.exec(select(Generation).where(Generation.account_id == local_account.id)).one()
    assert row.remix_of_uri == source.uri and row.prompt == "a blue heron at night"


async def test_the_composer_says_why_it_cannot_make_an_image(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sign_in(client)
    for fields, status, reason in (
        ({"prompt": ""}, 422, "prompt"),
        ({"prompt": "a fox", "seed": "forty"}, 422, "seed: must be a whole number"),
        ({"prompt": "a fox", "seed": "99999999999"}, 422, "seed"),
    ):
        refused = await start(client, **fields)
        assert (
            refused.status_code == status and reason in Document(refused.text).one("p", class_="error").text
        )
        assert Document(refused.text).one("textarea", id="prompt").text == fields["prompt"]
    monkeypatch.setattr(runtime.settings.generation, "daily_quota_per_account", 1)
    assert (await start(client, prompt="a fox")).status_code == 303
    over = await start(client, prompt="another fox")
    assert over.status_code == 429 and "daily limit of 1" in over.text
    monkeypatch.setattr(runtime.settings.generation, "enabled", False)
    assert "turned off" in (await client.get("/imagine")).text


async def test_progress_streams_until_the_generation_ends(
    client: httpx.AsyncClient,
    runtime: Runtime,
    local_account: Account,
    bob: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runtime.jobs, "after_commit", lambda *args, **kwargs: None)  # the GPU never answers
    await sign_in(client)
    job = (await start(client, prompt="a slow fox")).headers["location"]
    job_id = int(job.rsplit("/", 1)[1])
    waiting = Document((await client.get(job)).text)
    assert waiting.one("p", id="progress-text").text.strip() == "Waiting for the GPU…"
    assert "hidden" in waiting.one("section", id="publish").attrs
    assert waiting.one("script").attrs["src"].endswith("/static/imagine.js")

    # Report progress only once the stream has listened and read where the generation stands.
    listened = asyncio.Event()
    first_read = progress._current

    async def reading(*args: Any) -> Any:
        event = await first_read(*args)
        listened.set()
        return event

    monkeypatch.setattr(progress, "_current", reading)
    listening = asyncio.create_task(client.get(f"{job}/events"))
    await asyncio.wait_for(listened.wait(), 10)
    generations.progress(runtime, job_id, 1, 2)
    generations.failed(runtime, job_id, "The GPU caught fire")
    answer = await asyncio.wait_for(listening, 10)
    assert sse_events(answer.text) == [
        ("progress", {"percent": 0, "state": "queued"}),
        ("progress", {"percent": 50, "step": 1, "total": 2}),
        ("failed", {"error": "The GPU caught fire"}),
    ]
    assert (await client.get(f"{job}/events")).text.count("event: failed") == 1  # ended: said at once

    second = (await start(client, prompt="a fox that will not wait")).headers["location"]
    cancelled = await client.post(
        f"{second}/cancel", data={"csrf_token": csrf_token((await client.get(second)).text)}
    )
    assert cancelled.status_code == 303 and cancelled.headers["location"] == second
    stopped = Document((await client.get(second)).text)
    assert stopped.one("p", id="progress-text").text.strip() == "Cancelled by its requester"
    assert stopped.one("a", class_="button").text == "Try again" and not stopped.all("section", id="publish")

    await sign_in(client, "bob@example.org")
    assert (await client.get(f"{job}/events")).status_code == 404  # someone else's
    assert (await client.get(job)).status_code == 404
    client.cookies.clear()
    assert (await client.get(f"{job}/events")).status_code == 403


async def test_before_any_prompt_the_composer_says_whether_images_can_be_made(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fedi.services.accounts import create_local_account
    from fedi.services.readiness import DOCS_URL, NOT_SET_UP
    from tests.web.conftest import PASSWORD

    with runtime.db.session() as session:
        create_local_account(
            session,
            runtime.urls,
            username="ops",
            email="ops@example.org",
            password=PASSWORD,
            role=Role.ADMIN,
            passwords=runtime.passwords,
        )
    monkeypatch.setattr(runtime.settings.generation, "preset", "sd-turbo")  # its licence is not accepted
    await sign_in(client)
    page = Document((await client.get("/imagine")).text)
    notice = " ".join(page.one("section", id="not-ready").text.split())
    assert NOT_SET_UP in notice and "accept" not in notice and not page.all("a", href=DOCS_URL)
    assert not page.all("textarea", id="prompt")  # nothing to type into
    assert accessibility_problems(str((await client.get("/imagine")).text)) == []

    await sign_in(client, "ops@example.org")
    admin = Document((await client.get("/imagine")).text)
    told = " ".join(admin.one("section", id="not-ready").text.split())
    assert NOT_SET_UP in told and "Non-Commercial" in told
    assert "fedi setup --preset sd-turbo --accept-licence sd-turbo" in [c.text for c in admin.all("code")]
    assert admin.one("a", href=DOCS_URL).text == "How to set up image generation"

    monkeypatch.setattr(runtime.settings.generation, "preset", "tiny")
    ready = Document((await client.get("/imagine")).text)
    assert not ready.all("section", id="not-ready") and ready.one("textarea", id="prompt")
