"""Reports: filed by local users (Mastodon's POST /api/v1/reports) or received as a `Flag` from
another server; both land in one queue, and every moderator gets an `admin.report` notification.

A local user's report about a remote account can be forwarded, as Mastodon does: a `Flag` from
the instance actor (the reporter stays anonymous) naming the account and the reported posts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from sqlmodel import Session

from activitypub import builders
from activitypub.objects import ActivityView, get_id
from activitypub.vocab import ACTOR_TYPES
from fedi.content.sanitize import to_plain_text
from fedi.errors import NotFound, Unprocessable
from fedi.models.accounts import Account
from fedi.models.federation import Report
from fedi.runtime import Runtime
from fedi.services import audit, notifications, rules, system, visibility
from fedi.services.federation import outbox
from fedi.store import accounts as account_store
from fedi.store import moderation as store
from fedi.store import statuses as status_store

COMMENT_MAX = 1000  # Mastodon's limit for local reports
REMOTE_COMMENT_MAX = 5000
MAX_STATUSES = 50


class Category(StrEnum):
    SPAM = "spam"
    LEGAL = "legal"
    VIOLATION = "violation"
    OTHER = "other"


@dataclass(frozen=True)
class ReportDraft:
    account_id: int
    status_ids: list[int] = field(default_factory=list)
    category: str | None = None
    rule_ids: list[int] = field(default_factory=list)
    comment: str = ""
    forward: bool = False


def file(session: Session, rt: Runtime, reporter: Account, draft: ReportDraft) -> Report:
    """A local user's report; forwarded to the account's server when asked and it is remote."""
    target = account_store.get(session, draft.account_id)
    if target is None or target.deleted_at is not None:
        raise NotFound("Record not found")
    statuses = []
    for status_id in dict.fromkeys(draft.status_ids[:MAX_STATUSES]):
        status = status_store.get(session, status_id)
        if (
            status is None
            or status.account_id != target.id
            or not visibility.can_view(session, reporter, status)
        ):
            raise NotFound("Record not found")
        statuses.append(status)
    if len(draft.comment) > COMMENT_MAX:
        raise Unprocessable(f"comment is longer than {COMMENT_MAX} characters", field="comment")
    in_force = {rule.id for rule in rules.current(session, rt.settings)}
    if any(rule not in in_force for rule in draft.rule_ids):
        raise Unprocessable("rule_ids names a rule this server does not have", field="rule_ids")
    # Naming rules makes a report a violation report, whatever the category said (as Mastodon).
    category = Category.VIOLATION if draft.rule_ids else draft.category or Category.OTHER
    if category not in set(Category):
        raise Unprocessable(f"category must be one of {', '.join(Category)}", field="category")
    report = Report(
        reporter_account_id=reporter.id,
        target_account_id=target.id,
        status_uris=[s.uri for s in statuses],
        comment=draft.comment,
        category=category,
        rule_ids=sorted(set(draft.rule_ids)),
    )
    session.add(report)
    session.flush()
    if draft.forward and not target.local:
        _forward(session, rt, report, target)
    notify_staff(session, rt, report)
    return report


def _forward(session: Session, rt: Runtime, report: Report, target: Account) -> None:
    actor = system.instance_actor(session, rt)
    report.uri = f"{rt.urls.base}/reports/{report.id}"
    report.forwarded = True
    session.add(report)
    activity = builders.flag(
        id=report.uri, actor=actor.uri, objects=[target.uri, *report.status_uris], content=report.comment
    )
    outbox.send(session, rt, actor, activity, [target.shared_inbox_url or target.inbox_url])


def received_flag(session: Session, rt: Runtime, actor: Account, activity: ActivityView) -> str:
    """A `Flag` from another server: the first local account it names (or the author of the
    first local post it names) is the one reported."""
    objects = activity.object if isinstance(activity.object, list) else [activity.object]
    uris = [uri for uri in (get_id(o) for o in objects) if uri]
    local = [a for uri in uris if (a := account_store.by_uri(session, uri)) is not None and a.local]
    statuses = [s for s in store.statuses_by_uris(session, uris) if s.local]
    target = local[0] if local else account_store.get(session, statuses[0].account_id) if statuses else None
    if target is None:
        return "ignored: report of nothing local"
    if rt.domains.rejects_reports(actor.domain):
        return "ignored: reports from this domain are rejected"
    if store.report_by_uri(session, activity.id) is not None:
        return "done"
    content = activity.raw.get("content")
    report = Report(
        uri=activity.id,
        reporter_account_id=actor.id if actor.actor_type in ACTOR_TYPES else None,
        target_account_id=target.id,
        status_uris=[s.uri for s in statuses if s.account_id == target.id][:MAX_STATUSES],
        comment=to_plain_text(content)[:REMOTE_COMMENT_MAX] if isinstance(content, str) else "",
    )
    session.add(report)
    session.flush()
    notify_staff(session, rt, report)
    return "done"


def notify_staff(session: Session, rt: Runtime, report: Report) -> None:
    notifications.notify_staff(
        session,
        rt,
        type="admin.report",
        from_account_id=report.reporter_account_id or report.target_account_id,
        report_id=report.id,
    )


# Handling reports (moderators) ---------------------------------------------------------------


def get(session: Session, report_id: int) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound("Record not found")
    return report


def assign(session: Session, report_id: int, to: Account | None, *, by: Account | None) -> Report:
    """Assign a report to a moderator (None: unassign)."""
    report = get(session, report_id)
    report.assigned_account_id = to.id if to is not None else None
    report.updated_at = datetime.now(UTC)
    session.add(report)
    audit.record(session, by, "assigned_to_self" if to is not None else "unassigned", "Report", report.id)
    return report


def resolve(session: Session, report_id: int, *, by: Account | None) -> Report:
    report = get(session, report_id)
    now = datetime.now(UTC)
    report.action_taken_at = report.action_taken_at or now
    report.action_taken_by_account_id = by.id if by is not None else None
    report.updated_at = now
    session.add(report)
    audit.record(session, by, "resolve", "Report", report.id)
    return report


def reopen(session: Session, report_id: int, *, by: Account | None) -> Report:
    report = get(session, report_id)
    report.action_taken_at = None
    report.action_taken_by_account_id = None
    report.updated_at = datetime.now(UTC)
    session.add(report)
    audit.record(session, by, "reopen", "Report", report.id)
    return report
