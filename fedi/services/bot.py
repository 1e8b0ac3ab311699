"""The image bot: mention it (from here or any server) with a prompt and it replies with the image.

A mention in reply to a generated post remixes that post. Refusals get a direct reply that says
why, once an hour per asker; while generation is not ready, once a day. A reply mentions the asker and no one else, whatever the asker's
name or prompt say: its mention is built from the asker's row, and its text is never parsed.
How often the bot answers is `bot_replies`' business.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from sqlmodel import Session

from fedi.content.sanitize import to_plain_text
from fedi.errors import ServiceUnavailable, TooManyRequests, Unprocessable
from fedi.models.accounts import Account
from fedi.models.generations import BotReplyKind
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import bot_reach, bot_replies, readiness
from fedi.services.generations import edit_ask, has_image, parse_directive, request, source_params
from fedi.services.readiness import Readiness
from fedi.services.visibility import narrowest
from fedi.store import accounts as account_store
from fedi.store import statuses as status_store
from generation.presets import normalise_prompt

log = logging.getLogger(__name__)

# Every @mention, local or remote: what is left of the post is the prompt.
MENTION = re.compile(r"(?<![\w@])@[\w.-]+(@[\w.-]+(:\d+)?)?")
REFUSALS_EVERY = timedelta(hours=1)
NOT_READY_EVERY = timedelta(days=1)


def bot_account(session: Session, rt: Runtime) -> Account | None:
    if not rt.settings.generation.enabled:
        return None
    return account_store.by_acct(session, rt.settings.generation.bot_username, None)


def answer_mention(session: Session, rt: Runtime, status: Status, mentioned: list[Account]) -> None:
    """A post that mentions the image bot gets a reply with its image (or with why not).

    A mention in reply to a post with an image edits that image: image to image from it, with
    the mention's text as the instruction (`strength=0.6` to change more or less of it), posted
    as a reply in the thread; replying to that reply edits the edit, turn by turn.
    """
    bot = bot_account(session, rt)
    if bot is None or status.account_id == bot.id or status.reblog_of_id is not None:
        return
    if all(a.id != bot.id for a in mentioned):
        return
    requester = account_store.get(session, status.account_id)
    if requester is None or requester.bot:
        return  # bots answering bots would never stop
    if not bot_reach.answers(session, bot, requester):
        log.info("image bot: switched off for %s; not answering %s", requester.acct(), status.uri)
        return
    if not bot_replies.within_budget(session, rt.settings, requester):
        log.info("image bot: %s is over its reply budget; not answering %s", requester.acct(), status.uri)
        return
    state = readiness.of(rt)
    if not state.ready:
        _not_ready(session, rt, bot, requester, status, state)
        return
    text = _prompt_of(status)
    parent = status_store.get(session, status.in_reply_to_id) if status.in_reply_to_id else None
    edit_of = parent if parent is not None and has_image(session, parent) else None
    try:
        if edit_of is not None:
            ask = edit_ask(source_params(session, edit_of), text)
        else:
            parsed = parse_directive("/imagine " + text)
            assert parsed is not None
            ask = parsed[0]
        row = request(
            session,
            rt,
            requester,
            ask,
            kind="edit" if edit_of else "bot",
            media_owner=bot,
            remix_of_uri=edit_of.uri if edit_of else None,
        )
    except (Unprocessable, TooManyRequests, ServiceUnavailable) as exc:
        _refuse(session, rt, bot, requester, status, exc.message)
        return
    caption = f"here is “{row.prompt[:200]}”" + (" (an edit)" if edit_of else "")
    reply = _bot_reply(
        session,
        rt,
        bot,
        requester,
        status,
        caption,
        [row.media_id] if row.media_id else [],
        narrowest(status.visibility, "public"),
        remix_of_uri=row.remix_of_uri,
    )
    bot_replies.record(session, requester, BotReplyKind.IMAGE)
    row.status_id = reply.id
    session.add(row)


def _prompt_of(status: Status) -> str:
    """The post's text without its @mentions. Each line is normalised first (as the prompt will
    be: NFKC, invisible characters dropped), so a full-width at sign (U+FF20), or an @ with a
    zero-width space after it, is already a plain @ when mentions are removed."""
    text = status.text if status.local else to_plain_text(status.content)
    lines = (normalise_prompt(line) for line in text.split("\n"))
    return MENTION.sub("", "\n".join(lines)).strip()


def _refuse(
    session: Session, rt: Runtime, bot: Account, requester: Account, status: Status, why: str
) -> None:
    if not bot_replies.first_in(session, requester, BotReplyKind.REFUSAL, REFUSALS_EVERY):
        log.info("image bot: refused %s again within the hour; no reply (%s)", requester.acct(), why)
        return
    _bot_reply(session, rt, bot, requester, status, f"sorry, I can't make that: {why}", [], "direct")
    bot_replies.record(session, requester, BotReplyKind.REFUSAL)


def _not_ready(
    session: Session, rt: Runtime, bot: Account, requester: Account, status: Status, state: Readiness
) -> None:
    """While images cannot be made, each asker hears why once a day; later mentions that day go
    unanswered rather than filling their notifications."""
    if not bot_replies.first_in(session, requester, BotReplyKind.NOT_READY, NOT_READY_EVERY):
        return
    message = f"thanks for asking! {state.message} I won't make pictures until then, and I'll say so only once a day."
    _bot_reply(session, rt, bot, requester, status, message, [], "direct")
    bot_replies.record(session, requester, BotReplyKind.NOT_READY)


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

    draft = statuses.StatusDraft(
        text=message,
        fixed_mentions=[requester],
        media_ids=media_ids,
        visibility=visibility,
        in_reply_to_id=status.id,
        allow_processing_media=True,
        remix_of_uri=remix_of_uri,
    )
    return statuses.create(session, rt, bot, draft)
