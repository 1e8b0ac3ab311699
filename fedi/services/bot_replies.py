"""How often the image bot answers (its own small unit, so other reply kinds can join it).

Every reply counts against two hourly budgets: the asker's and, for a remote asker, its
registrable domain's (`generation.bot_replies_per_asker_per_hour`, `..._per_domain_per_hour`).
A refusal also goes out at most once per asker per hour. Over a budget the bot stays silent:
a stranger must not be able to make it post, or deliver, at will.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from fedi.config import Settings
from fedi.domains import registrable_domain
from fedi.models.accounts import Account
from fedi.models.generations import BotReply, BotReplyKind
from fedi.store import bot_replies as store

WINDOW = timedelta(hours=1)


def within_budget(session: Session, settings: Settings, asker: Account) -> bool:
    """Whether the bot may still answer this asker this hour."""
    since = datetime.now(UTC) - WINDOW
    limits = settings.generation
    if store.count_to_account_since(session, asker.id, since) >= limits.bot_replies_per_asker_per_hour:
        return False
    domain = _domain(asker)
    return domain is None or store.count_to_domain_since(session, domain, since) < (
        limits.bot_replies_per_domain_per_hour
    )


def first_in(session: Session, asker: Account, kind: BotReplyKind, window: timedelta) -> bool:
    """Whether no reply of `kind` went to this asker within `window` (refusals: one an hour)."""
    since = datetime.now(UTC) - window
    return store.count_to_account_since(session, asker.id, since, kind) == 0


def record(session: Session, asker: Account, kind: BotReplyKind) -> None:
    session.add(BotReply(account_id=asker.id, domain=_domain(asker), kind=kind))


def _domain(asker: Account) -> str | None:
    return registrable_domain(asker.domain) if asker.domain is not None else None
