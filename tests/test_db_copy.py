"""`fedi db copy`: an SQLite instance with thousands of rows moves to PostgreSQL, verified, and the
copy answers the client API exactly as the original did, to the same (old) tokens."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from activitypub.testing import FakeRemote
from fedi.app import create_app
from fedi.cli import app as cli
from fedi.composition import build_runtime
from fedi.config import load_settings
from fedi.db import make_engine, migrate
from fedi.ids import new_id
from fedi.models.accounts import Account, acct_key
from fedi.models.federation import Delivery, OutboxActivity
from fedi.models.generations import Generation
from fedi.models.interactions import Favourite
from fedi.models.media import MediaAttachment
from fedi.models.notifications import Notification
from fedi.models.oauth import OAuthToken
from fedi.models.relationships import Follow
from fedi.models.statuses import HomeFeedEntry, Status
from fedi.runtime import Runtime
from fedi.services.accounts import create_local_account
from fedi.services.system import ensure_system_accounts
from tests.api.conftest import issue_token
from tests.conftest import PG_ADMIN_URL, _postgres_problem
from tests.support.processes import write_config

pytestmark = pytest.mark.postgres

REMOTE = 1500
STATUSES = 3000
DELIVERIES = 3000
GENERATIONS = 2000
TOKENS = 2000


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    problem = _postgres_problem()
    if problem:
        pytest.skip(problem)
    name = f"fedi_copy_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield "postgresql://" + PG_ADMIN_URL.split("://", 1)[1].rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _populate(runtime: Runtime) -> dict[str, Any]:
    """Thousands of rows in the tables that matter, made the cheap way (bulk rows)."""
    rng = random.Random(14)
    now = datetime.now(UTC)
    with runtime.db.session() as session:
        alice = create_local_account(
            session,
            runtime.urls,
            username="alice",
            email="a@example.org",
            password="x" * 12,
            passwords=runtime.passwords,
        )
        bob = create_local_account(
            session,
            runtime.urls,
            username="bob",
            email="b@example.org",
            password="x" * 12,
            passwords=runtime.passwords,
        )
    remote: list[Account] = []
    with runtime.db.session() as session:
        for number in range(REMOTE):
            host = f"host{number % 50}.example"
            uri = f"https://{host}/users/r{number}"
            remote.append(
                Account(
                    username=f"r{number}",
                    domain=host,
                    acct_key=acct_key(f"r{number}", host),
                    uri=uri,
                    inbox_url=f"{uri}/inbox",
                    shared_inbox_url=f"https://{host}/inbox",
                    display_name=f"Remote {number} ✨",
                    fields=[{"name": "site", "value": f"<a href='https://{host}'>{host}</a>"}],
                    followers_count=rng.randint(0, 900),
                )
            )
        session.add_all(remote)
        session.flush()
        session.add_all(
            Follow(account_id=a.id, target_account_id=alice.id, uri=f"{a.uri}#follow", accepted=True)
            for a in remote
        )
        session.add_all(
            Follow(
                account_id=alice.id, target_account_id=a.id, uri=f"{alice.uri}#follows/{a.id}", accepted=True
            )
            for a in remote[:300]
        )
    statuses: list[Status] = []
    with runtime.db.session() as session:
        for number in range(STATUSES):
            author = remote[number % 300]
            created = now - timedelta(minutes=STATUSES - number)
            # Replies point at a later status as often as an earlier one: the copy must not
            # depend on ids being in the order rows refer to each other.
            parent = statuses[-1] if statuses and number % 7 == 0 else None
            statuses.append(
                Status(
                    id=new_id(created),
                    uri=f"{author.uri}/statuses/{number}",
                    url=f"{author.uri}/statuses/{number}",
                    account_id=author.id,
                    content=f"<p>post {number} — café #{number % 13}</p>",
                    text="",
                    visibility="public" if number % 5 else "unlisted",
                    local=False,
                    created_at=created,
                    in_reply_to_id=parent.id if parent else None,
                    in_reply_to_account_id=parent.account_id if parent else None,
                )
            )
        session.add_all(statuses)
        session.flush()
        # A reply to a later post: its parent row comes after it in id order.
        statuses[0].in_reply_to_id = statuses[-1].id
        statuses[0].in_reply_to_account_id = statuses[-1].account_id
        session.add(statuses[0])
        session.add_all(HomeFeedEntry(account_id=alice.id, status_id=s.id) for s in statuses)
        liked = statuses[:1000]
        session.add_all(
            Favourite(account_id=remote[i].id, status_id=s.id, uri=f"{remote[i].uri}#likes/{s.id}")
            for i, s in enumerate(liked)
        )
        session.add_all(
            Notification(account_id=alice.id, from_account_id=remote[i].id, type="favourite", status_id=s.id)
            for i, s in enumerate(liked)
        )
        activity = OutboxActivity(
            uri=f"{alice.uri}#create/1",
            account_id=alice.id,
            activity_type="Create",
            payload={"type": "Create"},
        )
        session.add(activity)
        session.flush()
        session.add_all(
            Delivery(
                activity_id=activity.id,
                inbox_url=f"{remote[i % REMOTE].uri}/inbox/{i}",
                host=str(remote[i % REMOTE].domain),
                state=("pending", "delivered", "failed")[i % 3],
                attempts=i % 4,
            )
            for i in range(DELIVERIES)
        )
        media = [
            MediaAttachment(
                account_id=alice.id,
                type="image",
                state="ready",
                file_key=f"generated/{n}/original.webp",
                thumbnail_key=f"generated/{n}/small.webp",
                mime_type="image/webp",
                width=512,
                height=512,
                description=f"prompt {n}",
                generation={"prompt": f"prompt {n}", "seed": n, "model": "tiny"},
            )
            for n in range(GENERATIONS)
        ]
        session.add_all(media)
        session.flush()
        generations = [
            Generation(
                account_id=alice.id,
                kind="api",
                preset="tiny",
                prompt=f"prompt {n}",
                seed=n * 7919,
                width=512,
                height=512,
                steps=1,
                guidance=0.0,
                state="done",
                media_id=m.id,
            )
            for n, m in enumerate(media)
        ]
        session.add_all(generations)
    alice_token = issue_token(runtime, alice)
    bob_token = issue_token(runtime, bob)
    with runtime.db.session() as session:
        application_id = session.execute(text("SELECT id FROM oauth_applications LIMIT 1")).scalar_one()
        session.add_all(
            OAuthToken(
                token_hash=uuid.uuid4().hex * 2, application_id=application_id, user_id=None, scopes="read"
            )
            for _ in range(TOKENS)
        )
    return {
        "alice": alice,
        "tokens": {"alice": alice_token, "bob": bob_token},
        "remote": [a.id for a in rng.sample(remote, 10)],
        "statuses": [s.id for s in rng.sample(statuses, 10)],
        "replies": [s.id for s in statuses if s.in_reply_to_id][:5],
        "generations": [g.id for g in rng.sample(generations, 5)],
    }


def _sample(facts: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """50 requests: (who, path, token name)."""
    alice = facts["alice"].id
    requests: list[tuple[str, str | None]] = [
        ("/api/v1/accounts/verify_credentials", "alice"),
        ("/api/v1/accounts/verify_credentials", "bob"),
        ("/api/v1/accounts/verify_credentials", None),  # no token: 401 on both
        ("/api/v1/timelines/home?limit=40", "alice"),
        ("/api/v1/timelines/public?limit=40", "alice"),
        ("/api/v1/timelines/public?limit=20&remote=true", None),
        ("/api/v1/notifications?limit=30", "alice"),
        (f"/api/v1/accounts/{alice}/followers?limit=40", "alice"),
        (f"/api/v1/accounts/{alice}/following?limit=40", "alice"),
        (f"/api/v1/accounts/{alice}", None),
        ("/api/v1/tags/cafe", "alice"),
        ("/api/v1/timelines/tag/3?limit=20", "alice"),
        ("/api/v1/favourites", "bob"),
        ("/api/v1/instance/peers", None),
        ("/api/v1/accounts/relationships?id[]=" + "&id[]=".join(map(str, facts["remote"][:5])), "alice"),
    ]
    requests += [(f"/api/v1/accounts/{i}", "alice") for i in facts["remote"]]
    requests += [(f"/api/v1/statuses/{i}", "bob") for i in facts["statuses"]]
    requests += [(f"/api/v1/statuses/{i}/context", "alice") for i in facts["replies"]]
    requests += [(f"/api/v1/accounts/{i}/statuses?limit=5", None) for i in facts["remote"][:5]]
    requests += [(f"/api/v1/fedi/generations/{i}", "alice") for i in facts["generations"]]
    assert len(requests) == 50
    return [(f"{path} as {who}", path, who) for path, who in requests]


async def _answers(
    runtime: Runtime, sample: list[tuple[str, str, str | None]], tokens: dict[str, str]
) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url=runtime.settings.base_url) as client:
        for name, path, who in sample:
            headers = {"Authorization": f"Bearer {tokens[who]}"} if who else {}
            response = await client.get(path, headers=headers)
            answers[name] = (response.status_code, response.json(), response.headers.get("link"))
    return answers


async def test_the_copy_is_verified_and_answers_like_the_original(
    tmp_path: Path, empty_postgres: str
) -> None:
    config = write_config(tmp_path, 8000, "", api={"rate_limit": 0})
    settings = load_settings(config)
    engine = make_engine(settings)
    migrate(engine)
    engine.dispose()
    original = build_runtime(settings, immediate_jobs=True, transport=FakeRemote().transport())
    ensure_system_accounts(original)
    facts = _populate(original)

    result = CliRunner().invoke(cli, ["--config", str(config), "db", "copy", "--to", empty_postgres])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines() if "sha256-sum" in line}
    for table, rows in (
        ("accounts", REMOTE + 3),  # alice, bob and the instance actor
        ("statuses", STATUSES),
        ("follows", REMOTE + 300),
        ("deliveries", DELIVERIES),
        ("generations", GENERATIONS),
        ("oauth_tokens", TOKENS + 2),
    ):
        assert f"{rows:,d} rows" in lines[table] and lines[table].endswith("ok"), lines[table]
    assert "copied and verified" in result.output

    copy_settings = load_settings(config, database={"url": empty_postgres})
    copy = build_runtime(copy_settings, immediate_jobs=True, transport=FakeRemote().transport())
    try:
        sample = _sample(facts)
        before = await _answers(original, sample, facts["tokens"])
        after = await _answers(copy, sample, facts["tokens"])
    finally:
        original.close()
        copy.close()
    assert before["/api/v1/accounts/verify_credentials as alice"][0] == 200  # the old token works
    assert before["/api/v1/accounts/verify_credentials as None"][0] == 401
    assert len(before["/api/v1/timelines/home?limit=40 as alice"][1]) == 40
    different = [name for name in before if before[name] != after[name]]
    assert different == [], different

    # A second copy into the now full database is refused, naming why.
    again = CliRunner().invoke(cli, ["--config", str(config), "db", "copy", "--to", empty_postgres])
    assert again.exit_code == 1 and "not empty (table accounts has rows)" in again.output
