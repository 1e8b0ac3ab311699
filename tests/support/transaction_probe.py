"""Run by tests/test_transaction_guard.py in a pytest of its own (not collected by the suite):
code that starts a remote request inside a transaction and swallows the error still fails."""

from __future__ import annotations

from fedi.db import NetworkInTransaction
from fedi.runtime import Runtime


def test_swallowing_the_refusal_does_not_hide_it(runtime: Runtime) -> None:
    with runtime.db.session():
        try:
            runtime.http.fetch_object("https://remote.test/users/bob", signed_as=None)
        except NetworkInTransaction:
            pass
