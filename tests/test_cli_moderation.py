"""`fedi accounts suspend|unsuspend|delete|approve|role`, `fedi domains …`, `fedi reports list`."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from fedi.composition import build_runtime
from fedi.config import load_settings
from fedi.models.accounts import Account, acct_key
from fedi.models.federation import Report
from fedi.models.moderation import AdminAction
from fedi.store import accounts as account_store
from tests.test_cli import _invoke, config_file  # noqa: F401  (the fixture)


def _create(config: Path, name: str) -> None:
    code, output = _invoke(
        config, "accounts", "create", name, "--email", f"{name}@example.org", "--password", "correct horse"
    )
    assert code == 0, output


def test_account_and_domain_commands(config_file: Path) -> None:  # noqa: F811
    assert _invoke(config_file, "migrate")[0] == 0
    _create(config_file, "alice")
    _create(config_file, "bob")

    code, output = _invoke(config_file, "accounts", "role", "alice", "moderator")
    assert code == 0 and "alice is now moderator" in output
    assert "(moderator)" in _invoke(config_file, "accounts", "list")[1]
    assert _invoke(config_file, "accounts", "role", "alice", "emperor")[0] == 1
    assert _invoke(config_file, "accounts", "suspend", "nobody")[0] == 1

    code, output = _invoke(config_file, "accounts", "suspend", "bob", "--reason", "spam")
    assert code == 0 and "suspended bob" in output
    code, output = _invoke(config_file, "accounts", "unsuspend", "bob")
    assert code == 0, output
    code, output = _invoke(config_file, "accounts", "approve", "bob")
    assert code == 1 and "not waiting for approval" in output
    code, output = _invoke(config_file, "accounts", "delete", "bob", "--yes")
    assert code == 0, output
    code, output = _invoke(config_file, "accounts", "unsuspend", "bob")
    assert code == 1 and "deleted" in output

    runtime = build_runtime(load_settings(config_file))
    with runtime.db.session() as session:
        remote = Account(
            username="spammer",
            domain="spam.example",
            acct_key=acct_key("spammer", "spam.example"),
            uri="https://spam.example/users/spammer",
            inbox_url="https://spam.example/users/spammer/inbox",
        )
        session.add(remote)
        alice = account_store.by_acct(session, "alice", None)
        assert alice is not None
        session.flush()
        session.add(Report(reporter_account_id=alice.id, target_account_id=remote.id, comment="buy pills"))

    code, output = _invoke(config_file, "reports", "list")
    assert code == 0 and "alice -> spammer@spam.example\tother\t0 posts\tbuy pills" in output
    assert "no resolved reports" in _invoke(config_file, "reports", "list", "--resolved")[1]

    code, output = _invoke(config_file, "domains", "block", "Spam.Example", "--public-comment", "spam")
    assert code == 0 and "blocked Spam.Example (suspend)" in output
    code, output = _invoke(
        config_file, "domains", "block", "spam.example", "--severity", "silence", "--reject-media"
    )
    assert code == 0, output
    assert "spam.example\tsilence\treject_media" in _invoke(config_file, "domains", "list")[1]
    assert _invoke(config_file, "domains", "block", "localhost:8000")[0] == 1
    assert _invoke(config_file, "domains", "block", "x.example", "--severity", "nuke")[0] == 1
    code, output = _invoke(config_file, "domains", "purge", "spam.example")
    assert code == 0 and "removed 0 posts" in output
    assert _invoke(config_file, "domains", "unblock", "spam.example")[0] == 0
    assert _invoke(config_file, "domains", "unblock", "spam.example")[0] == 1
    assert "no domain is blocked" in _invoke(config_file, "domains", "list")[1]
    assert _invoke(config_file, "domains", "allow", "friends.example")[0] == 0
    assert "friends.example\tallowed" in _invoke(config_file, "domains", "list")[1]
    assert _invoke(config_file, "domains", "disallow", "friends.example")[0] == 0
    assert _invoke(config_file, "domains", "disallow", "friends.example")[0] == 1

    assert "no rules yet" in _invoke(config_file, "rules", "list")[1]
    assert _invoke(config_file, "rules", "add", "Be kind", "--hint", "Really")[0] == 0
    [rule_id] = [line.split("\t")[0] for line in _invoke(config_file, "rules", "list")[1].splitlines()]
    assert _invoke(config_file, "rules", "edit", rule_id, "Be kinder")[0] == 0
    assert f"{rule_id}\tBe kinder\t(Really)" in _invoke(config_file, "rules", "list")[1]
    assert _invoke(config_file, "rules", "add", "x" * 301)[0] == 1
    assert _invoke(config_file, "rules", "remove", rule_id)[0] == 0
    assert _invoke(config_file, "rules", "remove", rule_id)[0] == 1

    with runtime.db.reader() as session:
        actions = [a.action for a in session.exec(select(AdminAction).order_by(AdminAction.id)).all()]  # type: ignore[arg-type]
    runtime.close()
    assert actions == [
        "change_role",
        "suspend",
        "unsuspend",
        "delete",
        "create_domain_block",
        "update_domain_block",
        "destroy_domain_block",
        "create_domain_allow",
        "destroy_domain_allow",
        "create_rule",
        "update_rule",
        "destroy_rule",
    ]
