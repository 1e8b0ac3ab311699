"""The time window a signature must fall in, as Mastodon's ``SignedRequest`` computes it."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..errors import SignatureExpired

DEFAULT_EXPIRY = timedelta(minutes=5)
EXPIRATION_WINDOW_LIMIT = timedelta(hours=12)
CLOCK_SKEW_MARGIN = timedelta(hours=1)


def check_time_window(created: datetime, expires: datetime | None, *, now: datetime) -> None:
    """Refuse a signature created over 1 h in the future or expired over 1 h ago.

    Expiry defaults to created + 5 min and is capped at created + 12 h, so a plain
    ``Date`` header is accepted for about 65 minutes.
    """
    expires = min(expires or created + DEFAULT_EXPIRY, created + EXPIRATION_WINDOW_LIMIT)
    if created > now + CLOCK_SKEW_MARGIN or now > expires + CLOCK_SKEW_MARGIN:
        raise SignatureExpired()
