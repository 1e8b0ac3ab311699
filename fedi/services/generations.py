"""Prompts into images into posts. The web side: requests, quotas, the GPU queue, publishing.

The contract with GPU workers is two jobs. `generate_image(id, request)` goes to the gpu queue
with everything needed to make the image (a GPU host needs no database); the worker answers on
the main queue with `generation_progress`, then `generation_finished(id, image)` or
`generation_failed(id, reason)`, and this module stores the files, fills in the media
attachment and publishes the post that waited for it. Nothing here imports torch.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlmodel import Session

from fedi.config import Settings
from fedi.db import on_commit
from fedi.domains import registrable_domain
from fedi.errors import NotFound, ServiceUnavailable, TooManyRequests, Unprocessable
from fedi.hooks import load_hook
from fedi.ids import parse_id
from fedi.models.accounts import Account
from fedi.models.generations import Generation
from fedi.models.media import MediaAttachment, MediaState
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import events, generation_limits, prompt_policy, readiness, resolver, visibility
from fedi.store import generations as store
from fedi.store import media as media_store
from fedi.store import statuses as status_store
from generation.errors import InvalidRequest, PromptRefused
from generation.policy import PromptPolicy
from generation.presets import Preset, build_request, resolve_preset
from generation.types import GenerationRequest

log = logging.getLogger(__name__)

# Generations one account may have waiting or running at once: a fair share of the GPU queue.
MAX_IN_FLIGHT = 4
# What a full GPU queue (generation.max_queued) tells callers to wait before asking again.
QUEUE_FULL_RETRY_AFTER = 30
# A generation that has not finished in this long lost its job: it is queued again.
STUCK_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 3
DIRECTIVE = re.compile(
    r"^\s*/imagine\b[ \t]*(?P<prompt>[^\n]*)(?:\n(?P<rest>.*))?\Z", re.IGNORECASE | re.DOTALL
)
_FLAG = re.compile(
    r"--(?P<name>seed|steps|size|no|strength)\s+(?P<value>\S+(?:\s+(?!--)\S+)*)", re.IGNORECASE
)
# `strength=0.6` anywhere in an edit request, as people write it in a reply.
_STRENGTH = re.compile(r"(?<!\S)strength\s*=\s*(?P<value>[0-9]*\.?[0-9]+)(?!\S)", re.IGNORECASE)


@dataclass
class Ask:
    """What someone asks for; anything left None takes the preset's default (seed: random)."""

    prompt: str
    negative_prompt: str = ""
    preset: str | None = None
    width: int | None = None
    height: int | None = None
    steps: int | None = None
    guidance: float | None = None
    seed: int | None = None
    # An edit of another post's image: how much of it to change (None: the preset's default).
    strength: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FinishedImage:
    """What a GPU worker sends back: encoded files and the provenance record.

    With shared media storage (a bucket) the worker has already stored the files under
    `generated_keys(id)` and sends None instead of their bytes.
    """

    original: bytes | None
    thumbnail: bytes | None
    size: int
    blurhash: str
    width: int
    height: int
    thumbnail_width: int
    thumbnail_height: int
    params: dict[str, Any]
    seconds: float
    # Why the image check flagged it (the post is then sensitive, behind a warning).
    flagged: str | None = None


# Validation ------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _preset(configured: str) -> Preset:
    return resolve_preset(configured)


@lru_cache(maxsize=8)
def _policy(deny: tuple[str, ...], hook: str) -> PromptPolicy:
    return PromptPolicy(list(deny), hook=load_hook(hook) if hook else None)


def build(settings: Settings, ask: Ask) -> GenerationRequest:
    """A checked request, or Unprocessable naming the field (before anything reaches a GPU)."""
    configured = settings.generation.preset
    preset = _preset(configured)
    if ask.preset not in (None, "", configured, preset.name):
        raise Unprocessable(f"preset: only {preset.name!r} is available on this server", field="preset")
    try:
        request = build_request(
            preset,
            ask.prompt if isinstance(ask.prompt, str) else "",
            negative_prompt=ask.negative_prompt or "",
            width=ask.width,
            height=ask.height,
            steps=ask.steps,
            guidance=ask.guidance,
            seed=ask.seed,
        )
        _policy(tuple(settings.generation.deny), settings.generation.prompt_hook).check(request.prompt)
    except InvalidRequest as exc:
        raise Unprocessable(f"{exc.field}: {exc.message}", field=exc.field) from None
    except PromptRefused as exc:
        raise Unprocessable(f"This prompt was refused: {exc.reason}", field="prompt") from None
    return request


