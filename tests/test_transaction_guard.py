"""No network I/O while a database transaction is open: the federation client refuses to start
a request in a thread that holds one, and the test suite fails whenever that happens."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from activitypub.testing import FakeRemote
from fedi.db import NetworkInTransaction, TransactionTracker
from fedi.runtime import Runtime

ROOT = Path(__file__).resolve().parents[1]
BOB = "https://remote.test/users/bob"


@pytest.mark.network_in_transaction
def test_a_request_inside_a_transaction_is_refused_before_it_leaves(
    runtime: Runtime, remote: FakeRemote
) -> None:
    remote.add_actor("bob")
    before = TransactionTracker.refused_total
    with pytest.raises(NetworkInTransaction), runtime.db.session():
        runtime.http.fetch_object(BOB, signed_as=None)
    with runtime.db.reader() as session:
        session.connection()  # a reading transaction holds a connection (and SQLite's snapshot)
        with pytest.raises(NetworkInTransaction):
            runtime.http.fetch_object(BOB, signed_as=None)
    assert TransactionTracker.refused_total == before + 2
    assert remote.requests == []  # neither request went out


def test_requests_outside_transactions_and_after_commit_go_out(runtime: Runtime, remote: FakeRemote) -> None:
    remote.add_actor("bob")
    assert runtime.http.fetch_object(BOB, signed_as=None)["id"] == BOB
    fetched: list[str] = []
    with runtime.db.session() as session:
        # Jobs queued for after the commit run inline in tests; the transaction is over by then.
        from fedi.db import on_commit

        on_commit(session, lambda: fetched.append(runtime.http.fetch_object(BOB, signed_as=None)["id"]))
    assert fetched == [BOB]
    assert len(remote.requests) == 2


@pytest.mark.slow
def test_the_suite_fails_when_a_request_starts_inside_a_transaction() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/support/transaction_probe.py",
            "-k",
            "sqlite",
            "-p",
            "no:cacheprovider",
            "-q",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0, run.stdout
    assert "1 remote request(s) started inside a database transaction" in run.stdout


def _takes_a_session(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    arguments = function.args.posonlyargs + function.args.args + function.args.kwonlyargs
    return any(
        a.arg == "session" or (a.annotation is not None and "Session" in ast.unparse(a.annotation))
        for a in arguments
    )


def test_no_function_given_a_session_reaches_the_http_client() -> None:
    """The rule in the code's shape: what is given a session stores and reads; what fetches
    (services/federation/remote.py's fetch phase, fetches.py) is given no session."""
    offenders = []
    for path in sorted((ROOT / "fedi").rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) or not _takes_a_session(
                function
            ):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Attribute) and node.attr in ("http", "fetches"):
                    offenders.append(
                        f"{path.relative_to(ROOT)}:{node.lineno} {function.name} uses .{node.attr}"
                    )
    assert offenders == []
