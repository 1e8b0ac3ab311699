"""Remote posts nobody here touched are forgotten after `remote_status_days`; anything a local
account favourited, bookmarked, boosted, answered, was mentioned in or remixed stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select
from typer.testing import CliRunner

from fedi.cli import app as cli
from fedi.config import Settings
from fedi.ids import new_id
from fedi.models.accounts import Account, acct_key
from fedi.models.statuses import Mention, Status
from fedi.runtime import Runtime
from fedi.services import interactions, statuses
from fedi.services.federation.retention import prune_remote_statuses

OLD = datetime.now(UTC) - timedelta(days=40)


def _remote_post(runtime: Runtime, author: Account, name: str, *, at: datetime = OLD) -> Status:
    with runtime.db.session() as session:
        status = Status(
            id=new_id(at),
            uri=f"https://remote.test/statuses/{name}",
            url=f"https://remote.test/statuses/{name}",
            account_id=author.id,
            local=False,
            content=f"<p>{name}</p>",
            visibility="public",
            created_at=at,
        )
        session.add(status)
    return status


def _uris(runtime: Runtime) -> set[str]:
    with runtime.db.reader() as session:
        return {s.uri.rsplit("/", 1)[1] for s in session.exec(select(Status).where(Status.local == False))}  # noqa: E712


def test_only_untouched_old_remote_posts_are_pruned(runtime: Runtime, local_account: Account) -> None:
    with runtime.db.session() as session:
        bob = Account(
            username="bob",
            domain="remote.test",
            acct_key=acct_key("bob", "remote.test"),
            uri="https://remote.test/users/bob",
            inbox_url="https://remote.test/users/bob/inbox",
        )
        session.add(bob)
    posts = {
        name: _remote_post(runtime, bob, name)
        for name in ("untouched", "favourited", "bookmarked", "answered", "mentions-alice", "remixed")
    }
    _remote_post(runtime, bob, "recent", at=datetime.now(UTC) - timedelta(days=2))
    with runtime.db.session() as session:
        interactions.favourite(session, runtime, local_account, posts["favourited"].id)
        interactions.bookmark(session, local_account, posts["bookmarked"].id, on=True)
        session.add(Mention(status_id=posts["mentions-alice"].id, account_id=local_account.id))
    with runtime.db.session() as session:
        statuses.create(
            session,
            runtime,
            local_account,
            statuses.StatusDraft(text="nice", in_reply_to_id=posts["answered"].id),
        )
        statuses.create(
            session,
            runtime,
            local_account,
            statuses.StatusDraft(text="my take", remix_of_uri=posts["remixed"].uri),
        )
    assert prune_remote_statuses(runtime, timedelta(days=30)) == 1
    assert _uris(runtime) == {"favourited", "bookmarked", "answered", "mentions-alice", "remixed", "recent"}
    assert prune_remote_statuses(runtime, timedelta(days=30)) == 0  # nothing more to do


def test_the_prune_command_reports_each_kind_and_usage_sums_the_storage(
    runtime: Runtime, settings: Settings, local_account: Account
) -> None:
    with runtime.db.session() as session:
        carol = Account(
            username="carol",
            domain="remote.test",
            acct_key=acct_key("carol", "remote.test"),
            uri="https://remote.test/users/carol",
            inbox_url="https://remote.test/users/carol/inbox",
        )
        session.add(carol)
    for name in ("a", "b"):
        _remote_post(runtime, carol, name)
    config = Path(settings.data_dir) / "config.toml"
    config.write_text(
        f'data_dir = "{settings.data_dir}"\n[database]\nurl = "{settings.database.url}"\n'
        f'[instance]\ndomain = "{settings.instance.domain}"\n'
    )
    runner = CliRunner()
    result = runner.invoke(
        cli, ["--config", str(config), "media", "prune", "--older-than", "7d", "--statuses-older-than", "30d"]
    )
    assert result.exit_code == 0, result.output
    assert "removed 0 cached remote image(s), 0 bytes freed" in result.output
    assert "deleted 2 remote post(s) nobody here interacted with" in result.output
    assert "deleted 0 processed inbox item(s)" in result.output
    assert _uris(runtime) == set()

    (settings.media_dir / "cache" / "1").mkdir(parents=True)
    (settings.media_dir / "cache" / "1" / "abc.png").write_bytes(b"x" * 300)
    (settings.media_dir / "generated" / "2").mkdir(parents=True)
    (settings.media_dir / "generated" / "2" / "original.webp").write_bytes(b"y" * 700)
    usage = runner.invoke(cli, ["--config", str(config), "media", "usage"])
    assert usage.exit_code == 0, usage.output
    lines = {line.split("  ")[0].strip(): line for line in usage.output.splitlines()}
    assert "300 bytes" in lines["remote media cache"] and "700 bytes" in lines["generated images"]
    assert "1,000 bytes" in lines["total"]
