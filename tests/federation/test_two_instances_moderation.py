"""Moderation between two fedi servers over real HTTP: a forwarded report, a suspension that
federates, and a suspended domain (issue 13, Must show 1 and 2). Both run on SQLite."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mastodon import Mastodon
from sqlalchemy import create_engine, text

from tests.federation.test_two_instances import PASSWORD, _client, _instance, eventually
from tests.support.processes import ROOT, Server, _env

pytestmark = pytest.mark.slow
ADMIN_SCOPES = ["read", "write", "follow", "admin:read", "admin:write"]


@pytest.fixture
def two(tmp_path: Path) -> Iterator[dict[str, Any]]:
    one, one_domain = _instance(tmp_path / "one", None, ["alice", "carol", "mod"])
    two, two_domain = _instance(tmp_path / "two", None, ["bob"])
    try:
        yield {"one": one, "two": two, "one_domain": one_domain, "two_domain": two_domain, "tmp": tmp_path}
    finally:
        one.stop()
        two.stop()


def _fedi(server: Server, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "fedi", "--config", str(server.config), *args],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _admin(server: Server, user: str) -> Mastodon:
    client_id, client_secret = Mastodon.create_app("moderation", api_base_url=server.url, scopes=ADMIN_SCOPES)
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=server.url)
    api.log_in(username=f"{user}@example.org", password=PASSWORD, scopes=ADMIN_SCOPES, allow_http=True)
    return api


def _uris(statuses: list[dict[str, Any]]) -> set[str]:
    return {s["uri"] for s in statuses}


def _deliveries_to(database: Path, host: str) -> list[tuple[str, str | None]]:
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT state, last_error FROM deliveries WHERE host = :host ORDER BY id"),
                {"host": host},
            )
            return [(state, error) for state, error in rows]
    finally:
        engine.dispose()


def test_a_forwarded_report_a_federated_suspension_and_a_suspended_domain(two: dict[str, Any]) -> None:
    one_domain, two_domain = two["one_domain"], two["two_domain"]
    assert "mod is now admin" in _fedi(two["one"], "accounts", "role", "mod", "admin")
    alice, carol, mod = _client(two["one"], "alice"), _client(two["one"], "carol"), _admin(two["one"], "mod")
    bob = _client(two["two"], "bob")

    # bob@two follows alice@one and sees her post; carol@one follows bob.
    alice_there = bob.search_v2(f"@alice@{one_domain}", resolve=True)["accounts"][0]
    bob.account_follow(alice_there["id"])
    eventually(lambda: bob.account_relationships(alice_there["id"])[0]["following"], what="bob's follow")
    bob_here = carol.search_v2(f"@bob@{two_domain}", resolve=True)["accounts"][0]
    carol.account_follow(bob_here["id"])
    eventually(lambda: carol.account_relationships(bob_here["id"])[0]["following"], what="carol's follow")
    posted = alice.status_post("hello from alice")
    copy = eventually(
        lambda: next((s for s in bob.timeline_home() if s["uri"] == posted["uri"]), None), what="alice's post"
    )
    assert posted["uri"] in _uris(bob.timeline_public())

    # Must show 1: bob reports alice with forward; the Flag reaches one's queue and admin API.
    bob.report(alice_there["id"], status_ids=[copy["id"]], comment="abusive", forward=True)
    report = eventually(lambda: next(iter(mod.admin_reports()), None), what="the forwarded report")
    assert report["target_account"]["username"] == "alice" and report["comment"] == "abusive"
    assert [s["uri"] for s in report["statuses"]] == [posted["uri"]]
    assert report["account"]["domain"] == two_domain  # two's instance actor, not bob
    assert any(n["type"] == "admin.report" for n in mod.notifications())

    mod.admin_account_moderate(alice.me()["id"], "suspend", report_id=report["id"])
    assert mod.admin_reports() == []

    def alice_gone_on_two() -> bool:
        shown = _uris(bob.timeline_home()) | _uris(bob.timeline_public())
        return posted["uri"] not in shown

    eventually(alice_gone_on_two, what="alice's Delete on two")

    # Must show 2: one suspends two's domain. bob's post from before disappears from carol's
    # view, and two's deliveries are refused with 403, nothing stored.
    before = bob.status_post("bob before the block")
    eventually(lambda: before["uri"] in _uris(carol.timeline_home()), what="bob's post on one")
    block = mod.admin_create_domain_block(two_domain, severity="suspend")
    eventually(lambda: before["uri"] not in _uris(carol.timeline_public()), what="the purge")
    assert carol.search_v2(f"@bob@{two_domain}", resolve=True)["accounts"] == []
    assert carol.search_v2("bob", resolve=False)["accounts"] == []

    refused = bob.status_post("bob while blocked")
    two_db = two["tmp"] / "two" / "data" / "fedi.sqlite3"
    one_db = two["tmp"] / "one" / "data" / "fedi.sqlite3"

    def refused_with_403() -> bool:
        return any(
            state == "failed" and "403" in (error or "")
            for state, error in _deliveries_to(two_db, one_domain)
        )

    eventually(refused_with_403, what="two's delivery refused")
    assert refused["uri"] not in _uris(carol.timeline_public())
    # one sends nothing to two: carol's new post makes no delivery there.
    sent_before = len(_deliveries_to(one_db, two_domain))
    carol.status_post("carol while two is blocked")
    assert len(_deliveries_to(one_db, two_domain)) == sent_before

    # Unblocking restores federation for new activity.
    mod.admin_delete_domain_block(block["id"])
    after = bob.status_post("bob after the unblock")
    eventually(lambda: after["uri"] in _uris(carol.timeline_public()), what="bob's post after the unblock")
    assert refused["uri"] not in _uris(carol.timeline_public())
