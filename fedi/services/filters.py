"""Filters v2: keywords and statuses a user does not want to see, per context.

Matching follows Mastodon: a keyword matches case-insensitively, a whole-word one at word
boundaries (only where the keyword itself begins or ends with a word character); it is looked
for in the spoiler text, the plain text and the media descriptions. A boost is matched by the
status it boosts, and one's own statuses are never filtered. `hide` removes the status (or the
notification about it) on the server; `warn` and `blur` mark it `filtered` for the client.
Filters v1 are a view of these: each keyword is one v1 filter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from fedi import memo
from fedi.content.sanitize import to_plain_text
from fedi.errors import NotFound, Unprocessable
from fedi.models.accounts import Account
from fedi.models.filters import Filter, FilterAction, FilterContext, FilterKeyword, FilterStatus
from fedi.services import visibility
from fedi.store import filters as store
from fedi.store.views import FilterMatch, FilterView, NotificationView, StatusView

MAX_FILTERS = 100
MAX_KEYWORDS = 100
MAX_TITLE = 255
MAX_KEYWORD = 512
MAX_EXPIRES_IN = 10 * 365 * 24 * 3600


@dataclass(frozen=True)
class KeywordChange:
    """One entry of `keywords_attributes[]`: a new keyword, a change to one, or its removal."""

    id: int | None = None
    keyword: str | None = None
    whole_word: bool | None = None
    destroy: bool = False


@dataclass
class Changes:
    title: str | None = None
    context: list[str] | None = None
    action: str | None = None
    expires_in: int | None = None
    expiry_given: bool = False  # `expires_in` was sent (empty means never)
    keywords: list[KeywordChange] = field(default_factory=list)


# CRUD ------------------------------------------------------------------------------------------


def all_of(session: Session, viewer: Account) -> list[FilterView]:
    return _views(session, store.of_account(session, viewer.id))


def _views(session: Session, rows: list[Filter]) -> list[FilterView]:
    ids = [f.id for f in rows]
    keywords, statuses = store.keywords_of(session, ids), store.statuses_of(session, ids)
    return [FilterView(f, keywords[f.id], statuses[f.id]) for f in rows]


def _own(session: Session, viewer: Account, filter_id: int) -> Filter:
    found = store.get_for(session, viewer.id, filter_id)
    if found is None:
        raise NotFound()
    return found


def get(session: Session, viewer: Account, filter_id: int) -> FilterView:
    return _views(session, [_own(session, viewer, filter_id)])[0]


def create(session: Session, viewer: Account, changes: Changes) -> FilterView:
    if store.count_of(session, viewer.id) >= MAX_FILTERS:
        raise Unprocessable(f"You cannot have more than {MAX_FILTERS} filters")
    if changes.title is None or changes.context is None:
        raise Unprocessable(
            "title and context are required", field="title" if changes.title is None else "context"
        )
    item = Filter(account_id=viewer.id, title="", context=[])
    return _apply(session, item, changes)


def update(session: Session, viewer: Account, filter_id: int, changes: Changes) -> FilterView:
    return _apply(session, _own(session, viewer, filter_id), changes)


def _apply(session: Session, item: Filter, changes: Changes) -> FilterView:
    if changes.title is not None:
        item.title = changes.title.strip()
        if not item.title:
            raise Unprocessable("title can't be blank", field="title")
    if changes.context is not None:
        item.context = _contexts(changes.context)
    if changes.action is not None:
        if changes.action not in {a.value for a in FilterAction}:
            raise Unprocessable("filter_action must be warn, hide or blur", field="filter_action")
        item.action = changes.action
    if changes.expiry_given:
        item.expires_at = _expiry(changes.expires_in)
    session.add(item)
    session.flush()
    for change in changes.keywords:
        _change_keyword(session, item, change)
    session.flush()
    if store.keyword_count(session, item.id) > MAX_KEYWORDS:
        raise Unprocessable(f"A filter has at most {MAX_KEYWORDS} keywords", field="keywords_attributes")
    return _views(session, [item])[0]


def _contexts(values: list[str]) -> list[str]:
    known = {c.value for c in FilterContext}
    if not values:
        raise Unprocessable("context can't be blank", field="context")
    unknown = [v for v in values if v not in known]
    if unknown:
        raise Unprocessable(
            f"context {unknown[0]!r} is not one of {', '.join(sorted(known))}", field="context"
        )
    return list(dict.fromkeys(values))


def _expiry(seconds: int | None) -> datetime | None:
    if seconds is None:
        return None
    if not 0 < seconds <= MAX_EXPIRES_IN:
        raise Unprocessable("expires_in must be a positive number of seconds", field="expires_in")
    return datetime.now(UTC) + timedelta(seconds=seconds)


def _keyword_text(value: str) -> str:
    text = value.strip()
    if not text:
        raise Unprocessable("keyword can't be blank", field="keyword")
    if len(text) > MAX_KEYWORD:
        raise Unprocessable(f"keyword is longer than {MAX_KEYWORD} characters", field="keyword")
    return text


def _change_keyword(session: Session, item: Filter, change: KeywordChange) -> None:
    if change.id is None:
        if change.destroy:
            return
        if change.keyword is None:
            raise Unprocessable("keyword can't be blank", field="keyword")
        session.add(
            FilterKeyword(
                filter_id=item.id,
                keyword=_keyword_text(change.keyword),
                whole_word=True if change.whole_word is None else change.whole_word,
            )
        )
        return
    row = session.get(FilterKeyword, change.id)
    if row is None or row.filter_id != item.id:
        raise NotFound("Keyword not found")
    if change.destroy:
        session.delete(row)
        return
    if change.keyword is not None:
        row.keyword = _keyword_text(change.keyword)
    if change.whole_word is not None:
        row.whole_word = change.whole_word
    session.add(row)


def delete(session: Session, viewer: Account, filter_id: int) -> None:
    store.remove(session, _own(session, viewer, filter_id).id)


def add_keyword(
    session: Session, viewer: Account, filter_id: int, keyword: str | None, whole_word: bool
) -> FilterKeyword:
    item = _own(session, viewer, filter_id)
    if store.keyword_count(session, item.id) >= MAX_KEYWORDS:
        raise Unprocessable(f"A filter has at most {MAX_KEYWORDS} keywords", field="keyword")
    row = FilterKeyword(filter_id=item.id, keyword=_keyword_text(keyword or ""), whole_word=whole_word)
    session.add(row)
    session.flush()
    return row


def keyword(session: Session, viewer: Account, keyword_id: int) -> FilterKeyword:
    row = store.keyword_of(session, viewer.id, keyword_id)
    if row is None:
        raise NotFound()
    return row


def update_keyword(
    session: Session, viewer: Account, keyword_id: int, text: str | None, whole_word: bool | None
) -> FilterKeyword:
    row = keyword(session, viewer, keyword_id)
    if text is not None:
        row.keyword = _keyword_text(text)
    if whole_word is not None:
        row.whole_word = whole_word
    session.add(row)
    session.flush()
    return row


def delete_keyword(session: Session, viewer: Account, keyword_id: int) -> None:
    session.delete(keyword(session, viewer, keyword_id))


def add_status(session: Session, viewer: Account, filter_id: int, status_id: int) -> FilterStatus:
    item = _own(session, viewer, filter_id)
    status = visibility.visible_status(session, viewer, status_id)
    existing = next(
        (s for s in store.statuses_of(session, [item.id])[item.id] if s.status_id == status.id), None
    )
    if existing is not None:
        return existing
    row = FilterStatus(filter_id=item.id, status_id=status.id)
    session.add(row)
    session.flush()
    return row


def status_entry(session: Session, viewer: Account, row_id: int) -> FilterStatus:
    row = store.status_of(session, viewer.id, row_id)
    if row is None:
        raise NotFound()
    return row


def delete_status(session: Session, viewer: Account, row_id: int) -> None:
    session.delete(status_entry(session, viewer, row_id))


# Filters v1: one per keyword --------------------------------------------------------------------


def v1_all(session: Session, viewer: Account) -> list[tuple[FilterKeyword, Filter]]:
    return store.all_keywords(session, viewer.id)


def v1_get(session: Session, viewer: Account, keyword_id: int) -> tuple[FilterKeyword, Filter]:
    row = keyword(session, viewer, keyword_id)
    return row, _own(session, viewer, row.filter_id)


def v1_create(
    session: Session,
    viewer: Account,
    *,
    phrase: str | None,
    context: list[str],
    irreversible: bool,
    whole_word: bool,
    expires_in: int | None,
) -> tuple[FilterKeyword, Filter]:
    """A v2 filter titled by its phrase, with that one keyword (as Mastodon maps v1 onto v2)."""
    text = _keyword_text(phrase or "")
    changes = Changes(
        title=text[:MAX_TITLE],
        context=context,
        action=FilterAction.HIDE.value if irreversible else FilterAction.WARN.value,
        expires_in=expires_in,
        expiry_given=True,
        keywords=[KeywordChange(keyword=text, whole_word=whole_word)],
    )
    view = create(session, viewer, changes)
    return view.keywords[0], view.filter


def v1_update(
    session: Session,
    viewer: Account,
    keyword_id: int,
    *,
    phrase: str | None,
    context: list[str] | None,
    irreversible: bool | None,
    whole_word: bool | None,
    expires_in: int | None,
    expiry_given: bool,
) -> tuple[FilterKeyword, Filter]:
    row, item = v1_get(session, viewer, keyword_id)
    if store.keyword_count(session, item.id) > 1:
        raise Unprocessable("This filter has several keywords: change it through /api/v2/filters")
    action = (
        None
        if irreversible is None
        else (FilterAction.HIDE.value if irreversible else FilterAction.WARN.value)
    )
    changes = Changes(
        title=phrase, context=context, action=action, expires_in=expires_in, expiry_given=expiry_given
    )
    changes.keywords = [KeywordChange(id=row.id, keyword=phrase, whole_word=whole_word)]
    _apply(session, item, changes)
    return row, item


def v1_delete(session: Session, viewer: Account, keyword_id: int) -> None:
    """Remove the keyword; its filter goes too when that was its only keyword."""
    row, item = v1_get(session, viewer, keyword_id)
    if store.keyword_count(session, item.id) <= 1:
        store.remove(session, item.id)
    else:
        session.delete(row)


# Matching --------------------------------------------------------------------------------------


def _pattern(row: FilterKeyword) -> re.Pattern[str]:
    escaped = re.escape(row.keyword)
    if not row.whole_word:
        return re.compile(escaped, re.IGNORECASE)
    start = r"\b" if re.match(r"\w", row.keyword) else ""
    end = r"\b" if re.search(r"\w$", row.keyword) else ""
    return re.compile(f"{start}{escaped}{end}", re.IGNORECASE)


def _searchable(view: StatusView) -> str:
    item = view.status
    parts = [item.spoiler_text, to_plain_text(item.content), *(m.description or "" for m in view.media)]
    return "\n\n".join(parts)


class Matcher:
    """A viewer's active filters for one context, compiled once per request."""

    def __init__(self, viewer_id: int, filters: list[FilterView]) -> None:
        self.viewer_id = viewer_id
        self.rules = [
            (f.filter, [(k.keyword, _pattern(k)) for k in f.keywords], {s.status_id for s in f.statuses})
            for f in filters
        ]

    def matches(self, view: StatusView) -> list[FilterMatch]:
        shown = view.reblog or view
        if shown.status.account_id == self.viewer_id or not self.rules:
            return []
        text = _searchable(shown) if any(words for _, words, _ in self.rules) else ""
        found = []
        for item, words, status_ids in self.rules:
            keywords = [word for word, pattern in words if pattern.search(text)]
            statuses = [shown.status.id] if shown.status.id in status_ids else []
            if keywords or statuses:
                found.append(FilterMatch(item, keywords or None, statuses or None))
        return found

    def hides(self, matched: Sequence[FilterMatch]) -> bool:
        return any(m.filter.action == FilterAction.HIDE for m in matched)


