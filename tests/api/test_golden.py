"""The API's answers over a fixture timeline stay the same, key order apart (a golden file).

A small instance is built through the API in process: three accounts, posts with media (one
with a generated image's provenance), mentions, tags, a reply thread, boosts, favourites, a
bookmark, a pin, a muted conversation and a keyword filter. The JSON of the home and public
timelines, a status, its context, notifications and an account is compared with
tests/api/golden/timeline.json after ids, times and media keys are numbered in order of first
appearance. The file was recorded before the read paths were made cheaper (issue 16); rerun
with UPDATE_GOLDEN=1 only for a change the API is meant to show.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import select

from fedi.models.media import MediaAttachment
from fedi.runtime import Runtime
from tests.api.conftest import Caller, image_bytes

GOLDEN = Path(__file__).parent / "golden" / "timeline.json"
# Ids are 64-bit numbers (fedi/ids.py); media keys are random hex; times are when the test ran.
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
_DATE = re.compile(r"\b\d{4}-\d\d-\d\d\b")
_ID = re.compile(r"\b\d{12,20}\b")
_KEY = re.compile(r"\b[0-9a-f]{16,}\b")
# Notification group keys end with the hour they fall in (fedi/services/notification_groups.py).
_HOUR = re.compile(r"-\d+$")
_GENERATION = {"model": "tiny", "prompt": "a teal square", "seed": 7, "steps": 2, "width": 64, "height": 48}


class Normaliser:
    """Numbers what changes from run to run, in the order it first appears."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def _name(self, kind: str, value: str) -> str:
        if value not in self.seen:
            self.seen[value] = f"<{kind}{sum(1 for v in self.seen.values() if v.startswith('<' + kind))}>"
        return self.seen[value]

    def text(self, value: str) -> str:
        value = _TIME.sub("<time>", value)
        value = _DATE.sub("<date>", value)
        value = _ID.sub(lambda m: self._name("id", m.group()), value)
        return _KEY.sub(lambda m: self._name("key", m.group()), value)

    def walk(self, value: Any) -> Any:
        # Keys in sorted order, so that numbering does not depend on the order keys come in.
        if isinstance(value, dict):
            found = {key: self.walk(value[key]) for key in sorted(value)}
            if isinstance(found.get("group_key"), str):
                found["group_key"] = _HOUR.sub("-<hour>", found["group_key"])
            return found
        if isinstance(value, list):
            return [self.walk(item) for item in value]
        if isinstance(value, str):
            return self.text(value)
        return value


async def _post(client: httpx.AsyncClient, caller: Caller, text: str, **extra: object) -> str:
    response = await client.post("/api/v1/statuses", json={"status": text, **extra}, headers=caller.auth)
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


async def _ok(response: Any) -> Any:
    answer = await response
    assert answer.status_code == 200, answer.text
    return answer.json()


async def _upload(client: httpx.AsyncClient, caller: Caller, color: str, description: str) -> str:
    answer = await _ok(
        client.post(
            "/api/v2/media",
            files={"file": ("a.png", image_bytes(color=color), "image/png")},
            data={"description": description, "focus": "0.25,-0.5"},
            headers=caller.auth,
        )
    )
    return str(answer["id"])


async def build(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller, carol: Caller
) -> dict[str, str]:
    for follower, followed in ((alice, bob), (alice, carol), (bob, alice), (carol, alice)):
        await _ok(client.post(f"/api/v1/accounts/{followed.account.id}/follow", headers=follower.auth))
    await _ok(
        client.post(
            "/api/v2/filters",
            json={
                "title": "Spoilers",
                "context": ["home", "public"],
                "keywords_attributes": [{"keyword": "finale"}],
            },
            headers=alice.auth,
        )
    )
    root = await _post(client, alice, "Good morning #Sky and #fediverse")
    pictured = await _upload(client, bob, "teal", "A teal square")
    generated = await _upload(client, bob, "orange", "")
    with runtime.db.session() as session:
        row = session.exec(select(MediaAttachment).where(MediaAttachment.id == int(generated))).one()
        row.generation = dict(_GENERATION)
        session.add(row)
    pictures = await _post(client, bob, "Two pictures for @alice #sky", media_ids=[pictured, generated])
    reply = await _post(client, carol, "@alice a reply", in_reply_to_id=root)
    await _post(client, bob, "@carol @alice a deeper reply", in_reply_to_id=reply)
    spoiler = await _post(client, bob, "The finale was something", spoiler_text="TV")
    carols = await _post(client, carol, "Carol's own thoughts, https://example.org/x", visibility="unlisted")
    await _post(client, bob, "For followers only", visibility="private")
    await _ok(client.post(f"/api/v1/statuses/{carols}/reblog", headers=alice.auth))
    await _ok(client.post(f"/api/v1/statuses/{root}/reblog", headers=bob.auth))
    await _ok(client.post(f"/api/v1/statuses/{root}/favourite", headers=bob.auth))
    await _ok(client.post(f"/api/v1/statuses/{root}/favourite", headers=carol.auth))
    await _ok(client.post(f"/api/v1/statuses/{pictures}/favourite", headers=alice.auth))
    await _ok(client.post(f"/api/v1/statuses/{pictures}/bookmark", headers=alice.auth))
    await _ok(client.post(f"/api/v1/statuses/{root}/pin", headers=alice.auth))
    await _ok(client.post(f"/api/v1/statuses/{reply}/mute", headers=alice.auth))
    return {"root": root, "reply": reply, "pictures": pictures, "spoiler": spoiler}


async def answers(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller, carol: Caller
) -> dict[str, Any]:
    ids = await build(client, runtime, alice, bob, carol)
    get = {
        "home": ("/api/v1/timelines/home", alice),
        "home_bob": ("/api/v1/timelines/home", bob),
        "public": ("/api/v1/timelines/public", alice),
        "public_anonymous": ("/api/v1/timelines/public", None),
        "status": (f"/api/v1/statuses/{ids['pictures']}", alice),
        "status_own": (f"/api/v1/statuses/{ids['root']}", alice),
        "context": (f"/api/v1/statuses/{ids['reply']}/context", alice),
        "notifications": ("/api/v1/notifications", alice),
        "account": (f"/api/v1/accounts/{bob.account.id}", alice),
        "account_statuses": (f"/api/v1/accounts/{alice.account.id}/statuses", alice),
    }
    found = {}
    for name, (path, caller) in get.items():
        found[name] = await _ok(client.get(path, headers=caller.auth if caller else {}))
    return found


async def test_answers_match_the_golden_file(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller, carol: Caller
) -> None:
    got = Normaliser().walk(await answers(client, runtime, alice, bob, carol))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(got, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    expected = json.loads(GOLDEN.read_text())
    for name in expected:
        assert got[name] == expected[name], name
    assert set(got) == set(expected)
