"""The `fedi` command: help everywhere, migrations, accounts, doctor."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fedi.cli import app

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = [
    [],
    ["serve"],
    ["worker"],
    ["migrate"],
    ["accounts"],
    ["accounts", "create"],
    ["accounts", "list"],
    ["accounts", "password"],
    ["accounts", "suspend"],
    ["accounts", "unsuspend"],
    ["accounts", "delete"],
    ["accounts", "approve"],
    ["accounts", "role"],
    ["domains"],
    ["domains", "block"],
    ["domains", "unblock"],
    ["domains", "list"],
    ["domains", "allow"],
    ["domains", "disallow"],
    ["domains", "purge"],
    ["reports"],
    ["reports", "list"],
    ["rules"],
    ["rules", "list"],
    ["rules", "add"],
    ["rules", "edit"],
    ["rules", "remove"],
    ["emoji"],
    ["emoji", "add"],
    ["emoji", "list"],
    ["emoji", "remove"],
    ["doctor"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "fedi")
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_the_module_runs_as_a_program() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fedi", "--version"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.startswith("fedi ")


def _invoke(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--config", str(config), *args])
    return result.exit_code, result.output


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n')
    return config


def test_migrate_accounts_and_doctor(config_file: Path) -> None:
    code, output = _invoke(config_file, "accounts", "list")
    assert code == 1 and "fedi migrate" in output

    code, output = _invoke(config_file, "migrate")
    assert code == 0 and "applying" in output
    code, output = _invoke(config_file, "migrate")
    assert code == 0 and "up to date" in output

    code, output = _invoke(
        config_file,
        "accounts",
        "create",
        "alice",
        "--email",
        "Alice@Example.org",
        "--password",
        "correct horse",
        "--admin",
    )
    assert code == 0, output
    assert "created @alice@localhost:8000" in output
    code, output = _invoke(
        config_file,
        "accounts",
        "create",
        "ALICE",
        "--email",
        "b@example.org",
        "--password",
        "12345678",
    )
    assert code == 1 and "taken" in output
    code, output = _invoke(
        config_file, "accounts", "create", "bob", "--email", "b@example.org", "--password", "short"
    )
    assert code == 1 and "password must be at least 8" in output
    code, output = _invoke(config_file, "accounts", "password", "alice", "--password", "a new password")
    assert code == 0 and "signed out" in output
    code, output = _invoke(config_file, "accounts", "password", "nobody", "--password", "a new password")
    assert code == 1 and "no local account 'nobody'" in output
    code, output = _invoke(config_file, "accounts", "list")
    assert code == 0
    assert "@alice\talice@example.org" in output and "(admin)" in output
    assert "bob" not in output

    code, output = _invoke(config_file, "doctor")
    assert code == 0, output
    assert "[ok  ] database" in output and "[ok  ] migrations" in output
    assert output.strip().endswith("healthy")


def test_doctor_says_how_to_fix_missing_migrations(config_file: Path) -> None:
    code, output = _invoke(config_file, "doctor")
    assert code == 1
    assert "[FAIL] migrations" in output and "run `fedi migrate`" in output


def test_generate_writes_an_image_that_carries_its_parameters(tmp_path: Path) -> None:
    from generation.provenance import read_params
    from tests.conftest import MODEL_CACHE

    config = tmp_path / "config.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "data"}"\n[generation]\npreset = "tiny"\ncache_dir = "{MODEL_CACHE}"\n'
    )
    output = tmp_path / "fox.webp"
    code, text = _invoke(
        config, "generate", "a fox in the snow", "-o", str(output), "--seed", "9", "--steps", "2"
    )
    assert code == 0, text
    assert "seed 9" in text
    params = read_params(output.read_bytes())
    assert params is not None
    assert (params.prompt, params.seed, params.steps) == ("a fox in the snow", 9, 2)


def test_generate_refuses_bad_input_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n[generation]\npreset = "tiny"\n')
    code, text = _invoke(config, "generate", "a fox", "-o", str(tmp_path / "x.webp"), "--steps", "0")
    assert code == 1 and "steps" in text
    code, text = _invoke(config, "generate", "a fox", "-o", str(tmp_path / "x.gif"))
    assert code == 1 and ".webp or .png" in text
