"""The image bot: mention it (from here or any server) with a prompt and it replies with the image.

A mention in reply to a generated post remixes that post. Refusals get a reply that says why.
"""

from __future__ import annotations

import re

from sqlmodel import Session

from fedi.content.sanitize import to_plain_text
from fedi.errors import ServiceUnavailable, TooManyRequests, Unprocessable
from fedi.models.accounts import Account
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import bot_notices, readiness
from fedi.services.generations import parse_directive, remix_ask, request, source_params
from fedi.services.visibility import narrowest
from fedi.store import accounts as account_store
from fedi.store import statuses as status_store


def bot_account(session: Session, rt: Runtime) -> Account | None:
    if not rt.settings.generation.enabled:
        return None
    return account_store.by_acct(session, rt.settings.generation.bot_username, None)


def answer_mention(session: Session, rt: Runtime, status: Status, mentioned: list[Account]) -> None:
    """A post that mentions the image bot gets a reply with its image (or with why not).

    A mention in reply to a generated post remixes it: the parent's parameters with the new
    prompt (or the same prompt and a new seed).
    """
    bot = bot_account(session, rt)
    if bot is None or status.account_id == bot.id or status.reblog_of_id is not None:
        return
    if all(a.id != bot.id for a in mentioned):
        return
    requester = account_store.get(session, status.account_id)
    if requester is None or requester.bot:
        return  # bots answering bots would never stop
    reply_visibility = narrowest(status.visibility, "public")
    state = readiness.of(rt)
    if not state.ready:
        if bot_notices.first_today(session, requester.id, bot_notices.NOT_READY):
            _bot_reply(
                session, rt, bot, requester, status, bot_notices.not_ready_text(state), [], reply_visibility
            )
        return
    text = _mention_text(status, bot)
    parent = status_store.get(session, status.in_reply_to_id) if status.in_reply_to_id else None
    remix_of = parent if parent is not None and source_params(session, parent) else None
    try:
        if remix_of is not None:
            ask = remix_ask(source_params(session, remix_of) or {}, text)
        else:
            parsed = parse_directive("/imagine " + text)
            assert parsed is not None
            ask = parsed[0]
        row = request(
            session,
            rt,
            requester,
            ask,
            kind="remix" if remix_of else "bot",
            media_owner=bot,
            remix_of_uri=remix_of.uri if remix_of else None,
        )
    except (Unprocessable, TooManyRequests, ServiceUnavailable) as exc:
        _bot_reply(
            session,
            rt,
            bot,
            requester,
            status,
            f"sorry, I can't make that: {exc.message}",
            [],
            reply_visibility,
        )
        return
    caption = f"here is “{row.prompt[:200]}”" + (" (a remix)" if remix_of else "")
    reply = _bot_reply(
        session,
        rt,
        bot,
        requester,
        status,
        caption,
        [row.media_id] if row.media_id else [],
        reply_visibility,
        remix_of_uri=row.remix_of_uri,
    )
    row.status_id = reply.id
    session.add(row)


def _mention_text(status: Status, bot: Account) -> str:
    text = status.text if status.local else to_plain_text(status.content)
    # Drop every @mention (the bot's and others'): what remains is the prompt.
    return re.sub(r"(?<![\w@])@[\w.-]+(@[\w.-]+(:\d+)?)?", "", text).strip()


def _bot_reply(
    session: Session,
    rt: Runtime,
    bot: Account,
    requester: Account,
    status: Status,
    message: str,
    media_ids: list[int],
    visibility: str,
    *,
    remix_of_uri: str | None = None,
) -> Status:
    from fedi.services import statuses

    handle = requester.username if requester.local else f"{requester.username}@{requester.domain}"
    draft = statuses.StatusDraft(
        text=f"@{handle} {message}",
        media_ids=media_ids,
        visibility=visibility,
        in_reply_to_id=status.id,
        allow_processing_media=True,
        remix_of_uri=remix_of_uri,
    )
    return statuses.create(session, rt, bot, draft)
