"""SQLModel tables only: no queries, no serialisation (see fedi.store and fedi.convert)."""

from fedi.models.accounts import Account, User

__all__ = ["Account", "User"]
