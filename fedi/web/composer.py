"""The "Imagine" composer: a prompt becomes an image (with live progress), then a post.

`/imagine` asks (prompt, aspect, seed; prefilled from another post to remix it), the image is
made by the GPU worker like any other generation (kind "web"), `/imagine/ID` follows it and,
once it exists, posts it with a caption, content warning and visibility.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from fedi.api.context import fetch_first, read, run_sync, runtime_of, write
from fedi.errors import FediError, NotFound, Unprocessable
from fedi.ids import parse_id
from fedi.models.accounts import Account
from fedi.models.generations import FINISHED, Generation, GenerationState
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import directory, generations, media, profiles, readiness, resolver, statuses, visibility
from fedi.services.readiness import NotReadyReason
from fedi.web import present
from fedi.web.pages import page, render, sign_in_first
from fedi.web.session import checked_form, current_account, current_user

if TYPE_CHECKING:
    from generation.presets import Preset

ASPECTS = {"square": "Square", "portrait": "Portrait (3:4)", "landscape": "Landscape (4:3)"}
VISIBILITIES = {"public": "Public", "unlisted": "Unlisted", "private": "Followers only"}
# What a post made here says it was posted with (Mastodon's `application`).
APPLICATION = {"name": "Web", "website": None}


@dataclass
class Draft:
    """What the composer form holds."""

    prompt: str = ""
    aspect: str = "square"
    seed: str = ""
    remix_of: int | None = None

    @classmethod
    def from_form(cls, form: dict[str, str]) -> Draft:
        aspect = form.get("aspect", "square")
        return cls(
            prompt=form.get("prompt", "").strip(),
            aspect=aspect if aspect in ASPECTS else "square",
            seed=form.get("seed", "").strip(),
            remix_of=parse_id(form.get("remix_of")),
        )

    def ask(self, preset: Preset) -> generations.Ask:
        width, height = size_of(preset, self.aspect)
        return generations.Ask(prompt=self.prompt, width=width, height=height, seed=self._seed())

    def _seed(self) -> int | None:
        if not self.seed:
            return None
        if not self.seed.isdigit():
            raise Unprocessable("seed: must be a whole number from 0 to 4294967295", field="seed")
        return int(self.seed)


def size_of(preset: Preset, aspect: str) -> tuple[int, int]:
    """The preset's own size for a square; 3:4 or 4:3 of it, on its size grid, otherwise."""
    side, step, low = (
        max(preset.default_width, preset.default_height),
        preset.size_multiple,
        preset.size_range[0],
    )
    if aspect == "square":
        return preset.default_width, preset.default_height
    short = max(low, round(side * 3 / 4 / step) * step)
    return (short, side) if aspect == "portrait" else (side, short)


def aspect_of(width: object, height: object) -> str:
    if not isinstance(width, int) or not isinstance(height, int) or width == height:
        return "square"
    return "portrait" if width < height else "landscape"


# The form ---------------------------------------------------------------------------------


@page
async def composer(request: Request) -> Response:
    me = await current_account(request)
    if me is None:
        return sign_in_first(request)
    remix_of = parse_id(request.query_params.get("remix_of"))
    draft = await read(request, lambda s: _remix_draft(s, me, remix_of)) if remix_of else Draft()
    return await _composer_page(request, me, draft)


@page
async def start(request: Request) -> Response:
    fields = await checked_form(request)
    me = await current_account(request)
    if me is None:
        return sign_in_first(request)
    rt, draft = runtime_of(request), Draft.from_form(fields)
    try:
        row = await write(request, lambda s: _start(s, rt, me.id, draft))
    except FediError as exc:
        return await _composer_page(request, me, draft, error=exc.message, status_code=exc.status)
    return RedirectResponse(f"/imagine/{row.id}", status_code=303)


async def _composer_page(
    request: Request, me: Account, draft: Draft, *, error: str | None = None, status_code: int = 200
) -> Response:
    rt = runtime_of(request)
    quota = await read(request, lambda s: generations.quota(s, rt, me))
    state = await run_sync(readiness.of, rt)
    user = await current_user(request)
    context = {
        "me": me,
        "draft": draft,
        "error": error,
        "quota": quota,
        "aspects": ASPECTS,
        "readiness": state,
        # Operators see why and how to fix it; everyone else only that it is not set up.
        "admin_view": user is not None and user.admin,
        "fix": code_spans(state.fix),
        "preset": generations.preset(rt.settings)
        if state.reason is not NotReadyReason.MODEL_FAILED
        else None,
    }
    return render(request, "composer.html", context, status_code=status_code)


def code_spans(text: str) -> list[tuple[str, bool]]:
    """`text` split at backticks into (piece, is_code): commands show as code on the page."""
    return [(piece, index % 2 == 1) for index, piece in enumerate(text.split("`")) if piece]


