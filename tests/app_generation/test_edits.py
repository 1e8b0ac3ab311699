"""Conversational edits: `@imagine make it night` in reply to a post with an image makes a new
image from that image, posted in the thread; each turn builds on the last image; remote images
are fetched within the upload limits."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import select

from activitypub.testing import STATIC_KEYS, FakeRemote
from fedi.composition import build_runtime
from fedi.jobs.gpu_engine import GpuEngine
from fedi.models.accounts import Account
from fedi.models.generations import Generation
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import statuses
from fedi.services.system import ensure_system_accounts
from fedi.store.views import status_view
from tests.api.conftest import image_bytes
from tests.conftest import make_test_settings
from tests.federation.helpers import create, note, post_activity

BOB = "https://remote.test/users/bob"
PICTURE = "https://remote.test/media/lake.png"


def _ask(runtime: Runtime, author: Account, text: str, parent_id: int) -> Status:
    with runtime.db.session() as session:
        return statuses.create(
            session, runtime, author, statuses.StatusDraft(text=text, in_reply_to_id=parent_id)
        )


def _answer(runtime: Runtime, request: Status) -> tuple[Status, dict[str, Any]]:
    with runtime.db.reader() as session:
        [answer] = session.exec(select(Status).where(Status.in_reply_to_id == request.id)).all()
        [media] = status_view(session, answer, None).media
    assert media.state == "ready", media.error
    assert media.generation is not None
    return answer, media.generation


def test_a_reply_edits_the_image_and_each_turn_builds_on_the_last(
    runtime: Runtime, local_account: Account
) -> None:
    with runtime.db.session() as session:
        first = statuses.create(
            session,
            runtime,
            local_account,
            statuses.StatusDraft(text="/imagine a lake at noon --seed 3 --steps 2"),
        )
    asked = _ask(runtime, local_account, "@imagine make it night", first.id)
    night, made = _answer(runtime, asked)
    assert made["prompt"] == "make it night"
    assert made["remix_of"] == first.uri and made["strength"] == 0.6  # the preset's default
    assert made["steps"] == 2 and made["width"] == 64  # the source's size and steps
    assert "(an edit)" in night.content and night.in_reply_to_id == asked.id

    again = _ask(runtime, local_account, "@imagine add snow strength=0.3", night.id)
    _, made_again = _answer(runtime, again)
    assert made_again["remix_of"] == night.uri and made_again["strength"] == 0.3
    with runtime.db.reader() as session:
        kinds = [g.kind for g in session.exec(select(Generation).order_by(Generation.id)).all()]
    assert kinds == ["directive", "edit", "edit"]


def test_a_strength_out_of_range_is_refused_with_the_reason(runtime: Runtime, local_account: Account) -> None:
    with runtime.db.session() as session:
        first = statuses.create(session, runtime, local_account, statuses.StatusDraft(text="/imagine a kite"))
    asked = _ask(runtime, local_account, "@imagine make it red strength=3", first.id)
    with runtime.db.reader() as session:
        [answer] = session.exec(select(Status).where(Status.in_reply_to_id == asked.id)).all()
    assert "strength: must be from 0.05 to 1" in answer.content


@pytest.mark.parametrize("cache_remote", [True, False])
async def test_a_remote_image_is_edited_after_being_fetched_within_the_limits(
    tmp_path: Any, database_url: str, remote: FakeRemote, cache_remote: bool, gpu_engine: GpuEngine
) -> None:
    settings = make_test_settings(tmp_path / "data", database_url, media={"cache_remote": cache_remote})
    runtime = build_runtime(settings, immediate_jobs=True, transport=remote.transport(), gpu=gpu_engine)
    ensure_system_accounts(runtime)
    remote.add_actor("bob", key=STATIC_KEYS[1])
    remote.add_object(PICTURE, image_bytes("PNG", (96, 64), color="navy"), content_type="image/png")
    lake = note(
        BOB,
        f"{BOB}/statuses/1",
        "<p>my lake</p>",
        attachment=[{"type": "Document", "mediaType": "image/png", "url": PICTURE, "name": "a lake"}],
    )
    try:
        from fedi.app import create_app
        from fedi.services.accounts import create_local_account

        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(runtime)), base_url=settings.base_url
        ) as client:
            assert (await post_activity(client, create(BOB, lake), remote.key_pair(BOB))).status_code == 202
        with runtime.db.session() as session:
            alice = create_local_account(
                session,
                runtime.urls,
                username="alice",
                email="a@x.org",
                password="12345678",
                passwords=runtime.passwords,
            )
            parent = session.exec(select(Status).where(Status.uri == lake["id"])).one()
        asked = _ask(runtime, alice, "@imagine make it night", parent.id)
        _, made = _answer(runtime, asked)
    finally:
        runtime.close()
    assert made["remix_of"] == lake["id"] and made["strength"] == 0.6
    fetched = [r for r in remote.requests if str(r.url) == PICTURE]
    assert len(fetched) == 1 and "signature" not in fetched[0].headers


def test_an_imagine_directive_in_reply_to_an_image_edits_it(runtime: Runtime, local_account: Account) -> None:
    with runtime.db.session() as session:
        first = statuses.create(
            session, runtime, local_account, statuses.StatusDraft(text="/imagine a barn --seed 8 --steps 2")
        )
    with runtime.db.session() as session:
        reply = statuses.create(
            session,
            runtime,
            local_account,
            statuses.StatusDraft(
                text="/imagine paint it red --strength 0.7\nsecond try", in_reply_to_id=first.id
            ),
        )
    with runtime.db.reader() as session:
        status = session.merge(reply)
        [media] = status_view(session, status, None).media
        [kind] = [g.kind for g in session.exec(select(Generation).where(Generation.media_id == media.id))]
    assert kind == "edit" and status.in_reply_to_id == first.id
    assert media.generation is not None
    assert media.generation["remix_of"] == first.uri and media.generation["strength"] == 0.7
    assert media.generation["prompt"] == "paint it red" and media.generation["steps"] == 2