@dataclass(frozen=True)
class Quota:
    """Images asked for in the last 24 hours, and the daily limit (0: none)."""

    used: int
    limit: int


def preset(settings: Settings) -> Preset:
    """The preset this server runs: its sizes, defaults and licence."""
    return _preset(settings.generation.preset)


def quota_domain(requester: Account) -> str | None:
    """What a remote requester's daily quota counts by: its registrable domain (None if local)."""
    return registrable_domain(requester.domain) if requester.domain is not None else None


def quota(session: Session, rt: Runtime, requester: Account) -> Quota:
    settings = rt.settings.generation
    since = datetime.now(UTC) - timedelta(days=1)
    domain = quota_domain(requester)
    if domain is None:
        used = store.count_by_account_since(session, requester.id, since)
        limit = generation_limits.override(session, requester.id)
        return Quota(used, settings.daily_quota_per_account if limit is None else limit)
    used = store.count_by_quota_domain_since(session, domain, since)
    return Quota(used, settings.daily_quota_per_remote_domain)


def _check_quota(session: Session, rt: Runtime, requester: Account) -> None:
    today = quota(session, rt, requester)
    who = "your account" if requester.local else f"accounts on {quota_domain(requester)}"
    if today.limit and today.used >= today.limit:
        raise TooManyRequests(
            f"The daily limit of {today.limit} images for {who} is reached; try again tomorrow"
        )
    if store.count_in_flight(session, requester.id) >= MAX_IN_FLIGHT:
        raise TooManyRequests(
            f"{MAX_IN_FLIGHT} images are already being made for you; wait for one to finish"
        )
    if store.count_in_flight(session) >= rt.settings.generation.max_queued:
        raise ServiceUnavailable(
            "The image queue of this server is full; try again shortly", retry_after=QUEUE_FULL_RETRY_AFTER
        )


# Requests --------------------------------------------------------------------------------


def request(
    session: Session,
    rt: Runtime,
    requester: Account,
    ask: Ask,
    *,
    kind: str,
    media_owner: Account | None = None,
    remix_of_uri: str | None = None,
) -> Generation:
    """Queue a generation and the media attachment that will hold its image.

    Refused (GenerationNotReady, 422) when generation is not ready: nothing is stored or queued.
    """
    readiness.require(rt)
    prompt_policy.check(session, rt, ask.prompt if isinstance(ask.prompt, str) else "")
    built = build(rt.settings, ask)
    _check_quota(session, rt, requester)
    owner = media_owner or requester
    media = MediaAttachment(
        account_id=owner.id,
        type="image",
        state=MediaState.PROCESSING,
        mime_type="image/webp",
        # Alt text defaults to the prompt: it describes what was asked for.
        description=built.prompt[:1500],
    )
    session.add(media)
    session.flush()
    row = Generation(
        account_id=requester.id,
        quota_domain=quota_domain(requester),
        kind=kind,
        preset=built.preset,
        prompt=built.prompt,
        negative_prompt=built.negative_prompt,
        width=built.width,
        height=built.height,
        steps=built.steps,
        guidance=built.guidance,
        seed=built.seed,
        media_id=media.id,
        remix_of_uri=remix_of_uri,
        strength=_edit_strength(rt.settings, ask) if kind == "edit" else None,
    )
    session.add(row)
    session.flush()
    _queue(session, rt, row)
    return row


def _queue(session: Session, rt: Runtime, row: Generation) -> None:
    row.attempts += 1
    row.task_id = f"generation-{row.id}-{row.attempts}"
    session.add(row)
    owner = f"account:{row.account_id}"
    source = _remixed_image(session, row)
    author = session.get(Account, row.account_id)
    licence = author.image_licence if author is not None and author.local else None
    rt.jobs.after_commit(
        session, "generate_image", row.id, _request_payload(row), owner, source, licence, task_id=row.task_id
    )


