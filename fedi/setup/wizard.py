"""`fedi setup`: from a fresh clone to a configured instance with an admin, in one sitting.

The same questions run interactively (rich prompts, re-asked until the answer checks out) or
from flags (`--non-interactive`: the flag's value is the answer, a bad one stops with the flag's
name), so both produce the same config. Nothing is written before every question is answered;
then the config (0600), the weights, the database and the admin, and a final `fedi doctor`.
"""

from __future__ import annotations

import importlib.util
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Protocol

from rich.console import Console
from rich.prompt import Prompt
from rich.table import Table

from fedi.config import _DOMAIN, load_settings
from fedi.setup.answers import EMBEDDED, SQLITE, Answers, write_config
from fedi.setup.probes import database_problem, domain_hint, redis_problem
from generation.presets import PRESETS, TINY_SOURCE, Preset

Check = Callable[[str], str | None]
LATER, DOWNLOAD = "later", "download"


class SetupStopped(Exception):
    """The set-up cannot go on; the message says why and what to do."""


@dataclass
class Given:
    """Answers given as flags; None means "ask" (or keep the current answer)."""

    domain: str | None = None
    port: int | None = None
    data_dir: str | None = None
    database: str | None = None
    jobs: str | None = None
    media_dir: str | None = None
    preset: str | None = None
    accept_licence: list[str] = field(default_factory=list)
    weights: str | None = None
    admin_username: str | None = None
    admin_email: str | None = None
    admin_password: str | None = None


class Prompter(Protocol):
    def ask(self, flag: str, question: str, default: str, check: Check | None = None) -> str: ...
    def secret(self, flag: str, question: str) -> str: ...
    def say(self, text: str | Table) -> None: ...