def matcher(session: Session, viewer: Account, context: FilterContext) -> Matcher:
    # Every filter of the viewer's is remembered while the database does not change; which are
    # in force is decided now (they expire with time, not with a write).
    every = memo.remembered(session, ("filters", viewer.id), lambda: all_of(session, viewer))
    now = datetime.now(UTC)
    active = [
        v
        for v in every
        if context in v.filter.context and (v.filter.expires_at is None or v.filter.expires_at > now)
    ]
    return Matcher(viewer.id, active)


def apply_to_notifications(
    session: Session, viewer: Account, items: list[NotificationView]
) -> list[NotificationView]:
    """Notifications about statuses, filtered in the `notifications` context."""
    about = [n.status for n in items if n.status is not None]
    kept = {id(v) for v in apply(session, viewer, about, FilterContext.NOTIFICATIONS)}
    return [n for n in items if n.status is None or id(n.status) in kept]


def apply(
    session: Session, viewer: Account | None, views: list[StatusView], context: FilterContext
) -> list[StatusView]:
    """Mark the statuses the viewer's filters match in this context; drop those they hide."""
    if viewer is None or not views:
        return views
    check = matcher(session, viewer, context)
    if not check.rules:
        return views
    kept = []
    for view in views:
        matched = check.matches(view)
        if check.hides(matched):
            continue
        view.filtered = matched
        if view.reblog is not None:
            view.reblog.filtered = matched
        kept.append(view)
    return kept
