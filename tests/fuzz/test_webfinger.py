"""WebFinger from both sides: hostile resources asked of us, hostile JRDs answered to us."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activitypub.errors import FormatError
from activitypub.webfinger import Acct, actor_url_from_jrd, parse_acct, subject_of_jrd
from fedi.errors import FediError
from fedi.models.accounts import Account
from fedi.runtime import Runtime
from fedi.services.federation import documents

from .strategies import JSON

RESOURCE = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda scheme, user, at, host: f"{scheme}{user}{at}{host}",
        st.sampled_from(["acct:", "ACCT:", "@", "", "https://fedi.test/users/", "mailto:"]),
        st.sampled_from(["alice", "Alice", "", "al ice", "a/b", "imagine", "x" * 600]),
        st.sampled_from(["@", "@@", "", "%40"]),
        st.sampled_from(
            ["fedi.test", "FEDI.test.", "fedi.test:443", "other.test", "", "[::1]", "fedi.test:99999"]
        ),
    ),
)


@given(RESOURCE)
def test_addresses_parse_or_are_refused(resource: str) -> None:
    try:
        acct = parse_acct(resource)
    except FormatError:
        return
    assert "@" not in acct.host and acct.username and acct.host
    assert parse_acct(str(acct)) == acct


@given(st.one_of(JSON, st.dictionaries(st.sampled_from(["subject", "links", "aliases"]), JSON)))
def test_jrds_give_an_actor_url_or_a_format_error(document: Any) -> None:
    subject = subject_of_jrd(document)
    assert subject is None or isinstance(subject, Acct)
    try:
        url = actor_url_from_jrd(document)
    except FormatError:
        return
    assert url.lower().startswith(("https://", "http://"))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(RESOURCE)
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_our_webfinger_answers_a_document_or_a_client_error(
    runtime: Runtime, local_account: Account, resource: str
) -> None:
    with runtime.db.reader() as session:
        try:
            outcome: str | int = documents.webfinger(session, runtime, resource)["subject"]
        except FediError as error:
            outcome = error.status  # a client error, never a crash
    assert outcome.startswith("acct:") if isinstance(outcome, str) else 400 <= outcome < 500
