"""Sign-in throttling: per client address and per account, before any password is hashed.

Each try costs an argon2id hash (64 MiB, about a quarter of a second), so an unthrottled form is
both a brute-force door and a way to exhaust the server. Every try counts against its address
(`sign_in.per_address`, Mastodon's 25 per 5 minutes); failed tries also count against the
e-mail address tried (`sign_in.per_account`), so many addresses cannot share out one account's
guesses, while its owner's own successful sign-ins never count. Counters live where the API
rate limiter keeps its own: in memory, or in Redis when streaming uses Redis (shared by every
web process).
"""

from __future__ import annotations

import time

from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter

from fedi.config import Settings
from fedi.errors import TooManyRequests
from fedi.security.counters import counter_storage


class SignInThrottle:
    def __init__(self, settings: Settings) -> None:
        self.per_address: RateLimitItem = parse(settings.sign_in.per_address)
        self.per_account: RateLimitItem = parse(settings.sign_in.per_account)
        self._settings = settings
        self._limiter: MovingWindowRateLimiter | None = None

    def _get_limiter(self) -> MovingWindowRateLimiter:
        # Built on first use: the memory storage needs the running event loop.
        if self._limiter is None:
            self._limiter = MovingWindowRateLimiter(counter_storage(self._settings))
        return self._limiter

    async def attempt(self, address: str, account: str) -> None:
        """Count a try from `address` for `account` (an e-mail address or username); raise
        TooManyRequests, without counting, when either is over its budget."""
        limiter = self._get_limiter()
        account_key = account.strip().lower()
        if not await limiter.test(self.per_account, "sign-in-account", account_key):
            raise await self._too_many(self.per_account, "sign-in-account", account_key)
        if not await limiter.hit(self.per_address, "sign-in-address", address):
            raise await self._too_many(self.per_address, "sign-in-address", address)

    async def failed(self, account: str) -> None:
        """A try for `account` failed: it counts against the account's budget."""
        await self._get_limiter().hit(self.per_account, "sign-in-account", account.strip().lower())

    async def _too_many(self, item: RateLimitItem, *keys: str) -> TooManyRequests:
        stats = await self._get_limiter().get_window_stats(item, *keys)
        return TooManyRequests(
            "Too many sign-in attempts; wait a few minutes and try again",
            retry_after=max(int(stats.reset_time - time.time()), 1),
        )