def _remixed_image(session: Session, row: Generation) -> dict[str, str] | None:
    """The image a remix or an edit was made from: its key in media storage (a local image, or
    a cached copy of a remote one) or else its URL, for the GPU worker to read. An edit starts
    from it (`parentOf` in its Content Credentials); a remix only names it (`componentOf`)."""
    if not row.remix_of_uri:
        return None
    source = status_store.by_uri(session, row.remix_of_uri)
    if source is None:
        return None
    images = [m for m in media_store.of_statuses(session, [source.id])[source.id] if m.type == "image"]
    media = next((m for m in images if m.file_key), None) or next((m for m in images if m.remote_url), None)
    if media is None:
        return None
    return {
        "key": media.file_key or "",
        "url": media.remote_url or "",
        "mime_type": media.mime_type,
        "uri": source.uri,
        "relationship": "parentOf" if row.strength is not None else "componentOf",
    }


def _edit_strength(settings: Settings, ask: Ask) -> float:
    preset = _preset(settings.generation.preset)
    if not preset.supports_edits:
        raise Unprocessable(f"{preset.name} cannot edit images on this server", field="strength")
    return ask.strength if ask.strength is not None else preset.default_strength


def _request_payload(row: Generation) -> dict[str, Any]:
    edit: dict[str, Any] = {} if row.strength is None else {"strength": row.strength}
    return edit | {
        "prompt": row.prompt,
        "negative_prompt": row.negative_prompt,
        "preset": row.preset,
        "width": row.width,
        "height": row.height,
        "steps": row.steps,
        "guidance": row.guidance,
        "seed": row.seed,
    }


def get(session: Session, viewer: Account, generation_id: int) -> Generation:
    row = session.get(Generation, generation_id)
    if row is None or row.account_id != viewer.id:
        raise NotFound()
    return row


def view(session: Session, viewer: Account, generation_id: int) -> tuple[Generation, MediaAttachment | None]:
    """A generation of the viewer's, with the media attachment it fills."""
    row = get(session, viewer, generation_id)
    return row, media_store.get(session, row.media_id) if row.media_id else None


def cancel(session: Session, rt: Runtime, viewer: Account, generation_id: int) -> Generation:
    row = get(session, viewer, generation_id)
    if row.in_flight:
        if row.task_id:
            rt.jobs.revoke("generate_image", row.task_id)
        _fail(session, rt, row, "Cancelled by its requester", cancelled=True)
    return row


# Results from GPU workers ----------------------------------------------------------------


def progress(rt: Runtime, generation_id: int, step: int, total: int) -> None:
    with rt.db.session() as session:
        row = session.get(Generation, generation_id)
        if row is None or not row.in_flight:
            return
        row.start(datetime.now(UTC))
        row.progress_step, row.progress_total = step, total
        session.add(row)
    events.generation_progress(
        rt,
        generation_id,
        {"event": "fedi.generation.progress", "id": str(generation_id), "step": step, "total": total},
    )


def finished(rt: Runtime, generation_id: int, image: FinishedImage) -> None:
    """Store the files, complete the attachment, and publish the post that waited for it.

    Safe to run twice: a generation already done (or cancelled) keeps what it has.
    """
    original_key, thumbnail_key = generated_keys(generation_id)
    with rt.db.reader() as session:
        row = session.get(Generation, generation_id)
        if row is None or not row.in_flight:
            return
    # Files first, outside the transaction (a bucket is a network call); the keys are fixed,
    # so a second run writes the same objects again.
    for key, data in ((original_key, image.original), (thumbnail_key, image.thumbnail)):
        if data is not None:
            rt.media.put(key, data)
    with rt.db.session() as session:
        row = session.get(Generation, generation_id)
        if row is None or not row.in_flight:
            return
        media = media_store.get(session, row.media_id) if row.media_id else None
        held = image.flagged is not None and rt.settings.generation.hold_flagged
        if media is not None:
            # A held image stays "processing" to everyone until a moderator approves it.
            media.filled(held=held)
            media.file_key, media.thumbnail_key = original_key, thumbnail_key
            media.width, media.height, media.size = image.width, image.height, image.size
            media.thumbnail_width, media.thumbnail_height = image.thumbnail_width, image.thumbnail_height
            media.blurhash = image.blurhash
            media.generation = _provenance(image, row)
            session.add(media)
        row.finish(datetime.now(UTC), held=held)
        session.add(row)
        session.flush()
        if held:
            log.info("generation %s held for review: %s", generation_id, image.flagged)
            return
        if media is not None and media.status_id is not None:
            _publish_when_ready(session, rt, media.status_id)
    # After the commit: a listener that reads the generation on "done" finds it done.
    events.generation_progress(rt, generation_id, {"event": "fedi.generation.done", "id": str(generation_id)})


