"""A person's own domain blocks (Mastodon's "Block domain"): the domain's posts leave their
public and hashtag timelines and its accounts' notifications stop; its accounts that followed
them are removed from their followers, as Mastodon does. The instance's blocks are another
matter (fedi.services.federation.domain_policy)."""

from __future__ import annotations

from sqlmodel import Session

from activitypub.errors import FormatError
from activitypub.urls import normalize_host
from fedi.errors import Unprocessable
from fedi.models.accounts import Account
from fedi.models.relationships import AccountDomainBlock
from fedi.runtime import Runtime
from fedi.services import relationships
from fedi.store import relationships as store


def parse_domain(rt: Runtime, text: str | None) -> str:
    try:
        domain = normalize_host((text or "").strip().lower().removeprefix("https://").rstrip("/"))
    except FormatError:
        raise Unprocessable("domain: not a domain name", field="domain") from None
    if domain == rt.settings.instance.domain.lower():
        raise Unprocessable("domain: you cannot block your own server", field="domain")
    return domain


def block(session: Session, rt: Runtime, me: Account, text: str | None) -> None:
    domain = parse_domain(rt, text)
    if store.domain_block(session, me.id, domain) is None:
        session.add(AccountDomainBlock(account_id=me.id, domain=domain))
        session.flush()
    for follow in store.followers_on_domain(session, me.id, domain):
        relationships.remove_from_followers(session, rt, me, follow.account_id)


def unblock(session: Session, rt: Runtime, me: Account, text: str | None) -> None:
    found = store.domain_block(session, me.id, parse_domain(rt, text))
    if found is not None:
        session.delete(found)
