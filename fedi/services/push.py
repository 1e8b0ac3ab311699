"""Web Push subscriptions: one per access token, as Mastodon keeps them."""

from __future__ import annotations

import binascii
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import ec
from sqlmodel import Session

from activitypub.errors import FetchError
from activitypub.ssrf import check_url
from fedi.config import Settings
from fedi.errors import NotFound, Unprocessable
from fedi.models.push import PUSH_ALERTS, PushPolicy, PushSubscription
from fedi.services.vapid import b64url, b64url_decode
from fedi.store import push as store

MAX_ENDPOINT = 2048


@dataclass
class Preferences:
    """`data[alerts][...]` and `data[policy]`: which notifications are pushed."""

    alerts: dict[str, bool] = field(default_factory=dict)
    policy: PushPolicy = PushPolicy.ALL


@dataclass
class Keys:
    endpoint: str
    p256dh: str
    auth: str
    standard: bool = False


def preferences(alerts: dict[str, bool], policy: str | None) -> Preferences:
    if policy is not None and policy not in set(PushPolicy):
        raise Unprocessable(f"data[policy] must be one of {', '.join(PushPolicy)}", field="data[policy]")
    return Preferences(
        alerts={name: bool(alerts.get(name, False)) for name in PUSH_ALERTS},
        policy=PushPolicy(policy) if policy else PushPolicy.ALL,
    )


def _check_keys(settings: Settings, keys: Keys) -> Keys:
    """Refuse what could never be pushed to; return the keys in canonical base64url (clients
    send base64url or, like Mastodon.py, standard base64 with padding)."""
    if not keys.endpoint or len(keys.endpoint) > MAX_ENDPOINT:
        raise Unprocessable("subscription[endpoint] is missing or too long", field="subscription[endpoint]")
    try:
        check_url(
            keys.endpoint,
            allow_http=settings.federation.allow_http,
            allow_private_addresses=settings.federation.allow_private_addresses,
        )
    except FetchError as exc:
        raise Unprocessable(
            f"subscription[endpoint] is refused: {exc}", field="subscription[endpoint]"
        ) from None
    try:
        point = b64url_decode(keys.p256dh.strip())
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except (ValueError, binascii.Error):
        raise Unprocessable(
            "subscription[keys][p256dh] must be a P-256 public key in base64url",
            field="subscription[keys][p256dh]",
        ) from None
    try:
        secret = b64url_decode(keys.auth.strip())
    except (ValueError, binascii.Error):
        secret = b""
    if len(secret) != 16:
        raise Unprocessable(
            "subscription[keys][auth] must be 16 bytes in base64url", field="subscription[keys][auth]"
        )
    return Keys(keys.endpoint, b64url(point), b64url(secret), keys.standard)


def subscribe(
    session: Session,
    settings: Settings,
    *,
    token_id: int,
    access_token: str,
    account_id: int,
    keys: Keys,
    chosen: Preferences,
) -> PushSubscription:
    """Replace the token's subscription with a new one."""
    keys = _check_keys(settings, keys)
    item = PushSubscription(
        access_token_id=token_id,
        account_id=account_id,
        endpoint=keys.endpoint,
        key_p256dh=keys.p256dh,
        key_auth=keys.auth,
        standard=keys.standard,
        alerts=chosen.alerts,
        policy=chosen.policy,
        access_token=access_token,
    )
    return store.replace_for_token(session, item)


def current(session: Session, token_id: int) -> PushSubscription:
    item = store.for_token(session, token_id)
    if item is None:
        raise NotFound()
    return item


def change(session: Session, token_id: int, chosen: Preferences) -> PushSubscription:
    """Replace the alerts and policy (the endpoint and keys stay)."""
    item = current(session, token_id)
    item.alerts = chosen.alerts
    item.policy = chosen.policy
    session.add(item)
    session.flush()
    return item


def unsubscribe(session: Session, token_id: int) -> None:
    store.remove_for_token(session, token_id)
