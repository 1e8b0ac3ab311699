"""What each process needs before it serves: the instance actor (signs fetches), the image bot,
and its own id node."""

from __future__ import annotations

from sqlmodel import Session

from activitypub.signatures.keys import generate_rsa_private_key_pem, public_key_pem_of
from fedi import ids
from fedi.models.accounts import Account, acct_key
from fedi.runtime import Runtime
from fedi.services.accounts import create_local_account
from fedi.store import accounts as account_store
from fedi.store import id_nodes

INSTANCE_ACTOR_USERNAME = "instance.actor"


def instance_actor(session: Session, rt: Runtime) -> Account:
    account = account_store.by_uri(session, rt.urls.instance_actor())
    if account is None:
        raise RuntimeError("the instance actor is missing: run `fedi migrate` or `fedi serve`")
    return account


def claim_id_node(rt: Runtime) -> None:
    """Give this long-running process ids no other process sharing the database mints."""
    with rt.db.session() as session:
        node = id_nodes.claim(session)
    ids.use_node(node)


def ensure_system_accounts(rt: Runtime) -> None:
    """Create the instance actor and (when generation is on) the image bot, once."""
    with rt.db.session() as session:
        if account_store.by_uri(session, rt.urls.instance_actor()) is None:
            private_pem = generate_rsa_private_key_pem()
            uri = rt.urls.instance_actor()
            session.add(
                Account(
                    username=INSTANCE_ACTOR_USERNAME,
                    domain=None,
                    acct_key=acct_key(INSTANCE_ACTOR_USERNAME, None),
                    actor_type="Application",
                    display_name=rt.settings.instance.name,
                    uri=uri,
                    url=rt.urls.base,
                    inbox_url=f"{uri}/inbox",
                    shared_inbox_url=rt.urls.shared_inbox(),
                    outbox_url=f"{uri}/outbox",
                    public_key_id=f"{uri}#main-key",
                    public_key_pem=public_key_pem_of(private_pem),
                    private_key_pem=private_pem,
                    discoverable=False,
                    indexable=False,
                )
            )
        bot = rt.settings.generation.bot_username
        if rt.settings.generation.enabled and account_store.by_acct(session, bot, None) is None:
            account = create_local_account(
                session, rt.urls, username=bot, actor_type="Service", display_name="Imagine"
            )
            account.note = (
                f"<p>I make images on {rt.settings.instance.domain}. Mention me with a prompt, "
                "for example: @" + bot + " a lighthouse at dusk, oil painting</p>"
            )
            session.add(account)
