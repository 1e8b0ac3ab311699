"""`fedi setup` driven through a pseudo-terminal as an operator would, and by flags as a script would.

The interactive runs go through pexpect: real prompts, real echo-less password entry, real exit
codes. The model step's weights are never downloaded here (HF_HUB_OFFLINE=1); the download
itself is tested with a fake hub in tests/generation/test_default_preset.py.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import httpx
import pytest

pexpect = pytest.importorskip("pexpect", reason="pexpect is not installed (pip install 'fedi[dev]')")

from fedi.app import create_app  # noqa: E402
from fedi.composition import build_runtime  # noqa: E402
from fedi.config import load_settings  # noqa: E402
from tests.support.processes import ROOT, free_port  # noqa: E402
from tests.web.markup import csrf_token  # noqa: E402

pytestmark = pytest.mark.slow
PASSWORD = "correct horse"
# First-time questions are answered within seconds; the model table measures this CPU once.
STEP_S = 120


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEDI_")}
    env.update(PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", COLUMNS="120", TERM="dumb")
    return env


def _spawn(home: Path) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable,
        ["-m", "fedi", "--config", "config.toml", "setup"],
        cwd=str(home),
        env=_env(),
        encoding="utf-8",
        timeout=STEP_S,
        dimensions=(50, 120),
    )


def _answer(child: pexpect.spawn, prompt: str, reply: str) -> None:
    child.expect_exact(prompt)
    child.sendline(reply)


def _through_the_model_step(child: pexpect.spawn, port: int, preset: str) -> None:
    _answer(child, "Public domain", f"127.0.0.1:{port}")
    child.expect_exact("only reachable from this machine")
    _answer(child, "Port fedi listens on", str(port))
    _answer(child, "Data directory", "")
    _answer(child, "Database: sqlite, or a PostgreSQL URL", "")
    _answer(child, "Jobs and streaming: embedded, or a Redis URL", "")
    _answer(child, "Media directory", "")
    child.expect_exact("Model presets (speed on cpu)")  # the table, with this machine's speed
    _answer(child, "Model preset", preset)


def _admin(child: pexpect.spawn) -> None:
    _answer(child, "Admin username", "alice")
    _answer(child, "Admin e-mail address", "alice@example.org")
    _answer(child, "Admin password", PASSWORD)
    _answer(child, "The same again", PASSWORD)
    child.expect_exact("Created @alice@")
    child.expect_exact("Start it with: scripts/serve --config config.toml")
    child.expect(pexpect.EOF)
    child.close()


async def _signs_in(config: Path, email: str, password: str) -> bool:
    previous = Path.cwd()
    os.chdir(config.parent)  # data_dir is relative, as the wizard wrote it
    try:
        runtime = build_runtime(load_settings(config))
        transport = httpx.ASGITransport(app=create_app(runtime))
        async with httpx.AsyncClient(transport=transport, base_url=runtime.settings.base_url) as client:
            form = await client.get("/auth/sign_in")
            answer = await client.post(
                "/auth/sign_in",
                data={"csrf_token": csrf_token(form.text), "next": "/", "email": email, "password": password},
            )
        runtime.close()
        return answer.status_code == 303
    finally:
        os.chdir(previous)


async def test_interactive_setup_with_tiny_writes_a_working_config_and_an_admin_who_signs_in(
    tmp_path: Path,
) -> None:
    port = free_port()
    interactive, scripted = tmp_path / "interactive", tmp_path / "scripted"
    interactive.mkdir()
    child = _spawn(interactive)
    _through_the_model_step(child, port, "tiny")
    _admin(child)
    assert child.exitstatus == 0
    config = interactive / "config.toml"
    assert config.stat().st_mode & 0o777 == 0o600
    settings = load_settings(config)
    assert (settings.instance.domain, settings.server.port, settings.generation.preset) == (
        f"127.0.0.1:{port}",
        port,
        "tiny",
    )
    assert await _signs_in(config, "alice@example.org", PASSWORD)
    assert not await _signs_in(config, "alice@example.org", "wrong password")

    # The same answers as flags: the same config, byte for byte.
    scripted.mkdir()
    flags = ["--domain", f"127.0.0.1:{port}", "--port", str(port), "--preset", "tiny"]
    flags += ["--admin-username", "alice", "--admin-email", "alice@example.org"]
    done = pexpect.run(
        f"{sys.executable} -m fedi --config config.toml setup --non-interactive {' '.join(flags)}",
        cwd=str(scripted),
        env=_env() | {"FEDI_SETUP_ADMIN_PASSWORD": PASSWORD},
        encoding="utf-8",
        timeout=STEP_S,
        withexitstatus=True,
    )
    assert done[1] == 0, done[0]
    assert (scripted / "config.toml").read_text() == config.read_text()
    assert await _signs_in(scripted / "config.toml", "alice@example.org", PASSWORD)

    # A second run offers the first run's answers: pressing enter keeps them.
    again = _spawn(interactive)
    again.expect_exact(f"Public domain (the host name people and servers reach) (127.0.0.1:{port})")
    again.sendline("")
    for prompt in (
        "Port fedi listens on",
        "Data directory",
        "Database",
        "Jobs and streaming",
        "Media directory",
    ):
        _answer(again, prompt, "")
    again.expect_exact("Model preset (tiny)")
    again.sendline("")
    again.expect_exact("Admin account: @alice exists already.")
    again.expect(pexpect.EOF)
    again.close()
    assert again.exitstatus == 0 and (scripted / "config.toml").read_text() == config.read_text()


def test_sd_turbo_stops_at_its_licence_unless_its_name_is_typed(tmp_path: Path) -> None:
    port = free_port()
    child = _spawn(tmp_path)
    _through_the_model_step(child, port, "sd-turbo")
    child.expect_exact("Stability AI Non-Commercial Research Community License")
    _answer(child, "Type sd-turbo to accept this licence for this instance", "yes")
    child.expect_exact("the licence of sd-turbo was not accepted, and nothing was written")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1 and not (tmp_path / "config.toml").exists()

    child = _spawn(tmp_path)
    _through_the_model_step(child, port, "sd-turbo")
    _answer(child, "Type sd-turbo to accept this licence for this instance", "sd-turbo")
    _answer(child, "Weights: download (5.2 GB from the hub), later, or a local diffusers directory", "later")
    _admin(child)
    assert child.exitstatus == 0
    generation = load_settings(tmp_path / "config.toml").generation
    assert (generation.preset, generation.accept_licences) == ("sd-turbo", ["sd-turbo"])


@pytest.mark.parametrize("weights", ["local copy", "download"])
def test_the_default_model_from_a_local_copy_or_a_download_is_ready_for_a_worker(
    weights: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub

    from fedi.jobs.queue import JobQueue
    from fedi.services.readiness import NotReadyReason, check
    from fedi.setup.wizard import Given, run
    from generation.presets import DEFAULT_PRESET
    from generation.testing import build_tiny_flux2_klein
    from tests.generation.test_default_preset import _fake_hub

    copy = build_tiny_flux2_klein(tmp_path / "klein")
    monkeypatch.chdir(tmp_path)
    fetch = _fake_hub(copy, tmp_path / "data" / "models")
    monkeypatch.setattr(huggingface_hub, "snapshot_download", fetch)  # the hub, faked offline
    given = Given(
        domain="fedi.test",
        preset=DEFAULT_PRESET,
        weights=str(copy) if weights == "local copy" else "download",
    )
    assert run(Path("config.toml"), given, interactive=False) == 0
    settings = load_settings(Path("config.toml"))
    assert settings.generation.model_path == (str(copy) if weights == "local copy" else "")
    assert len(fetch.calls) == (weights == "download")
    # The weights are complete: what is left is a worker to load them.
    assert check(settings, JobQueue(settings)).reason is NotReadyReason.NO_WORKER


def test_a_script_must_accept_a_licence_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    from fedi.setup.wizard import Given, run

    monkeypatch.chdir(tmp_path)
    console = Console(record=True, width=200)
    assert (
        run(
            Path("config.toml"),
            Given(domain="localhost:8000", preset="sd-turbo"),
            interactive=False,
            console=console,
        )
        == 1
    )
    assert "add --accept-licence sd-turbo" in console.export_text() and not Path("config.toml").exists()
    given = Given(domain="localhost:8000", preset="sd-turbo", accept_licence=["sd-turbo"], weights="later")
    assert run(Path("config.toml"), given, interactive=False, console=console) == 0
    assert load_settings(Path("config.toml")).generation.accept_licences == ["sd-turbo"]
