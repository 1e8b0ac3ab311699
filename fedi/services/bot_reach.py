"""Whom the image bot answers, as moderators switch it: a default for every server (everyone,
followers' servers only, local accounts only, or off) and a switch per remote domain (everyone,
followers' servers only, or off) that covers every name under it and overrides the default."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from fedi.errors import NotFound, Unprocessable
from fedi.models.accounts import Account
from fedi.models.moderation import BotDomainSwitch, BotReach
from fedi.runtime import Runtime
from fedi.services import audit, domain_blocks
from fedi.store import moderation as store

DEFAULT = ""
PER_DOMAIN = (BotReach.EVERYONE, BotReach.FOLLOWERS, BotReach.OFF)


def default(session: Session) -> BotReach:
    row = session.get(BotDomainSwitch, DEFAULT)
    return BotReach(row.reach) if row is not None else BotReach.EVERYONE


def answers(session: Session, bot: Account, asker: Account) -> bool:
    """Whether the bot answers this asker's mention."""
    reach = default(session)
    if reach == BotReach.OFF:
        return False
    if asker.domain is None:
        return True
    switch = store.bot_switch_for(session, asker.domain)
    if switch is not None:
        reach = BotReach(switch.reach)
    if reach == BotReach.FOLLOWERS:
        return store.followed_from(session, bot.id, asker.domain)
    return reach == BotReach.EVERYONE


def set_reach(session: Session, rt: Runtime, domain: str, reach: str, *, by: Account | None) -> None:
    """`domain` "" sets the default."""
    try:
        wanted = BotReach(reach)
    except ValueError:
        raise Unprocessable("Choose one of the settings offered", field="reach") from None
    name = domain_blocks.normalize(rt, domain) if domain.strip() else DEFAULT
    if name and wanted not in PER_DOMAIN:
        raise Unprocessable(
            "A domain is answered by everyone, followers' servers only, or off", field="reach"
        )
    row = session.get(BotDomainSwitch, name) or BotDomainSwitch(domain=name)
    row.reach, row.updated_at = wanted, datetime.now(UTC)
    session.add(row)
    audit.record(session, by, "set_bot_reach", "BotDomainSwitch", name or "*", wanted)


def remove(session: Session, domain: str, *, by: Account | None) -> None:
    row = session.get(BotDomainSwitch, domain) if domain else None
    if row is None:
        raise NotFound("No switch for that domain")
    session.delete(row)
    audit.record(session, by, "remove_bot_reach", "BotDomainSwitch", domain)
