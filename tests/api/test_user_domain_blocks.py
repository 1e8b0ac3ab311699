"""A person blocks a whole domain for themselves: its posts leave their public timelines and
its notifications stop; its accounts that followed them no longer do."""

from __future__ import annotations

import httpx

from fedi.models.accounts import Account, acct_key
from fedi.models.relationships import Follow
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import interactions, statuses
from tests.api.conftest import issue_token


def _remote(runtime: Runtime, name: str, domain: str) -> Account:
    with runtime.db.session() as session:
        account = Account(
            username=name,
            domain=domain,
            acct_key=acct_key(name, domain),
            uri=f"https://{domain}/users/{name}",
            inbox_url=f"https://{domain}/users/{name}/inbox",
        )
        session.add(account)
    return account


def _post(runtime: Runtime, author: Account, text: str) -> None:
    with runtime.db.session() as session:
        session.add(
            Status(
                uri=f"{author.uri}/statuses/{text}",
                account_id=author.id,
                local=False,
                content=f"<p>{text}</p>",
                visibility="public",
            )
        )


async def test_a_blocked_domain_leaves_timelines_notifications_and_followers(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account
) -> None:
    auth = {"Authorization": f"Bearer {issue_token(runtime, local_account)}"}
    spam = _remote(runtime, "spammer", "spam.example")
    friend = _remote(runtime, "friend", "good.example")
    _post(runtime, spam, "buy-now")
    _post(runtime, friend, "hello")
    with runtime.db.session() as session:
        session.add(
            Follow(account_id=spam.id, target_account_id=local_account.id, uri=f"{spam.uri}#f", accepted=True)
        )
        mine = statuses.create(session, runtime, local_account, statuses.StatusDraft(text="mine"))
    with runtime.db.session() as session:
        interactions.favourite(session, runtime, spam, mine.id)
        interactions.favourite(session, runtime, friend, mine.id)

    def texts(answer: httpx.Response) -> list[str]:
        return sorted(s["content"] for s in answer.json())

    assert texts(await client.get("/api/v1/timelines/public", headers=auth)) == [
        "<p>buy-now</p>",
        "<p>hello</p>",
        "<p>mine</p>",
    ]
    blocked = await client.post("/api/v1/domain_blocks", data={"domain": "SPAM.example"}, headers=auth)
    assert blocked.status_code == 200 and blocked.json() == {}
    assert (await client.get("/api/v1/domain_blocks", headers=auth)).json() == ["spam.example"]
    assert texts(await client.get("/api/v1/timelines/public", headers=auth)) == [
        "<p>hello</p>",
        "<p>mine</p>",
    ]
    notified = (await client.get("/api/v1/notifications", headers=auth)).json()
    assert [n["account"]["acct"] for n in notified] == ["friend@good.example"]
    with runtime.db.reader() as session:
        assert session.get(Account, local_account.id).followers_count == 0  # type: ignore[union-attr]

    assert (
        await client.post("/api/v1/domain_blocks", data={"domain": "fedi.test"}, headers=auth)
    ).status_code == 422
    assert (
        await client.post("/api/v1/domain_blocks", data={"domain": "not a domain"}, headers=auth)
    ).status_code == 422
    lifted = await client.request(
        "DELETE", "/api/v1/domain_blocks", params={"domain": "spam.example"}, headers=auth
    )
    assert lifted.status_code == 200
    assert (await client.get("/api/v1/domain_blocks", headers=auth)).json() == []
    assert len((await client.get("/api/v1/timelines/public", headers=auth)).json()) == 3
    assert (await client.get("/api/v1/domain_blocks")).status_code == 401
