"""`fedi doctor`: check each part an instance needs and say, in plain words, how to fix it."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from fedi.config import Settings

Status = Literal["ok", "warn", "fail"]
_MARK = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}


@dataclass
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""


def run_checks(settings: Settings, *, echo: Callable[[str], None]) -> bool:
    """Print every check; True when nothing failed (warnings allowed)."""
    ok = True
    for check in _checks(settings):
        echo(f"[{_MARK[check.status]}] {check.name}: {check.detail}")
        if check.fix:
            echo(f"       fix: {check.fix}")
        ok = ok and check.status != "fail"
    echo("healthy" if ok else "problems found: see FAIL lines above")
    return ok


def _checks(settings: Settings) -> Iterator[Check]:
    yield from _config(settings)
    yield _data_dir(settings)
    yield from _database(settings)
    yield _jobs(settings)
    yield from _shared_services(settings)
    yield from _generation(settings)
    yield _readiness(settings)


def _config(settings: Settings) -> Iterator[Check]:
    source = str(settings._config_file) if settings._config_file else "built-in defaults"
    yield Check("config", "ok", f"loaded from {source}; instance at {settings.base_url}")
    if settings.instance.domain.startswith(("localhost", "127.")):
        yield Check(
            "federation",
            "warn",
            f"instance.domain is {settings.instance.domain}: other servers cannot reach it",
            "set instance.domain to the public host name this server answers on",
        )
    elif not settings.https:
        yield Check(
            "federation",
            "warn",
            "instance.https is false for a public domain: Mastodon only federates over https",
            "serve behind a TLS proxy and remove instance.https from the config",
        )


def _data_dir(settings: Settings) -> Check:
    usage = shutil.disk_usage(settings.data_dir)
    free_gb = usage.free / 1e9
    detail = f"{settings.data_dir.resolve()} is writable, {free_gb:.1f} GB free"
    if free_gb < 1:
        return Check("data dir", "warn", detail, "free disk space: media and the database grow")
    return Check("data dir", "ok", detail)


def _database(settings: Settings) -> Iterator[Check]:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from fedi.db import make_engine, pending_migrations

    url = make_url(settings.database_url).render_as_string(hide_password=True)
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        yield Check("database", "ok", f"{url} answers")
        pending = pending_migrations(engine)
        if pending:
            yield Check(
                "migrations",
                "fail",
                f"{len(pending)} migration(s) not applied",
                "run `fedi migrate` (fedi serve also applies them at start)",
            )
        else:
            yield Check("migrations", "ok", "schema is up to date")
    except Exception as exc:
        yield Check(
            "database",
            "fail",
            f"{url} does not answer: {type(exc).__name__}: {str(exc).splitlines()[0]}",
            "check database.url, and that the server is running and accepts this user",
        )
    finally:
        engine.dispose()


def _jobs(settings: Settings) -> Check:
    from fedi.jobs.queue import JobQueue

    where = settings.jobs.backend if settings.jobs.backend != "sqlite" else "SQLite in the data dir"
    try:
        queue = JobQueue(settings)
        queue.ping()
        mode = "consumed inside fedi serve" if settings.jobs.embedded else "consumed by fedi worker"
        return Check("job engine", "ok", f"huey on {where}, {queue.pending()} job(s) waiting, {mode}")
    except Exception as exc:
        return Check(
            "job engine",
            "fail",
            f"huey on {where} cannot be reached: {type(exc).__name__}",
            "check jobs.backend and jobs.url",
        )


def _shared_services(settings: Settings) -> Iterator[Check]:
    """The services that let several processes work as one: Redis, the streaming bus, the bucket."""
    redis_urls = {settings.streaming.redis_url} if settings.streaming_backend == "redis" else set()
    if settings.jobs.backend == "redis":
        redis_urls.add(settings.jobs.url)
    for url in sorted(redis_urls):
        yield _redis(url)
    yield _streaming(settings)
    yield _media_storage(settings)


def _redis(url: str) -> Check:
    from sqlalchemy.engine import make_url

    shown = make_url(url).render_as_string(hide_password=True)
    try:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)
        try:
            client.ping()
            version = client.info("server").get("redis_version", "?")
        finally:
            client.close()
    except Exception as exc:
        return Check(
            "redis",
            "fail",
            f"{shown} does not answer: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
            "check the Redis URL (jobs.url, streaming.redis_url) and that Redis is running",
        )
    return Check("redis", "ok", f"{shown} answers (Redis {version})")


def _streaming(settings: Settings) -> Check:
    where = {
        "memory": "in memory: events reach clients of this `fedi serve` only",
        "redis": "Redis pub/sub: every `fedi serve` and `fedi worker` share events",
        "postgres": "PostgreSQL LISTEN/NOTIFY: every `fedi serve` and `fedi worker` share events",
    }[settings.streaming_backend]
    return Check("streaming", "ok", where)


def _media_storage(settings: Settings) -> Check:
    from fedi.media.storage import media_storage

    media = settings.media
    where = (
        f"bucket {media.bucket!r} at {media.endpoint or 'AWS S3'}"
        if media.backend == "s3"
        else str(settings.media_dir.resolve())
    )
    try:
        media_storage(settings).check()
    except Exception as exc:
        detail = str(exc).splitlines()[0] if str(exc) else ""
        return Check(
            "media storage",
            "fail",
            f"cannot write and delete a file in {where}: {type(exc).__name__}: {detail}"[:400],
            "check media.bucket, media.endpoint and the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY "
            "environment variables"
            if media.backend == "s3"
            else "check that media.directory exists and is writable by this user",
        )
    served = f"served from {settings.media_base_url}"
    return Check("media storage", "ok", f"{where}: a test file was written and deleted; {served}")


def _generation(settings: Settings) -> Iterator[Check]:
    import importlib.util

    if not settings.generation.enabled:
        yield Check("generation", "ok", "disabled (generation.enabled = false)")
        return
    if settings.generation.worker == "remote":
        yield Check("generation", "ok", "runs on `fedi gpu-worker` hosts (generation.worker = remote)")
        return
    if importlib.util.find_spec("torch") is None or importlib.util.find_spec("diffusers") is None:
        yield Check(
            "generation",
            "warn",
            "torch and diffusers are not installed: image generation is unavailable",
            "pip install 'fedi[generation]'",
        )
        return
    yield from _generation_backend(settings)


def _generation_backend(settings: Settings) -> Iterator[Check]:
    import torch

    yield from _model(settings)
    yield _content_credentials(settings)

    if torch.cuda.is_available():
        name = torch.cuda.get_device_name(0)
        memory_gb = torch.cuda.get_device_properties(0).total_memory / 2**30
        yield Check("gpu", "ok", f"{name}, {memory_gb:.0f} GiB")
    else:
        yield Check(
            "gpu",
            "warn",
            "no CUDA GPU: generation runs on the CPU (slow for real models; fine for `tiny`)",
            "install an NVIDIA driver and a CUDA build of torch for GPU generation",
        )


def _content_credentials(settings: Settings) -> Check:
    from fedi.media.content_credentials import local_paths

    options = settings.generation
    if options.c2pa_certificate:
        missing = [p for p in (options.c2pa_certificate, options.c2pa_private_key) if not Path(p).is_file()]
        if missing:
            return Check("content credentials", "fail", f"not readable: {', '.join(missing)}")
        return Check("content credentials", "ok", f"images are signed with {options.c2pa_certificate}")
    chain, _ = local_paths(settings)
    return Check(
        "content credentials",
        "warn",
        f"images are signed with a local certificate ({chain}, made at first start): C2PA validators "
        "call its signer untrusted",
        "set generation.c2pa_certificate and generation.c2pa_private_key to a certificate from a "
        "C2PA-trusted issuer",
    )


def _model(settings: Settings) -> Iterator[Check]:
    from huggingface_hub import try_to_load_from_cache

    from generation.errors import GenerationError
    from generation.presets import TINY_SOURCE, resolve_preset

    options = settings.generation
    try:
        preset = resolve_preset(options.preset)
    except GenerationError as exc:
        yield Check(
            "model", "fail", str(exc), "set generation.preset to a preset name, a hub id or a local directory"
        )
        return
    if preset.requires_acceptance and preset.name not in options.accept_licences:
        yield Check(
            "model licence",
            "warn",
            f"{preset.name} is under the {preset.licence}, not accepted yet: generation is refused",
            f"read {preset.licence_url}, then set generation.accept_licences = [{preset.name!r}]",
        )
    if preset.hub_id == TINY_SOURCE:
        yield Check("model", "ok", "tiny: random weights built offline (noise, for tests and demos)")
    elif options.model_path:
        found = (Path(options.model_path) / "model_index.json").is_file()
        yield Check(
            "model",
            "ok" if found else "fail",
            f"{preset.name} from {options.model_path}" + ("" if found else ": no model_index.json there"),
            "" if found else "point generation.model_path at a diffusers directory",
        )
    elif isinstance(
        try_to_load_from_cache(preset.hub_id, "model_index.json", cache_dir=settings.model_cache_dir), str
    ):
        yield Check("model", "ok", f"{preset.name} ({preset.hub_id}) is in the local model cache")
    else:
        fix = (
            f"run `fedi setup --preset {preset.name}` (or `hf download {preset.hub_id} --cache-dir "
            f"{settings.model_cache_dir}`); the generation worker also fetches them at start when it "
            "can reach the hub"
        )
        yield Check("model", "warn", f"the weights of {preset.hub_id} are not downloaded yet", fix)


def _readiness(settings: Settings) -> Check:
    """The answer the composer, the API and the bot give: can images be asked for now?"""
    from fedi.jobs.queue import JobQueue
    from fedi.services.readiness import NotReadyReason, check

    try:
        state = check(settings, JobQueue(settings))
    except Exception as exc:
        return Check(
            "generation ready", "fail", f"cannot tell: {type(exc).__name__}: {exc}", "see the checks above"
        )
    if state.reason is None:
        return Check("generation ready", "ok", f"yes: {state.preset} takes requests")
    if state.reason is NotReadyReason.DISABLED:
        return Check("generation ready", "ok", "no: generation is turned off (generation.enabled = false)")
    # A warning, like the model checks above: the instance serves and federates without images.
    return Check(
        "generation ready",
        "warn",
        f"no ({state.reason.value}): {state.detail}",
        f"{state.fix} (see {state.docs_url})",
    )
