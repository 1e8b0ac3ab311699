"""What the admin API shows: accounts with their logins, reports with everything they name."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from fedi.config import Settings
from fedi.models.accounts import Account, User
from fedi.services import moderation, reports, rules
from fedi.store import moderation as store
from fedi.store.moderation import Rule
from fedi.store.paging import Page
from fedi.store.views import ReportView, StatusView, report_views, status_views


@dataclass(frozen=True)
class AdminAccount:
    account: Account
    user: User | None


@dataclass(frozen=True)
class AdminReport:
    view: ReportView
    users: dict[int, User]
    statuses: list[StatusView]
    rules: dict[int, Rule]


def account(session: Session, account_id: int) -> AdminAccount:
    found = moderation.get_account(session, account_id)
    return AdminAccount(found, store.users_of(session, [found.id]).get(found.id))


def accounts(
    session: Session,
    paging: Page,
    *,
    local: bool | None,
    status: str | None,
    username: str | None,
    domain: str | None,
    staff: bool,
) -> list[AdminAccount]:
    found = store.accounts_page(
        session, paging, local=local, status=status, username=username, domain=domain, staff=staff
    )
    users = store.users_of(session, [a.id for a in found])
    return [AdminAccount(a, users.get(a.id)) for a in found]


def report(session: Session, settings: Settings, report_id: int) -> AdminReport:
    return _complete(session, settings, report_views(session, [reports.get(session, report_id)]))[0]


def report_page(
    session: Session,
    settings: Settings,
    paging: Page,
    *,
    resolved: bool,
    account_id: int | None,
    target_account_id: int | None,
) -> list[AdminReport]:
    found = store.reports(
        session, paging, resolved=resolved, account_id=account_id, target_account_id=target_account_id
    )
    return _complete(session, settings, report_views(session, found))


def _complete(session: Session, settings: Settings, views: list[ReportView]) -> list[AdminReport]:
    named = {
        a.id
        for v in views
        for a in (v.reporter, v.target, v.assigned, v.action_taken_by)
        if a is not None and a.local
    }
    users = store.users_of(session, named)
    known = rules.known(session, settings)
    return [AdminReport(v, users, status_views(session, v.statuses, None), known) for v in views]
