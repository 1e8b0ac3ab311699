"""The prompt deny list as moderators edit it live: the config's `generation.deny` terms plus
those added on the admin page (stored), each with a count of the prompts it refused.

Every generation request checks the merged list (`check`); a refusal counts a hit on the term
that matched, written after the request's own transaction ends, since that one rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlmodel import Session

from fedi.db import after_transaction
from fedi.errors import NotFound, Unprocessable
from fedi.models.accounts import Account
from fedi.models.moderation import PromptDenyTerm
from fedi.runtime import Runtime
from fedi.services import audit
from fedi.store import moderation as store
from generation.policy import PromptPolicy

TERM_MAX = 200


@dataclass(frozen=True)
class Term:
    """A term as the admin page lists it; only added ones can be removed there."""

    term: str
    hits: int
    added: bool
    id: int | None = None


@lru_cache(maxsize=16)
def _policy(terms: tuple[str, ...]) -> PromptPolicy:
    return PromptPolicy(list(terms))


def terms(session: Session, rt: Runtime) -> list[Term]:
    """The merged list: the config's terms first, then the added ones."""
    rows = {row.term: row for row in store.prompt_terms(session)}
    listed = [Term(t, rows[t].hits if t in rows else 0, False) for t in rt.settings.generation.deny]
    configured = set(rt.settings.generation.deny)
    listed += [
        Term(r.term, r.hits, True, r.id) for r in rows.values() if r.added and r.term not in configured
    ]
    return listed


def check(session: Session, rt: Runtime, prompt: str) -> None:
    """Unprocessable when a term matches (the reason names no term, so the list stays private)."""
    found = _policy(tuple(t.term for t in terms(session, rt))).matched(prompt)
    if found is None:
        return
    term = found[1]
    after_transaction(session, lambda: _count_hit(rt, term))
    raise Unprocessable(
        f"This prompt was refused: the prompt was refused by this instance's content policy ({found[0]})",
        field="prompt",
    )


def _count_hit(rt: Runtime, term: str) -> None:
    with rt.db.session() as session:
        if not store.count_prompt_hit(session, term):
            session.add(PromptDenyTerm(term=term, hits=1))


def add(session: Session, rt: Runtime, text: str, *, by: Account | None) -> PromptDenyTerm:
    term = " ".join(text.split())
    if not (len(term) > 2 and term.startswith("/") and term.endswith("/")):
        term = term.lower()  # words match in any case: one spelling per term
    if not term or len(term) > TERM_MAX:
        raise Unprocessable(f"a term is 1 to {TERM_MAX} characters", field="term")
    try:
        PromptPolicy([term])
    except ValueError as exc:
        raise Unprocessable(str(exc), field="term") from None
    row = store.prompt_term(session, term)
    if term in rt.settings.generation.deny or (row is not None and row.added):
        raise Unprocessable(f"{term!r} is already on the list", field="term")
    row = row or PromptDenyTerm(term=term)
    row.added = True
    session.add(row)
    audit.record(session, by, "add_prompt_term", "PromptDenyTerm", term)
    return row


def remove(session: Session, term_id: int, *, by: Account | None) -> PromptDenyTerm:
    row = session.get(PromptDenyTerm, term_id)
    if row is None or not row.added:
        raise NotFound("No such term on the list")
    session.delete(row)
    audit.record(session, by, "remove_prompt_term", "PromptDenyTerm", row.term)
    return row
