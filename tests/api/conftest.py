"""Fixtures for the client API: signed-in callers with tokens, a second local account, images."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from PIL import Image
from starlette.testclient import TestClient

from activitypub.testing import STATIC_KEYS
from fedi.models.accounts import Account
from fedi.runtime import Runtime
from fedi.services import oauth
from fedi.services.accounts import create_local_account


@pytest.fixture(autouse=True)
def _cheap_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pre-generated RSA keys: accounts cost milliseconds, not half a second (the `runtime`
    fixture hashes passwords with `Passwords.light()`)."""
    for module in ("fedi.services.accounts", "fedi.services.system"):
        monkeypatch.setattr(f"{module}.generate_rsa_private_key_pem", lambda: STATIC_KEYS[2].private_key_pem)


@dataclass(frozen=True)
class Caller:
    """A local account and a bearer token for it."""

    account: Account
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def issue_token(runtime: Runtime, account: Account | None, scopes: str = "read write follow push") -> str:
    """A token as the authorization-code flow would issue it, without the pages."""
    with runtime.db.session() as session:
        app = oauth.register_app(
            session, name="tests", redirect_uris=[oauth.OOB], scopes=scopes.split(), website=None
        ).application
        user_id = None
        if account is not None:
            from fedi.store import accounts as account_store

            user = account_store.user_for_account(session, account.id)
            assert user is not None
            user_id = user.id
        issued = oauth.issue(session, app, scopes.split(), user_id=user_id)
        return issued.access_token


@pytest.fixture
def web(runtime: Runtime) -> Iterator[TestClient]:
    """The app in process through Starlette's TestClient, for WebSockets."""
    from fedi.app import create_app

    with TestClient(create_app(runtime), base_url="https://fedi.test") as client:
        yield client


@pytest.fixture
def alice(runtime: Runtime, local_account: Account) -> Caller:
    return Caller(local_account, issue_token(runtime, local_account))


def local_caller(runtime: Runtime, username: str) -> Caller:
    with runtime.db.session() as session:
        account = create_local_account(
            session,
            runtime.urls,
            username=username,
            email=f"{username}@example.org",
            password="battery staple",
            passwords=runtime.passwords,
        )
    return Caller(account, issue_token(runtime, account))


@pytest.fixture
def bob(runtime: Runtime) -> Caller:
    return local_caller(runtime, "bob")


@pytest.fixture
def carol(runtime: Runtime) -> Caller:
    return local_caller(runtime, "carol")


def image_bytes(
    fmt: str = "PNG", size: tuple[int, int] = (64, 48), color: str = "teal", **save: object
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt, **save)
    return buffer.getvalue()
