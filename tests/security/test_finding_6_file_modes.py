"""Finding 6: private files were world-readable. The SQLite database (actors' private keys,
password hashes) was created 0644; only `secret_key` was 0600."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import pytest

from fedi.config import ConfigError, load_settings
from fedi.db import make_engine, migrate
from fedi.jobs.queue import JobQueue
from fedi.web.session import secret_key
from tests.support.processes import free_port, running, write_config


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_finding_6_a_fresh_data_dir_is_0700_and_its_files_0600(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = load_settings(data_dir=data)
    engine = make_engine(settings)
    migrate(engine)
    engine.dispose()
    JobQueue(settings)
    secret_key(data)
    files = sorted(p for p in data.iterdir() if p.is_file())
    assert {p.name for p in files} >= {"fedi.sqlite3", "jobs.sqlite3", "secret_key"}
    assert _mode(data) == 0o700
    assert {p.name: oct(_mode(p)) for p in files} == {p.name: oct(0o600) for p in files}


def test_finding_6_a_data_dir_that_others_can_write_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o777)
    with pytest.raises(ConfigError, match=r"^data_dir: .*writ"):
        load_settings(data_dir=data)


@pytest.mark.slow
def test_finding_6_fedi_serve_on_a_fresh_data_dir_keeps_it_private(tmp_path: Path) -> None:
    """Must-show 5, as `scripts/serve` does it: a data dir that does not exist yet."""
    port = free_port()
    config = write_config(tmp_path, port, "")  # the embedded default: SQLite in data_dir
    with running(config, port) as server:
        assert httpx.get(f"{server.url}/api/v1/instance", timeout=10).status_code == 200
        data = tmp_path / "data"
        entries = {p.name: oct(_mode(p)) for p in data.iterdir()}
    assert oct(_mode(data)) == oct(0o700)
    files = {name: mode for name, mode in entries.items() if (data / name).is_file()}
    assert {"fedi.sqlite3", "jobs.sqlite3", "secret_key"} <= set(files)
    assert set(files.values()) == {oct(0o600)}, entries
    assert entries["media"] == oct(0o700)
