"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106).

The composition root builds one `Passwords` per runtime (`rt.passwords`) and services take it as
an argument; tests hand `build_runtime` a light one (`Passwords.light()`).
"""

from __future__ import annotations

from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from fedi.security.tokens import new_secret


class Passwords:
    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()

    @classmethod
    def light(cls) -> Passwords:
        """Cheap argon2 parameters, for tests only: hashing takes a millisecond."""
        return cls(PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)

    @cached_property
    def decoy(self) -> str:
        """A hash of nothing anyone knows: an unknown address costs a check too (timing)."""
        return self.hash(new_secret())