def release_held(session: Session, rt: Runtime, row: Generation) -> None:
    """A moderator approved a held image: it is done, and the post that waited is published."""
    media = media_store.get(session, row.media_id) if row.media_id else None
    row.release()
    session.add(row)
    if media is not None:
        media.release()
        session.add(media)
        session.flush()
        if media.status_id is not None:
            _publish_when_ready(session, rt, media.status_id)
    event = {"event": "fedi.generation.done", "id": str(row.id)}
    on_commit(session, lambda: events.generation_progress(rt, row.id, event))


def reject_held(session: Session, rt: Runtime, row: Generation) -> None:
    """A moderator rejected a held image: the generation fails, as a refused one does."""
    _fail(session, rt, row, "the image was held for review and a moderator rejected it")


def generated_keys(generation_id: int) -> tuple[str, str]:
    """Where a generation's image and its preview are stored."""
    return f"generated/{generation_id}/original.webp", f"generated/{generation_id}/small.webp"


def _provenance(image: FinishedImage, row: Generation) -> dict[str, Any]:
    """The record a media attachment keeps: the worker's parameters, plus remix and safety notes."""
    record = dict(image.params)
    if row.remix_of_uri:
        record["remix_of"] = row.remix_of_uri
    if image.flagged:
        record["flagged"] = image.flagged
    return record


def failed(rt: Runtime, generation_id: int, reason: str) -> None:
    with rt.db.session() as session:
        row = session.get(Generation, generation_id)
        if row is not None and row.in_flight:
            _fail(session, rt, row, reason)


def _fail(session: Session, rt: Runtime, row: Generation, reason: str, *, cancelled: bool = False) -> None:
    row.fail(reason, datetime.now(UTC), cancelled=cancelled)
    session.add(row)
    media = media_store.get(session, row.media_id) if row.media_id else None
    if media is not None:
        media.fail(reason)
        session.add(media)
        status = status_store.get(session, media.status_id) if media.status_id else None
        if status is not None and status.processing:
            status.fail()
            session.add(status)
            events.status_edited(session, rt, status, [f"user:{status.account_id}"])
    events.generation_progress(
        rt, row.id, {"event": f"fedi.generation.{row.state}", "id": str(row.id), "error": reason}
    )


def _publish_when_ready(session: Session, rt: Runtime, status_id: int) -> None:
    status = status_store.get(session, status_id)
    if status is None or not status.processing:
        return
    media = media_store.of_statuses(session, [status.id])[status.id]
    if all(m.ready for m in media):
        # services.statuses, reached through the runtime: statuses builds on this module.
        rt.callbacks.publish_processing(session, rt, status)


def requeue_stuck(rt: Runtime, *, at_startup: bool = False) -> None:
    """Queue again generations whose job was lost; give up after a few attempts."""
    cutoff = datetime.now(UTC) - (timedelta(0) if at_startup else STUCK_AFTER)
    with rt.db.session() as session:
        stuck = store.in_flight_created_by(session, cutoff)
        for row in stuck:
            if row.attempts >= MAX_ATTEMPTS:
                _fail(session, rt, row, "The image could not be made (the worker failed repeatedly)")
            else:
                row.requeue()
                _queue(session, rt, row)
    if stuck:
        log.info("queued %d generation(s) again", len(stuck))


# Provenance in posts ---------------------------------------------------------------------


