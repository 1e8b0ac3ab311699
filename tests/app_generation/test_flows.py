"""Prompts become published posts whose image, ActivityPub object and text say how it was made.

The `tiny` preset (a random SD-architecture pipeline built offline) runs on the CPU; jobs run
inline (immediate mode), so a request is finished when the call returns.
"""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select

from activitypub.testing import STATIC_KEYS, FakeRemote
from fedi.convert import to_activitypub
from fedi.errors import TooManyRequests, Unprocessable
from fedi.models.accounts import Account
from fedi.models.generations import Generation
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import generations, statuses, visibility
from fedi.services.accounts import create_local_account
from fedi.store.views import status_view
from generation.provenance import read_params
from tests.federation.helpers import create, note, post_activity


def _post(runtime: Runtime, author: Account, text: str, **draft: object) -> Status:
    with runtime.db.session() as session:
        return statuses.create(session, runtime, author, statuses.StatusDraft(text=text, **draft))  # type: ignore[arg-type]


def _reload(runtime: Runtime, status_id: int) -> Status:
    with runtime.db.reader() as session:
        found = session.get(Status, status_id)
        assert found is not None
        return found


def _params_in_file(runtime: Runtime, key: str) -> dict[str, object]:
    data = runtime.media.read(key)
    params = read_params(data)
    assert params is not None, "the file carries no provenance"
    return params.to_dict()


def test_an_imagine_directive_becomes_a_post_with_its_parameters_everywhere(
    runtime: Runtime, local_account: Account
) -> None:
    status = _post(runtime, local_account, "/imagine a red fox in snow --seed 7 --steps 2\nmy fox")
    status = _reload(runtime, status.id)
    assert status.state == "published"
    with runtime.db.reader() as session:
        view = status_view(session, status, None)
        [row] = session.exec(select(Generation)).all()
    assert row.state == "done" and row.status_id == status.id
    [media] = view.media
    assert media.state == "ready" and media.description == "a red fox in snow"  # alt text: the prompt
    # 1. the file
    in_file = _params_in_file(runtime, media.file_key or "")
    assert in_file["prompt"] == "a red fox in snow" and in_file["seed"] == 7 and in_file["steps"] == 2
    # 2. the ActivityPub object
    document = to_activitypub.note(view, runtime.urls)
    assert document["generation"]["prompt"] == "a red fox in snow"
    assert document["generation"]["seed"] == 7
    assert document["attachment"][0]["name"] == "a red fox in snow"
    # 3. the visible text
    assert "my fox" in status.content
    assert "Generated with" in status.content and "fedi.test" in status.content
    # 4. the record the API shows
    assert media.generation is not None and media.generation["model"]


