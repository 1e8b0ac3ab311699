"""The `fedi` command: setup, serve, worker, migrate, accounts, emoji, doctor."""

from __future__ import annotations

import logging
import re
import sys
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fedi import __version__
from fedi.cli_common import STATE as _state
from fedi.cli_common import fail as _fail
from fedi.cli_common import load as _settings
from fedi.cli_common import runtime_for_command as _runtime_for_command
from fedi.cli_emoji import emoji_app
from fedi.cli_moderation import add_account_commands, domains_app, reports_app, rules_app
from fedi.config import Settings
from fedi.errors import FediError

if TYPE_CHECKING:
    from fedi.jobs.gpu_process import GpuWorkerProcess
    from fedi.runtime import Runtime

app = typer.Typer(
    name="fedi",
    help="fedi: an ActivityPub server whose posts carry images made on its own GPU.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
accounts_app = typer.Typer(
    help="Create, list and moderate local accounts, and set their passwords.", no_args_is_help=True
)
app.add_typer(accounts_app, name="accounts")
app.add_typer(domains_app, name="domains")
app.add_typer(reports_app, name="reports")
app.add_typer(rules_app, name="rules")
app.add_typer(emoji_app, name="emoji")
db_app = typer.Typer(help="Move the database (SQLite to PostgreSQL).", no_args_is_help=True)
app.add_typer(db_app, name="db")
media_app = typer.Typer(
    help="Media files: move them to a bucket, prune the remote media cache.", no_args_is_help=True
)
app.add_typer(media_app, name="media")

log = logging.getLogger("fedi")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"fedi {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="TOML config file (default: $FEDI_CONFIG, else built-in defaults).",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    _state.config_path = config


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (server.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (server.port).")] = None,
) -> None:
    """Apply migrations, then serve the web pages, the client API and federation.

    In the embedded mode (jobs.embedded, the default) background jobs run in this process too.
    """
    import uvicorn

    from fedi.app import create_app
    from fedi.composition import build_runtime
    from fedi.db import make_engine, migrate
    from fedi.observability.logging import configure_logging
    from fedi.services.system import claim_id_node, ensure_system_accounts

    overrides: dict[str, object] = {}
    if host is not None or port is not None:
        base = _settings()
        server = base.server.model_copy(
            update={k: v for k, v in {"host": host, "port": port}.items() if v is not None}
        )
        overrides["server"] = server.model_dump()
    settings = _settings(**overrides)
    configure_logging(settings.log)
    engine = make_engine(settings)
    try:
        migrate(engine)
    except Exception as exc:
        _fail(f"cannot migrate the database at {_safe_url(settings)}: {exc}", code=1)
    finally:
        engine.dispose()
    runtime = build_runtime(settings)
    ensure_system_accounts(runtime)
    claim_id_node(runtime)
    if settings.generation.enabled and not settings.generation.c2pa_certificate:
        from fedi.media.content_credentials import signing_identity

        signing_identity(settings)  # the local signing certificate, made once at first start
    gpu = _embedded_gpu_worker(settings, runtime)
    try:
        uvicorn.run(
            create_app(runtime),
            host=settings.server.host,
            port=settings.server.port,
            log_config=None,
            proxy_headers=True,
            forwarded_allow_ips=settings.server.trusted_proxies,
            server_header=False,
        )
    finally:
        if gpu is not None:
            gpu.stop()


def _embedded_gpu_worker(settings: Settings, runtime: Runtime) -> GpuWorkerProcess | None:
    """In the embedded mode generation runs in a child process (the web process never loads torch)."""
    import importlib.util

    from fedi.jobs.gpu_process import GpuWorkerProcess
    from fedi.jobs.heartbeat import supervised

    generation = settings.generation
    if not (generation.enabled and generation.worker == "embedded" and settings.jobs.embedded):
        return None
    if importlib.util.find_spec("torch") is None:
        log.warning("image generation is unavailable: install fedi[generation] (torch, diffusers)")
        return None
    started, exited = supervised(runtime.jobs.gpu, generation.preset)
    worker = GpuWorkerProcess(settings._config_file, on_start=started, on_exit=exited)
    worker.start()
    return worker


@app.command()
def worker(
    workers: Annotated[int | None, typer.Option(help="Worker threads (jobs.workers).")] = None,
) -> None:
    """Consume background jobs (deliveries, fetches, media) from the shared queue."""
    from fedi.composition import build_runtime
    from fedi.jobs.consumer import run_forever
    from fedi.observability.logging import configure_logging
    from fedi.services.federation.recovery import release_claims
    from fedi.services.system import claim_id_node, ensure_system_accounts

    settings = _settings()
    configure_logging(settings.log)
    if settings.jobs.backend == "sqlite" and settings.jobs.embedded:
        log.warning("jobs.embedded is on: `fedi serve` consumes this queue too")
    runtime = build_runtime(settings)
    ensure_system_accounts(runtime)
    claim_id_node(runtime)
    run_forever(
        runtime.jobs.main, workers or settings.jobs.workers, on_reclaimed=partial(release_claims, runtime)
    )


@app.command("gpu-worker")
def gpu_worker(
    threads: Annotated[
        int | None, typer.Option(help="Job threads (default: twice generation.max_batch, so batches fill).")
    ] = None,
    parent_pid: Annotated[int | None, typer.Option(hidden=True)] = None,
) -> None:
    """Make images for the gpu queue. Needs the job queue, not the database."""
    from fedi.composition import build_runtime
    from fedi.jobs.consumer import run_forever
    from fedi.jobs.gpu_process import exit_with_parent
    from fedi.jobs.heartbeat import Heartbeat, WorkerState, load_failure
    from fedi.observability.logging import configure_logging
    from generation.errors import GenerationError

    settings = _settings()
    configure_logging(settings.log)
    if parent_pid is not None:
        exit_with_parent(parent_pid)
    runtime = build_runtime(settings)
    # Tells the web side that a worker is here and whether its model loaded (fedi.services.readiness).
    beat = Heartbeat(runtime.jobs.gpu, settings.generation.preset)
    beat.start()
    try:
        runtime.gpu.get().preload(_preset_name(settings))
        beat.set(WorkerState.READY)
    except GenerationError as exc:
        # Keep consuming: each request then fails with this same explanation.
        log.error("the model cannot be loaded: %s", exc)
        beat.set(WorkerState.FAILED, load_failure(exc), str(exc))
    try:
        run_forever(runtime.jobs.gpu, threads or settings.generation.max_batch * 2, periodic=False)
    finally:
        beat.stop()


def _preset_name(settings: Settings) -> str:
    from generation.presets import resolve_preset

    return resolve_preset(settings.generation.preset).name


@app.command()
def generate(
    prompt: Annotated[str, typer.Argument(help="What to draw.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the image (.webp or .png).")],
    negative: Annotated[str, typer.Option(help="What to keep out of the image.")] = "",
    seed: Annotated[int | None, typer.Option(help="Seed (default: random, printed).")] = None,
    steps: Annotated[int | None, typer.Option(help="Denoising steps (default: the preset's).")] = None,
    width: Annotated[int | None, typer.Option(help="Width in pixels (default: the preset's).")] = None,
    height: Annotated[int | None, typer.Option(help="Height in pixels (default: the preset's).")] = None,
) -> None:
    """Make one image here and now with the configured preset (progress bar included)."""
    from fedi.jobs.gpu_worker import generate_to_file

    settings = _settings()
    try:
        params = generate_to_file(
            settings, prompt, output, negative=negative, seed=seed, steps=steps, width=width, height=height
        )
    except FediError as exc:
        _fail(exc.message, code=1)
    typer.echo(f"wrote {output} ({params['model']}, seed {params['seed']}, {params['steps']} step(s))")


@app.command("migrate")
def migrate_command() -> None:
    """Apply pending database migrations (fedi serve also does this at start)."""
    from fedi.db import make_engine, migrate, pending_migrations
    from fedi.observability.logging import configure_logging

    settings = _settings()
    configure_logging(settings.log)
    engine = make_engine(settings)
    try:
        todo = pending_migrations(engine)
        if not todo:
            typer.echo("database is up to date")
            return
        typer.echo(f"applying {len(todo)} migration(s): {', '.join(todo)}")
        migrate(engine)
        typer.echo(f"applied {len(todo)} migration(s)")
    except Exception as exc:
        _fail(f"migration failed on {_safe_url(settings)}: {exc}", code=1)
    finally:
        engine.dispose()


@accounts_app.command("create")
def accounts_create(
    username: Annotated[str, typer.Argument(help="Local username, e.g. alice.")],
    email: Annotated[str, typer.Option(help="Login e-mail address.")],
    password: Annotated[
        str,
        typer.Option(help="Login password (at least 8 characters).", prompt=True, hide_input=True),
    ],
    admin: Annotated[bool, typer.Option("--admin", help="Grant administrator rights.")] = False,
) -> None:
    """Create a local account that can log in."""
    from fedi.models.accounts import Role
    from fedi.services.accounts import create_local_account

    runtime = _runtime_for_command()
    try:
        with runtime.db.session() as session:
            account = create_local_account(
                session,
                runtime.urls,
                username=username,
                email=email,
                password=password,
                passwords=runtime.passwords,
                role=Role.ADMIN if admin else Role.USER,
            )
    except FediError as exc:
        _fail(exc.message, code=1)
    typer.echo(f"created @{account.username}@{runtime.settings.instance.domain} ({account.uri})")


@accounts_app.command("password")
def accounts_password(
    username: Annotated[str, typer.Argument(help="Local username, e.g. alice.")],
    password: Annotated[
        str,
        typer.Option(
            help="The new password (at least 8 characters).",
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
        ),
    ],
) -> None:
    """Set a local account's password; every web session it had is signed out."""
    from fedi.services.accounts import change_password

    runtime = _runtime_for_command()
    try:
        with runtime.db.session() as session:
            change_password(session, runtime.passwords, username, password)
    except FediError as exc:
        _fail(exc.message, code=1)
    typer.echo(f"password of @{username} changed; its web sessions are signed out")


@accounts_app.command("list")
def accounts_list() -> None:
    """List local accounts that can log in."""
    from fedi.models.accounts import Role
    from fedi.store import accounts as store

    runtime = _runtime_for_command()
    with runtime.db.reader() as session:
        rows = store.local_accounts(session)
    if not rows:
        typer.echo("no local accounts yet: create one with `fedi accounts create NAME --email E`")
        return
    for account, user in rows:
        role = "" if user.role == Role.USER else f" ({user.role})"
        typer.echo(f"@{account.username}\t{user.email}\t{account.created_at:%Y-%m-%d}{role}")


@accounts_app.command("export")
def accounts_export(
    username: Annotated[str, typer.Argument(help="The local account whose archive to build.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="The zip file to write (default: NAME-archive.zip).")
    ] = None,
) -> None:
    """Build an account's archive: Mastodon's layout (actor, outbox, likes, bookmarks, follows,
    media) plus generations.jsonl, with each generated image and its Content Credentials."""
    from fedi.services.export import write_archive_file
    from fedi.store import accounts as store

    runtime = _runtime_for_command()
    try:
        with runtime.db.reader() as session:
            account = store.by_acct(session, username.lstrip("@"), None)
        if account is None:
            _fail(f"no local account @{username.lstrip('@')}", code=1)
        target = output or Path(f"{account.username}-archive.zip")
        counts = write_archive_file(
            runtime, account.id, target, progress=lambda posts: typer.echo(f"  {posts:,d} posts...", err=True)
        )
    finally:
        runtime.close()
    typer.echo(
        f"wrote {target}: {counts['posts']:,d} posts, {counts['images']:,d} images "
        f"({counts['generations']:,d} generated), {counts['likes']:,d} favourites, "
        f"{counts['bookmarks']:,d} bookmarks, {counts['following']:,d} follows"
    )


add_account_commands(accounts_app)


@db_app.command("copy")
def db_copy(
    to: Annotated[
        str, typer.Option("--to", help="The PostgreSQL database to fill: postgresql://user:password@host/db.")
    ],
) -> None:
    """Copy this (stopped) SQLite instance into an empty PostgreSQL database, then verify it.

    An empty database is migrated first. Every table is copied with its ids and keys; row counts
    and checksums are printed and checked again on PostgreSQL. Afterwards set database.url to
    the new database; keep data_dir (secret_key, media) as it is.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from fedi.db import make_engine, migrate
    from fedi.movers.database import CopyError, copy_database

    settings = _settings()
    if not to.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        _fail("--to must be a postgresql:// URL")
    target_url = "postgresql+psycopg://" + to.split("://", 1)[1]
    shown = make_url(target_url).render_as_string(hide_password=True)
    source, destination = make_engine(settings), create_engine(target_url)
    try:
        typer.echo(f"copying {_safe_url(settings)} into {shown} (fedi must be stopped)")
        try:
            applied = migrate(destination)
        except Exception as exc:
            _fail(f"cannot migrate {shown}: {exc}", code=1)
        if applied:
            typer.echo(f"migrated {shown} ({len(applied)} migration(s))")
        try:
            reports = copy_database(source, destination, console=typer.echo)
        except CopyError as exc:
            _fail(str(exc), code=1)
    finally:
        source.dispose()
        destination.dispose()
    if not all(report.verified for report in reports):
        _fail("the copy does not match the source: see MISMATCH above", code=1)
    rows = sum(report.rows for report in reports)
    typer.echo(f"copied and verified {rows:,d} rows in {len(reports)} tables")
    typer.echo(f"next: set database.url = {shown!r} (with its password) and start fedi")


@media_app.command("copy")
def media_copy(
    to: Annotated[str, typer.Option("--to", help="Where to: s3 (the bucket set by media.bucket).")],
) -> None:
    """Copy the local media directory into the bucket (media.bucket, media.endpoint, media.region).

    Resumable: run it again to copy only what is missing (a final pass with fedi stopped), then
    set media.backend = "s3".
    """
    from fedi.media.storage import LocalStorage, S3Storage
    from fedi.movers.media import copy_media

    settings = _settings()
    if to != "s3":
        _fail("--to must be s3")
    media = settings.media
    if not media.bucket:
        _fail("set media.bucket (and media.endpoint, media.region) to the bucket to copy into")
    source = LocalStorage(settings.media_dir)
    destination = S3Storage(media.bucket, endpoint=media.endpoint, region=media.region)
    try:
        result = copy_media(source, destination, console=typer.echo)
    except Exception as exc:
        _fail(
            f"the copy stopped ({type(exc).__name__}: {str(exc).splitlines()[0]}); run it again to resume",
            code=1,
        )
    if result.missing_after:
        _fail(
            f"{len(result.missing_after)} file(s) are not in the bucket after the copy: run it again", code=1
        )
    typer.echo(
        f"copied {result.copied:,d} file(s) ({result.bytes_copied:,d} bytes), {result.skipped:,d} were "
        "already there; every file is in the bucket with its size"
    )
    if media.backend != "s3":
        typer.echo('next: set media.backend = "s3" and restart fedi')


@media_app.command("prune")
def media_prune(
    older_than: Annotated[
        str,
        typer.Option("--older-than", help="Age of the cached remote images to remove: 7d, 12h, 0d (all)."),
    ],
    statuses_older_than: Annotated[
        str | None,
        typer.Option(
            "--statuses-older-than",
            help="Also delete remote posts nobody here interacted with, older than this (30d).",
        ),
    ] = None,
) -> None:
    """Free space: cached copies of remote posts' images (clients get their original URLs
    again), processed inbox rows past federation.inbox_retention_days, and with
    --statuses-older-than the remote posts nobody here touched. Prints what each freed."""
    from fedi.services.federation.retention import prune_inbox, prune_remote_statuses
    from fedi.services.media_cache import prune

    age = _duration(older_than, "--older-than")
    statuses_age = _duration(statuses_older_than, "--statuses-older-than") if statuses_older_than else None
    runtime = _runtime_for_command()
    try:
        pruned = prune(runtime, age)
        posts = prune_remote_statuses(runtime, statuses_age) if statuses_age is not None else None
        inbox = prune_inbox(runtime)
    finally:
        runtime.close()
    typer.echo(f"removed {pruned.images:,d} cached remote image(s), {pruned.bytes_freed:,d} bytes freed")
    if posts is not None:
        typer.echo(f"deleted {posts:,d} remote post(s) nobody here interacted with")
    typer.echo(f"deleted {inbox:,d} processed inbox item(s)")


@media_app.command("usage")
def media_usage() -> None:
    """Bytes in media storage by kind: uploads, generated images, avatars and headers, and the
    remote media cache."""
    from fedi.media.storage import media_storage

    settings = _settings()
    totals: dict[str, list[int]] = {}
    for item in media_storage(settings).objects():
        kind = item.key.split("/", 1)[0]
        counted = totals.setdefault(kind, [0, 0])
        counted[0] += 1
        counted[1] += item.size
    names = {
        "attachments": "uploads",
        "generated": "generated images",
        "cache": "remote media cache",
        "emojis": "custom emoji",
    }
    for kind, (files, size) in sorted(totals.items()):
        typer.echo(f"{names.get(kind, kind):<20} {files:>8,d} files {size:>16,d} bytes")
    files, size = sum(t[0] for t in totals.values()), sum(t[1] for t in totals.values())
    typer.echo(f"{'total':<20} {files:>8,d} files {size:>16,d} bytes")


def _duration(text: str, option: str) -> timedelta:
    match = re.fullmatch(r"(\d{1,6})([dhm])", text.strip())
    if match is None:
        _fail(f"{option} must be a number of days, hours or minutes (7d, 12h, 30m), not {text!r}")
    unit = {"d": "days", "h": "hours", "m": "minutes"}[match[2]]
    return timedelta(**{unit: int(match[1])})


@app.command()
def setup(
    non_interactive: Annotated[
        bool,
        typer.Option("--non-interactive", help="Take every answer from the flags (and the existing config)."),
    ] = False,
    domain: Annotated[str | None, typer.Option(help="Public host name (instance.domain).")] = None,
    port: Annotated[int | None, typer.Option(help="Port fedi listens on (server.port).")] = None,
    data_dir: Annotated[str | None, typer.Option(help="Data directory (data_dir).")] = None,
    database: Annotated[str | None, typer.Option(help="'sqlite' or a postgresql:// URL (checked).")] = None,
    jobs: Annotated[
        str | None, typer.Option(help="'embedded' or a redis:// URL for jobs and streaming.")
    ] = None,
    media_dir: Annotated[str | None, typer.Option(help="Media directory (media.directory).")] = None,
    preset: Annotated[str | None, typer.Option(help="Model preset (generation.preset).")] = None,
    accept_licence: Annotated[
        list[str] | None, typer.Option(help="Accept this preset's licence (its name); repeatable.")
    ] = None,
    weights: Annotated[
        str | None, typer.Option(help="'download', 'later', or a local diffusers directory.")
    ] = None,
    admin_username: Annotated[str | None, typer.Option(help="First admin's username.")] = None,
    admin_email: Annotated[str | None, typer.Option(help="First admin's e-mail (sign-in).")] = None,
    admin_password: Annotated[
        str | None, typer.Option(envvar="FEDI_SETUP_ADMIN_PASSWORD", help="First admin's password.")
    ] = None,
) -> None:
    """Walk through domain, database, jobs, media, model (licence, weights) and the first admin,
    then write the config (--config, default ./config.toml, mode 0600) and run fedi doctor.

    Run it again to change answers: the current config's values are the defaults.
    """
    from fedi.setup.wizard import Given, run

    given = Given(
        domain=domain,
        port=port,
        data_dir=data_dir,
        database=database,
        jobs=jobs,
        media_dir=media_dir,
        preset=preset,
        accept_licence=accept_licence or [],
        weights=weights,
        admin_username=admin_username,
        admin_email=admin_email,
        admin_password=admin_password,
    )
    raise typer.Exit(run(_state.config_path or Path("config.toml"), given, interactive=not non_interactive))


@app.command()
def doctor() -> None:
    """Check config, data dir, database, job engine and generation, and say how to fix them."""
    from fedi.doctor import run_checks

    settings = _settings()
    ok = run_checks(settings, echo=typer.echo)
    raise typer.Exit(0 if ok else 1)


def _safe_url(settings: Settings) -> str:
    """The database URL without its password, for error messages."""
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
