"""Two fedi apps in one process, federating through an in-memory network (issue 10, Must show 2).

Each instance is its own runtime (own database, job queue, federation client and domain) and
its own ASGI app. `Network` is the httpx transport both federation clients use: it hands each
request to the app that owns the request's host, through Starlette's TestClient. Jobs run inline
(`immediate_jobs`), so a follow, its Accept, a post and a reply have crossed over by the time the
API call that caused them returns. The same journey over real HTTP between real servers is
tests/federation/test_two_instances.py; this one takes seconds and needs no ports.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from fedi.app import create_app
from fedi.composition import build_runtime
from fedi.runtime import Runtime
from fedi.security.passwords import Passwords
from fedi.services import oauth
from fedi.services.accounts import create_local_account
from fedi.services.system import ensure_system_accounts
from fedi.store import accounts as account_store
from tests.conftest import _Backends, make_test_settings

# Hop-by-hop and encoding headers describe the bytes TestClient already decoded.
_DROPPED = {"content-encoding", "content-length", "transfer-encoding"}


class Network(httpx.BaseTransport):
    """Routes each request to the in-process app serving its host; unknown hosts get a 502."""

    def __init__(self) -> None:
        self.apps: dict[str, TestClient] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        client = self.apps.get(request.url.host)
        if client is None:
            return httpx.Response(502, request=request)
        # Not entered as a context manager: each request gets its own event loop thread, so an
        # app that calls the other while serving (a signature check fetching the sender's key,
        # an inline delivery job) never waits on a loop that is busy waiting for it.
        answer = client.request(
            request.method, str(request.url), headers=request.headers, content=request.read()
        )
        headers = [(k, v) for k, v in answer.headers.multi_items() if k.lower() not in _DROPPED]
        return httpx.Response(answer.status_code, headers=headers, content=answer.content, request=request)


class Instance:
    """One fedi instance in this process: its runtime, its app and a signed-in user."""

    def __init__(self, runtime: Runtime, network: Network) -> None:
        self.runtime = runtime
        self.domain = runtime.settings.instance.domain
        self.web = TestClient(
            create_app(runtime),
            base_url=runtime.settings.base_url,
            raise_server_exceptions=False,
            follow_redirects=False,
        )
        network.apps[self.domain] = self.web
        self.token = ""

    def sign_up(self, username: str) -> None:
        with self.runtime.db.session() as session:
            account = create_local_account(
                session,
                self.runtime.urls,
                username=username,
                email=f"{username}@example.org",
                password="correct horse battery",
                passwords=self.runtime.passwords,
            )
            user = account_store.user_for_account(session, account.id)
            assert user is not None
            app = oauth.register_app(
                session,
                name="two apps",
                redirect_uris=[oauth.OOB],
                scopes=["read", "write", "follow"],
                website=None,
            ).application
            self.token = oauth.issue(session, app, ["read", "write", "follow"], user_id=user.id).access_token

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.web.request(method, path, headers={"Authorization": f"Bearer {self.token}"}, **kwargs)
        assert response.status_code == 200, (method, path, response.status_code, response.text)
        return response.json()


@pytest.fixture
def pair(tmp_path: Path, databases: _Backends) -> Iterator[tuple[Instance, Instance]]:
    network = Network()
    instances = []
    for domain in ("one.test", "two.test"):
        data_dir = tmp_path / domain
        data_dir.mkdir(mode=0o700)
        settings = make_test_settings(
            data_dir, databases.sqlite(data_dir), instance={"domain": domain, "https": True}
        )
        runtime = build_runtime(settings, immediate_jobs=True, transport=network, passwords=Passwords.light())
        ensure_system_accounts(runtime)
        instances.append(Instance(runtime, network))
    try:
        yield instances[0], instances[1]
    finally:
        for instance in instances:
            instance.runtime.close()


def test_follow_post_and_reply_cross_between_two_apps(pair: tuple[Instance, Instance]) -> None:
    one, two = pair
    one.sign_up("alice")
    two.sign_up("bob")

    # alice@one finds bob@two by handle (WebFinger, then his actor, fetched from two) and follows.
    found = one.api("GET", "/api/v2/search", params={"q": "@bob@two.test", "resolve": "true"})["accounts"]
    assert [a["acct"] for a in found] == ["bob@two.test"]
    bob_on_one = found[0]["id"]
    one.api("POST", f"/api/v1/accounts/{bob_on_one}/follow")
    # bob's account is not locked: two accepted, and one has the Accept.
    [relationship] = one.api("GET", "/api/v1/accounts/relationships", params={"id[]": bob_on_one})
    assert relationship["following"] is True and relationship["requested"] is False
    assert one.api("GET", "/api/v1/accounts/verify_credentials")["following_count"] == 1
    bob = two.api("GET", "/api/v1/accounts/verify_credentials")
    assert bob["followers_count"] == 1
    [follower] = two.api("GET", f"/api/v1/accounts/{bob['id']}/followers")
    assert follower["acct"] == "alice@one.test"

    # bob posts; the post reaches alice's home timeline on one.
    posted = two.api("POST", "/api/v1/statuses", json={"status": "hello from two"})
    home = one.api("GET", "/api/v1/timelines/home")
    [copy] = [s for s in home if s["uri"] == posted["uri"]]
    assert copy["account"]["acct"] == "bob@two.test"
    assert "hello from two" in copy["content"]

    # alice replies on one; the reply reaches two as a reply to bob's post, and bob is mentioned.
    reply = one.api(
        "POST", "/api/v1/statuses", json={"status": "@bob@two.test hello back", "in_reply_to_id": copy["id"]}
    )
    assert reply["in_reply_to_id"] == copy["id"]
    [there] = two.api("GET", f"/api/v1/statuses/{posted['id']}/context")["descendants"]
    assert there["uri"] == reply["uri"]
    assert there["in_reply_to_id"] == posted["id"]
    assert there["account"]["acct"] == "alice@one.test"
    mentions = [n for n in two.api("GET", "/api/v1/notifications") if n["type"] == "mention"]
    assert [n["status"]["uri"] for n in mentions] == [reply["uri"]]