class Interactive:
    """Rich prompts on the terminal; a failing check prints why and asks again."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def ask(self, flag: str, question: str, default: str, check: Check | None = None) -> str:
        while True:
            answer = Prompt.ask(question, default=default or None, console=self.console) or ""
            problem = check(answer.strip()) if check else None
            if problem is None:
                return answer.strip()
            self.console.print(problem, style="red", markup=False, highlight=False, soft_wrap=True)

    def secret(self, flag: str, question: str) -> str:
        while True:
            first = Prompt.ask(question, password=True, console=self.console) or ""
            if len(first) < 8:
                self.console.print("[red]at least 8 characters, please[/red]")
                continue
            if Prompt.ask("The same again", password=True, console=self.console) == first:
                return first
            self.console.print("[red]the two did not match[/red]")

    def say(self, text: str | Table) -> None:
        self.console.print(text, highlight=False, markup=False, soft_wrap=isinstance(text, str))


class Scripted:
    """`--non-interactive`: the default (the flag, or the config's current value) is the answer."""

    def __init__(self, console: Console, secrets: dict[str, str | None]) -> None:
        self.console = console
        self.secrets = secrets

    def ask(self, flag: str, question: str, default: str, check: Check | None = None) -> str:
        problem = check(default) if check else None
        if problem is not None:
            raise SetupStopped(f"--{flag}: {problem}")
        return default

    def secret(self, flag: str, question: str) -> str:
        value = self.secrets.get(flag) or ""
        if len(value) < 8:
            raise SetupStopped(f"--{flag}: at least 8 characters (or set FEDI_SETUP_ADMIN_PASSWORD)")
        return value

    def say(self, text: str | Table) -> None:
        self.console.print(text, highlight=False, markup=False, soft_wrap=isinstance(text, str))


def run(config: Path, given: Given, *, interactive: bool, console: Console | None = None) -> int:
    """Ask, write, fetch, create, check. Returns the exit code."""
    console = console or Console()
    prompter: Prompter = (
        Interactive(console) if interactive else Scripted(console, {"admin-password": given.admin_password})
    )
    try:
        answers, weights = _ask(config, given, prompter, measure_speed=interactive)
        write_config(config, answers)
        prompter.say(f"Wrote {config} (mode 0600).")
        settings = load_settings(config)
        _weights(settings.model_cache_dir, answers, weights, prompter)
        _admin(config, given, prompter)
    except SetupStopped as exc:
        console.print(
            f"fedi setup stopped: {exc}", style="red", markup=False, highlight=False, soft_wrap=True
        )
        return 1
    from fedi.doctor import run_checks

    prompter.say("\nChecking the set-up (fedi doctor):")
    run_checks(load_settings(config), echo=prompter.say)
    prompter.say(f"\nStart it with: scripts/serve --config {config}  (see 'Going live' in README.md)")
    return 0


def _ask(config: Path, given: Given, io: Prompter, *, measure_speed: bool) -> tuple[Answers, str]:
    """Every answer, and what to do about the weights (download, later, or a local path)."""
    answers = Answers.from_config(config)
    for item in fields(Given):
        value = getattr(given, item.name)
        if value is not None and hasattr(answers, item.name):
            setattr(answers, item.name, value)
    if config.is_file():
        io.say(f"{config} exists: its answers are the defaults.")
    answers.domain = io.ask(
        "domain", "Public domain (the host name people and servers reach)", answers.domain, _domain
    )
    io.say(domain_hint(answers.domain))
    answers.port = int(
        io.ask("port", "Port fedi listens on (your TLS proxy forwards to it)", str(answers.port), _port)
    )
    answers.data_dir = io.ask("data-dir", "Data directory", answers.data_dir, _nonempty)
    answers.database = io.ask(
        "database",
        "Database: sqlite, or a PostgreSQL URL (postgresql://user:password@host/db)",
        answers.database,
        _db,
    )
    answers.jobs = io.ask(
        "jobs", "Jobs and streaming: embedded, or a Redis URL (redis://host:6379/0)", answers.jobs, _jobs
    )
    default_media = str(Path(answers.data_dir) / "media")
    io.say("Media files are stored on this machine (S3-compatible storage is not in this version).")
    media = io.ask("media-dir", "Media directory", answers.media_dir or default_media, _nonempty)
    answers.media_dir = "" if media == default_media else media
    io.say(_preset_table(measure_speed))
    answers.preset = io.ask("preset", "Model preset", answers.preset, _preset)
    preset = PRESETS[answers.preset]
    if preset.requires_acceptance and preset.name not in answers.accept_licences + given.accept_licence:
        if isinstance(io, Scripted):
            raise SetupStopped(
                f"--accept-licence: {preset.name} is distributed under the {preset.licence} "
                f"({preset.licence_url}); if this instance may use it, add --accept-licence {preset.name}"
            )
        io.say(f"{preset.name} is distributed under the {preset.licence}: read it at {preset.licence_url}")
        typed = io.ask(
            "accept-licence",
            f"Type {preset.name} to accept this licence for this instance",
            "",
            lambda _: None,
        )
        if typed != preset.name:
            raise SetupStopped(
                f"the licence of {preset.name} was not accepted, and nothing was written. Run fedi setup "
                f"again and choose another preset, or type {preset.name} to accept it"
            )
    if preset.requires_acceptance:
        answers.accept_licences = sorted({*answers.accept_licences, preset.name})
    if preset.hub_id != TINY_SOURCE:
        where = answers.model_path or given.weights or (DOWNLOAD if measure_speed else LATER)
        choice = io.ask(
            "weights",
            f"Weights: {DOWNLOAD} ({preset.download_gb:g} GB from the hub), {LATER}, or a local diffusers directory",
            where,
            _weights_choice,
        )
        answers.model_path = "" if choice in (DOWNLOAD, LATER) else str(Path(choice).expanduser())
        return answers, choice
    answers.model_path = ""
    return answers, LATER


def _weights(cache_dir: str, answers: Answers, choice: str, io: Prompter) -> None:
    preset = PRESETS[answers.preset]
    if choice != DOWNLOAD or preset.hub_id == TINY_SOURCE:
        if choice == LATER and preset.hub_id != TINY_SOURCE:
            io.say(f"Weights later: `fedi setup --preset {preset.name} --weights download` fetches them.")
        return
    from generation.errors import ModelUnavailable
    from generation.weights import download, weights_present

    if weights_present(preset, cache_dir=cache_dir):
        io.say(f"The weights of {preset.name} are already in {cache_dir}.")
        return
    io.say(
        f"Downloading {preset.hub_id} ({preset.download_gb:g} GB) into {cache_dir}; an interrupted run resumes."
    )
    try:
        download(preset, cache_dir=cache_dir)
    except ModelUnavailable as exc:
        raise SetupStopped(
            f"{exc} (the config is written; fedi setup --weights download tries again)"
        ) from None
    io.say("Weights downloaded and complete.")


def _admin(config: Path, given: Given, io: Prompter) -> None:
    from fedi.composition import build_runtime
    from fedi.db import make_engine, migrate
    from fedi.errors import FediError
    from fedi.models.accounts import Role
    from fedi.services.accounts import create_local_account
    from fedi.services.system import ensure_system_accounts
    from fedi.store import accounts as account_store

    settings = load_settings(config)
    engine = make_engine(settings)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    runtime = build_runtime(settings)
    try:
        ensure_system_accounts(runtime)
        with runtime.db.reader() as session:
            admins = [
                account.username for account, user in account_store.local_accounts(session) if user.admin
            ]
        if admins and given.admin_username is None:
            io.say(f"Admin account: @{admins[0]} exists already.")
            return
        if isinstance(io, Scripted) and not given.admin_email:
            io.say(
                "No admin account asked for (--admin-email): create one later with `fedi accounts create`."
            )
            return
        username = io.ask("admin-username", "Admin username", given.admin_username or "admin", _nonempty)
        email = io.ask("admin-email", "Admin e-mail address (to sign in)", given.admin_email or "", _email)
        password = io.secret("admin-password", "Admin password (8 characters or more)")
        try:
            with runtime.db.session() as session:
                create_local_account(
                    session,
                    runtime.urls,
                    username=username,
                    email=email,
                    password=password,
                    passwords=runtime.passwords,
                    role=Role.OWNER,
                )
        except FediError as exc:
            raise SetupStopped(f"the admin account was not created: {exc.message}") from None
        io.say(f"Created @{username}@{settings.instance.domain}, an administrator.")
    finally:
        runtime.close()


def _preset_table(measure_speed: bool) -> Table:
    rate = _device_rate() if measure_speed else None
    table = Table(title="Model presets" + (f" (speed on {rate[0]})" if rate else ""), expand=False)
    for column in ("preset", "image", "steps", "GPU memory", "speed here", "licence"):
        table.add_column(column)
    for preset in PRESETS.values():
        table.add_row(
            preset.name,
            f"{preset.default_width}²",
            str(preset.default_steps),
            _memory(preset),
            _speed(preset, rate[1] if rate else None),
            ("accept: " if preset.requires_acceptance else "") + textwrap.shorten(preset.licence, 40),
        )
    return table


def _memory(preset: Preset) -> str:
    if not preset.vram_gb:
        return "none"
    offload = f" ({preset.offload_vram_gb:g} offloaded)" if preset.offload_vram_gb else ""
    return f"{preset.vram_gb:g} GB{offload}"


def _speed(preset: Preset, tflops: float | None) -> str:
    if preset.hub_id == TINY_SOURCE:
        return "< 1 s"
    if tflops is None or not preset.tflop_per_image:
        return "?"
    seconds = preset.tflop_per_image / tflops
    return f"≥ {seconds:.1f} s" if seconds < 60 else f"≥ {seconds / 60:.0f} min"


def _device_rate() -> tuple[str, float] | None:
    """This machine's device and its measured matmul TFLOP/s (None without torch)."""
    if importlib.util.find_spec("torch") is None:
        return None
    from generation.device import choose_device
    from generation.speed import matmul_tflops

    device = choose_device("auto")
    return device.device, matmul_tflops(device, budget_s=0.3)


def _domain(value: str) -> str | None:
    return (
        None
        if _DOMAIN.match(value.lower())
        else "a bare host name such as fedi.example (no https://, no path)"
    )


def _port(value: str) -> str | None:
    return None if value.isdigit() and 1 <= int(value) <= 65535 else "a port number from 1 to 65535"


def _nonempty(value: str) -> str | None:
    return None if value else "an answer is needed"


def _email(value: str) -> str | None:
    return (
        None if "@" in value.strip("@") and " " not in value else "an e-mail address such as you@example.org"
    )


def _db(value: str) -> str | None:
    return None if value == SQLITE else database_problem(value)


def _jobs(value: str) -> str | None:
    return None if value == EMBEDDED else redis_problem(value)


def _preset(value: str) -> str | None:
    return None if value in PRESETS else f"one of {', '.join(PRESETS)}"


def _weights_choice(value: str) -> str | None:
    if value in (DOWNLOAD, LATER):
        return None
    from generation.weights import local_copy_problem

    return local_copy_problem(Path(value).expanduser())
