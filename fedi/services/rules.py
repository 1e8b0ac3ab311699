"""The server rules: `instance.rules` from the config until a moderator edits them here; from
then on the `server_rules` table (the config's list is copied in first, keeping ids 1, 2, …, so
reports that named those rules still do). Removed rules stay, marked, for the same reason."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from fedi.config import Settings
from fedi.errors import NotFound, Unprocessable
from fedi.ids import new_id
from fedi.models.accounts import Account
from fedi.models.moderation import ServerRule
from fedi.services import audit
from fedi.store import moderation as store
from fedi.store.moderation import Rule

TEXT_MAX = 300  # Mastodon's limit
HINT_MAX = 2000


def current(session: Session, settings: Settings) -> list[Rule]:
    """The rules in force, in order."""
    rows = store.server_rules(session)
    if not rows:
        return [Rule(n, text) for n, text in enumerate(settings.instance.rules, 1)]
    return [Rule(r.id, r.text, r.hint) for r in rows if r.deleted_at is None]


def known(session: Session, settings: Settings) -> dict[int, Rule]:
    """Every rule a report may name, removed ones included, by id."""
    rows = store.server_rules(session)
    if not rows:
        return {rule.id: rule for rule in current(session, settings)}
    return {r.id: Rule(r.id, r.text, r.hint) for r in rows}


def add(session: Session, settings: Settings, text: str, hint: str = "", *, by: Account | None) -> ServerRule:
    rows = _editable(session, settings)
    row = ServerRule(
        id=new_id(),
        text=_text(text),
        hint=_hint(hint),
        position=max((r.position for r in rows), default=0) + 1,
    )
    session.add(row)
    audit.record(session, by, "create_rule", "Rule", row.id, row.text)
    return row


def edit(
    session: Session,
    settings: Settings,
    rule_id: int,
    text: str,
    hint: str | None = None,
    *,
    by: Account | None,
) -> ServerRule:
    row = _live(_editable(session, settings), rule_id)
    row.text = _text(text)
    row.hint = row.hint if hint is None else _hint(hint)
    row.updated_at = datetime.now(UTC)
    session.add(row)
    audit.record(session, by, "update_rule", "Rule", row.id, row.text)
    return row


def remove(session: Session, settings: Settings, rule_id: int, *, by: Account | None) -> ServerRule:
    row = _live(_editable(session, settings), rule_id)
    row.deleted_at = datetime.now(UTC)
    session.add(row)
    audit.record(session, by, "destroy_rule", "Rule", row.id, row.text)
    return row


def _editable(session: Session, settings: Settings) -> list[ServerRule]:
    """The rule rows, made from the config's list the first time rules are edited."""
    rows = store.server_rules(session)
    if rows:
        return rows
    rows = [ServerRule(id=n, text=text, position=n) for n, text in enumerate(settings.instance.rules, 1)]
    session.add_all(rows)
    session.flush()
    return rows


def _live(rows: list[ServerRule], rule_id: int) -> ServerRule:
    row = next((r for r in rows if r.id == rule_id and r.deleted_at is None), None)
    if row is None:
        raise NotFound(f"no rule {rule_id}")
    return row


def _text(text: str) -> str:
    text = text.strip()
    if not text or len(text) > TEXT_MAX:
        raise Unprocessable(f"a rule is 1 to {TEXT_MAX} characters", field="text")
    return text


def _hint(hint: str) -> str:
    hint = hint.strip()
    if len(hint) > HINT_MAX:
        raise Unprocessable(f"a hint is at most {HINT_MAX} characters", field="hint")
    return hint