def test_the_post_waits_for_its_image(
    runtime: Runtime, local_account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Hold the GPU job back: the post exists for its author only, and nothing is federated.
    monkeypatch.setattr(runtime.jobs, "after_commit", lambda *a, **k: None)
    status = _post(runtime, local_account, "/imagine a quiet harbour")
    with runtime.db.session() as session:
        reader = create_local_account(
            session,
            runtime.urls,
            username="reader",
            email="r@x.org",
            password="12345678",
            passwords=runtime.passwords,
        )
        assert visibility.can_view(session, local_account, status)
        assert not visibility.can_view(session, reader, status)
        assert not visibility.can_view(session, None, status)
    assert _reload(runtime, status.id).state == "processing"


@pytest.mark.parametrize(
    ("ask", "field"),
    [
        (generations.Ask(prompt=""), "prompt"),
        (generations.Ask(prompt="x" * 10_000), "prompt"),
        (generations.Ask(prompt="a cat", width=-64), "width"),
        (generations.Ask(prompt="a cat", width=100_000), "width"),
        (generations.Ask(prompt="a cat", height=63), "height"),
        (generations.Ask(prompt="a cat", steps=0), "steps"),
        (generations.Ask(prompt="a cat", steps=10_000), "steps"),
        (generations.Ask(prompt="a cat", guidance=float("nan")), "guidance"),
        (generations.Ask(prompt="a cat", seed=-1), "seed"),
        (generations.Ask(prompt="a cat", preset="flux-schnell"), "preset"),
    ],
)
def test_bad_requests_never_reach_the_pipeline(runtime: Runtime, ask: generations.Ask, field: str) -> None:
    with pytest.raises(Unprocessable) as caught:
        generations.build(runtime.settings, ask)
    assert caught.value.field == field
    assert field in caught.value.message


def test_a_denied_prompt_is_refused_with_a_reason(runtime: Runtime, local_account: Account) -> None:
    runtime.settings.generation.deny = ["forbidden thing"]
    generations._policy.cache_clear()
    with pytest.raises(Unprocessable, match="refused"), runtime.db.session() as session:
        generations.request(
            session, runtime, local_account, generations.Ask(prompt="a Forbidden Thing"), kind="api"
        )
    with runtime.db.reader() as session:
        assert session.exec(select(Generation)).all() == []


def test_the_daily_quota_is_enforced(runtime: Runtime, local_account: Account) -> None:
    runtime.settings.generation.daily_quota_per_account = 2
    for _ in range(2):
        with runtime.db.session() as session:
            generations.request(session, runtime, local_account, generations.Ask(prompt="a cat"), kind="api")
    with pytest.raises(TooManyRequests, match="daily limit of 2"), runtime.db.session() as session:
        generations.request(session, runtime, local_account, generations.Ask(prompt="a cat"), kind="api")


def test_mentioning_the_bot_gets_a_reply_with_the_image(runtime: Runtime, local_account: Account) -> None:
    request = _post(runtime, local_account, "@imagine a lighthouse at dusk", visibility="unlisted")
    with runtime.db.reader() as session:
        [reply] = session.exec(select(Status).where(Status.in_reply_to_id == request.id)).all()
        view = status_view(session, reply, None)
    assert view.account.username == "imagine" and view.account.bot
    assert reply.state == "published" and reply.visibility == "unlisted"
    assert [a.username for a in view.mentions] == ["alice"]
    assert view.media[0].generation is not None
    assert view.media[0].generation["prompt"] == "a lighthouse at dusk"


def test_a_refused_bot_request_gets_a_reply_that_says_why(runtime: Runtime, local_account: Account) -> None:
    runtime.settings.generation.daily_quota_per_account = 0
    runtime.settings.generation.deny = ["volcano"]
    generations._policy.cache_clear()
    request = _post(runtime, local_account, "@imagine a volcano")
    with runtime.db.reader() as session:
        [reply] = session.exec(select(Status).where(Status.in_reply_to_id == request.id)).all()
    assert "refused" in reply.content and reply.state == "published"


async def test_a_remote_mention_of_the_bot_is_answered_on_the_requesters_server(
    runtime: Runtime, remote: FakeRemote, client: httpx.AsyncClient
) -> None:
    remote.add_actor("carol", key=STATIC_KEYS[1])
    carol = "https://remote.test/users/carol"
    asking = note(
        carol,
        f"{carol}/statuses/1",
        '<p><span class="h-card"><a href="https://fedi.test/@imagine" class="u-url mention">@imagine</a></span> a paper boat</p>',
        tag=[{"type": "Mention", "href": "https://fedi.test/users/imagine", "name": "@imagine@fedi.test"}],
    )
    response = await post_activity(client, create(carol, asking), remote.key_pair(carol))
    assert response.status_code == 202
    replies = [
        a
        for a in remote.inbox
        if a.get("type") == "Create" and a["object"].get("inReplyTo") == f"{carol}/statuses/1"
    ]
    assert len(replies) == 1
    reply = replies[0]["object"]
    assert reply["attributedTo"] == "https://fedi.test/users/imagine"
    assert reply["generation"]["prompt"] == "a paper boat"
    assert reply["attachment"][0]["mediaType"] == "image/webp"
    assert carol in reply["cc"] + reply["to"]


def test_a_remix_links_its_source_and_keeps_its_parameters(runtime: Runtime, local_account: Account) -> None:
    source = _post(runtime, local_account, "/imagine a blue bicycle --seed 11 --steps 2")
    remix = _post(runtime, local_account, "@imagine make it red", in_reply_to_id=source.id)
    with runtime.db.reader() as session:
        [reply] = session.exec(select(Status).where(Status.in_reply_to_id == remix.id)).all()
        view = status_view(session, reply, None)
    assert reply.remix_of_uri == source.uri
    params = view.media[0].generation
    assert params is not None and params["prompt"] == "make it red" and params["steps"] == 2
    assert to_activitypub.note(view, runtime.urls)["remixOf"] == source.uri