def _remix_draft(session: Session, me: Account, status_id: int) -> Draft:
    source = visibility.visible_status(session, me, status_id)
    params = generations.source_params(session, source)
    if params is None:
        raise Unprocessable("That post has no generated image to remix")
    prompt = params.get("prompt")
    return Draft(
        prompt=prompt if isinstance(prompt, str) else "",
        aspect=aspect_of(params.get("width"), params.get("height")),
        remix_of=status_id,
    )


def _start(session: Session, rt: Runtime, account_id: int, draft: Draft) -> Generation:
    requester = directory.account(session, account_id)
    ask = draft.ask(generations.preset(rt.settings))
    if draft.remix_of is not None:
        return generations.remix(session, rt, requester, str(draft.remix_of), ask)
    return generations.request(session, rt, requester, ask, kind="web")


# One generation: progress, preview, posting ------------------------------------------------


@dataclass(frozen=True)
class Job:
    """A generation as its page shows it."""

    id: int
    state: GenerationState
    percent: int
    prompt: str
    size: str
    seed: int
    steps: int
    error: str | None
    preview: present.Picture | None
    alt: str
    posted_path: str | None
    default_visibility: str

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


@page
async def job_page(request: Request) -> Response:
    me = await current_account(request)
    if me is None:
        return sign_in_first(request)
    job = await read(request, lambda s: load_job(s, runtime_of(request), me, job_id_of(request)))
    return _job_page(request, me, job)


@page
async def publish(request: Request) -> Response:
    fields = await checked_form(request)
    me = await current_account(request)
    if me is None:
        return sign_in_first(request)
    rt, job_id = runtime_of(request), job_id_of(request)
    await fetch_first(rt, resolver.start_mentions, fields.get("caption", ""), timeout=resolver.LOOKUP_WAIT_S)
    try:
        status = await write(request, lambda s: _publish(s, rt, me.id, job_id, fields))
    except Unprocessable as exc:
        job = await read(request, lambda s: load_job(s, rt, me, job_id))
        return _job_page(request, me, job, error=exc.message, form=fields, status_code=422)
    return RedirectResponse(f"{present.profile_path(me.acct())}/{status.id}", status_code=303)


@page
async def cancel(request: Request) -> Response:
    await checked_form(request)
    me = await current_account(request)
    if me is None:
        return sign_in_first(request)
    rt, job_id = runtime_of(request), job_id_of(request)
    await write(request, lambda s: generations.cancel(s, rt, directory.account(s, me.id), job_id))
    return RedirectResponse(f"/imagine/{job_id}", status_code=303)


def _job_page(
    request: Request,
    me: Account,
    job: Job,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    values = {"caption": "", "spoiler_text": "", "description": job.alt, "visibility": job.default_visibility}
    context = {
        "me": me,
        "job": job,
        "error": error,
        "form": values | (form or {}),
        "visibilities": VISIBILITIES,
    }
    return render(request, "generation.html", context, status_code=status_code)


def load_job(session: Session, rt: Runtime, me: Account, job_id: int) -> Job:
    row = generations.get(session, me, job_id)
    if row.media_id is None:
        raise NotFound()
    item = media.own(session, me, row.media_id)
    total = max(row.progress_total, row.steps, 1)
    return Job(
        id=row.id,
        state=row.state,
        percent=100 if row.state == GenerationState.DONE else round(100 * row.progress_step / total),
        prompt=row.prompt,
        size=f"{row.width} \N{MULTIPLICATION SIGN} {row.height}",
        seed=row.seed,
        steps=row.steps,
        error=row.error,
        preview=present.picture(item, rt.urls) if item.ready else None,
        alt=item.description,
        posted_path=f"{present.profile_path(me.acct())}/{item.status_id}" if item.status_id else None,
        default_visibility=profiles.preferences(session, me.id).default_visibility,
    )


def _publish(session: Session, rt: Runtime, account_id: int, job_id: int, form: dict[str, str]) -> Status:
    author = directory.account(session, account_id)
    row = generations.get(session, author, job_id)
    if row.media_id is None:
        raise NotFound()
    if media.own(session, author, row.media_id).status_id is not None:
        raise Unprocessable("This image is posted already")
    media.update(session, author, row.media_id, description=form.get("description", ""), focus=None)
    visibility_chosen = form.get("visibility", "public")
    draft = statuses.StatusDraft(
        text=form.get("caption", ""),
        media_ids=[row.media_id],
        spoiler_text=form.get("spoiler_text", ""),
        visibility=visibility_chosen if visibility_chosen in VISIBILITIES else "public",
        application=dict(APPLICATION),
        remix_of_uri=row.remix_of_uri,
        prompt_caption=row.prompt,
    )
    return statuses.create(session, rt, author, draft)


def job_id_of(request: Request) -> int:
    job_id = parse_id(request.path_params["id"])
    if job_id is None:
        raise NotFound()
    return job_id