def generated_line(rt: Runtime, params: dict[str, Any]) -> str:
    """The visible line every generated post carries (Mastodon shows it like any text)."""
    model = str(params.get("model") or params.get("preset") or "a diffusion model")
    return f"<p>🎨 Generated with {_escape(model)} on {_escape(rt.settings.instance.domain)}</p>"


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def parse_directive(text: str) -> tuple[Ask, str] | None:
    """`/imagine a lighthouse --seed 4 --steps 2 --size 512x512 --no fog` on the first line.

    Returns the ask and the rest of the text (the caption), or None without a directive.
    """
    match = DIRECTIVE.match(text)
    if match is None:
        return None
    line = match.group("prompt")
    ask = Ask(prompt="")
    for flag in _FLAG.finditer(line):
        name, value = flag.group("name").lower(), flag.group("value").strip()
        if name == "seed":
            ask.seed = _int(value, "seed")
        elif name == "steps":
            ask.steps = _int(value, "steps")
        elif name == "size":
            width, _, height = value.lower().partition("x")
            ask.width, ask.height = _int(width, "width"), _int(height, "height")
        elif name == "strength":
            ask.strength = _strength(value)
        else:
            ask.negative_prompt = value
    written = _STRENGTH.search(line)
    if written is not None:
        ask.strength = _strength(written.group("value"))
    ask.prompt = _STRENGTH.sub("", _FLAG.sub("", line)).strip()
    return ask, (match.group("rest") or "").strip()


def _strength(value: str) -> float:
    try:
        strength = float(value)
    except ValueError:
        raise Unprocessable("strength: must be a number from 0.05 to 1", field="strength") from None
    if not 0.05 <= strength <= 1.0:
        raise Unprocessable("strength: must be from 0.05 to 1", field="strength")
    return strength


def _int(value: str, field_name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Unprocessable(f"{field_name}: must be a whole number", field=field_name) from None


def has_image(session: Session, status: Status) -> bool:
    """Whether a post carries an image one can edit (here, or at its remote URL)."""
    return any(
        m.type == "image" and (m.file_key or m.remote_url) and m.ready
        for m in media_store.of_statuses(session, [status.id])[status.id]
    )


def source_params(session: Session, status: Status) -> dict[str, Any] | None:
    """The generation parameters a post's image was made with (for remixes)."""
    for media in media_store.of_statuses(session, [status.id])[status.id]:
        if media.generation:
            return media.generation
    return None


def remix(session: Session, rt: Runtime, requester: Account, source: str, overrides: Ask) -> Generation:
    """A new image from another post's parameters (by id or URL, here or on another server)."""
    local_id = parse_id(source)
    post = (
        visibility.visible_status(session, requester, local_id)
        if local_id is not None
        else resolver.status_by_url(session, rt, source)
    )
    if post is None or not visibility.can_view(session, requester, post):
        raise Unprocessable("remix_of: no post with a generated image there", field="remix_of")
    params = source_params(session, post)
    if params is None:
        raise Unprocessable("remix_of: that post has no generated image", field="remix_of")
    base = remix_ask(params, "")
    ask = Ask(
        prompt=overrides.prompt or base.prompt,
        negative_prompt=overrides.negative_prompt or base.negative_prompt,
        width=overrides.width or base.width,
        height=overrides.height or base.height,
        steps=overrides.steps or base.steps,
        guidance=overrides.guidance,
        seed=overrides.seed,
    )
    return request(session, rt, requester, ask, kind="remix", remix_of_uri=post.uri)


def remix_ask(params: dict[str, Any], text: str) -> Ask:
    """A remix: the source's parameters, the new prompt (if any), a new seed unless given."""
    parsed = parse_directive("/imagine " + text) if text else None
    ask = parsed[0] if parsed else Ask(prompt="")
    return Ask(
        prompt=ask.prompt or str(params.get("prompt") or ""),
        negative_prompt=ask.negative_prompt or str(params.get("negative_prompt") or ""),
        width=ask.width or _opt_int(params.get("width")),
        height=ask.height or _opt_int(params.get("height")),
        steps=ask.steps or _opt_int(params.get("steps")),
        seed=ask.seed,
    )


def edit_ask(params: dict[str, Any] | None, text: str) -> Ask:
    """An edit of a post's image: the instruction as the prompt; the source's size and steps
    when it was generated here or by another fedi; a new seed; the strength asked for or the
    preset's."""
    parsed = parse_directive("/imagine " + text) if text else None
    ask = parsed[0] if parsed else Ask(prompt="")
    source = params or {}
    return Ask(
        prompt=ask.prompt,
        negative_prompt=ask.negative_prompt,
        width=ask.width or _opt_int(source.get("width")),
        height=ask.height or _opt_int(source.get("height")),
        steps=ask.steps or _opt_int(source.get("steps")),
        seed=ask.seed,
        strength=ask.strength,
    )


def _opt_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
