"""Configuration: defaults, TOML, environment overrides, and one-line errors naming the key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fedi.config import ConfigError, load_settings
from generation.presets import DEFAULT_PRESET

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_give_the_embedded_mode(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert settings.database_url.startswith("sqlite:///")
    assert settings.jobs.backend == "sqlite" and settings.jobs.embedded
    assert settings.federation.allow_private_addresses is False
    assert settings.generation.preset == DEFAULT_PRESET == "flux2-klein-4b"
    # localhost is served over plain http; a public domain defaults to https.
    assert settings.base_url == "http://localhost:8000"
    assert load_settings(data_dir=tmp_path, instance={"domain": "Fedi.Example"}).base_url == (
        "https://fedi.example"
    )


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "d"}"\n[instance]\ndomain = "a.example"\nname = "A"\n'
        "[server]\nport = 9000\n"
    )
    monkeypatch.setenv("FEDI_CONFIG", str(config))
    monkeypatch.setenv("FEDI_INSTANCE__DOMAIN", "b.example")
    monkeypatch.setenv("FEDI_DATABASE__URL", "postgresql://u@db/fedi")
    settings = load_settings()
    assert settings.instance.domain == "b.example"
    assert settings.instance.name == "A"  # the rest of the section still comes from the file
    assert settings.server.port == 9000
    assert settings.database_url == "postgresql+psycopg://u@db/fedi"


@pytest.mark.parametrize(
    ("toml", "key", "reason"),
    [
        ("[server]\nprot = 8000\n", "server.prot", "unknown key"),
        ('[server]\nport = "eighty"\n', "server.port", "valid integer"),
        ("[server]\nport = 70000\n", "server.port", "less than or equal to 65535"),
        ('[instance]\ndomain = "https://x.example/"\n', "instance.domain", "bare host name"),
        ('[jobs]\nbackend = "redis"\n', "jobs", "jobs.url is required"),
        ('[generation]\ndtype = "int8"\n', "generation.dtype", "float32"),
        # Shorter than senders retry: redeliveries would be taken as new.
        (
            "[federation]\ninbox_retention_days = 1\n",
            "federation.inbox_retention_days",
            "greater than or equal to 3",
        ),
        ("[federation]\nfetches_per_host = 0\n", "federation.fetches_per_host", "greater than or equal to 1"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, toml: str, key: str, reason: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path}"\n' + toml)
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    message = str(caught.value)
    assert message.startswith(f"{key}:"), message
    assert reason in message
    assert "\n" not in message


def test_unwritable_data_dir_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigError, match=r"^data_dir: cannot write to"):
        load_settings(data_dir=blocker / "data")


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[server\nport = 1\n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_settings(config)


@pytest.mark.parametrize(
    ("content", "key"),
    [
        ("[server]\nprot = 8000\n", "server.prot"),
        ('[server]\nport = "eighty"\n', "server.port"),
        ('data_dir = "/proc/fedi-cannot-write-here"\n', "data_dir"),
    ],
)
def test_the_cli_exits_with_one_line_naming_the_key(tmp_path: Path, content: str, key: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(content)
    result = subprocess.run(
        [sys.executable, "-m", "fedi", "--config", str(config), "serve"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert key in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def _keys(model: type, prefix: str = "") -> set[str]:
    from pydantic import BaseModel

    keys: set[str] = set()
    for name, field in model.model_fields.items():  # type: ignore[attr-defined]
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys |= _keys(annotation, f"{prefix}{name}.")
        else:
            keys.add(prefix + name)
    return keys


def test_the_example_config_documents_every_key_with_its_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re
    import tomllib

    from fedi.config import Settings

    text = (ROOT / "config.example.toml").read_text()
    documented: set[str] = set()
    section = ""
    for line in text.splitlines():
        if match := re.match(r"^\[(\w+)\]$", line):
            section = match.group(1) + "."
        elif match := re.match(r"^#? ?(\w+) = ", line):
            documented.add(section + match.group(1))
    assert documented == _keys(Settings)

    monkeypatch.chdir(tmp_path)  # the example's data_dir is relative
    example = load_settings(ROOT / "config.example.toml")
    defaults = load_settings()
    assert example.model_dump() == defaults.model_dump()
    assert tomllib.loads(text)["instance"]["domain"] == "localhost:8000"
