"""What `fedi setup` asks, read back from an existing config and written into it.

The config is edited with tomlkit, so a second run keeps the operator's own keys and comments
and changes only what was answered. The file is written 0600: it may hold database passwords.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import Table

from generation.presets import DEFAULT_PRESET

EMBEDDED = "embedded"
SQLITE = "sqlite"


@dataclass
class Answers:
    """One answer per question; the defaults are a fresh instance's."""

    domain: str = "localhost:8000"
    port: int = 8000
    data_dir: str = "data"
    database: str = SQLITE  # or a postgresql:// URL
    jobs: str = EMBEDDED  # or a redis:// URL, used for jobs and streaming
    media_dir: str = ""  # empty: data_dir/media
    preset: str = DEFAULT_PRESET
    accept_licences: list[str] = field(default_factory=list)
    model_path: str = ""

    @classmethod
    def from_config(cls, path: Path) -> Answers:
        """The answers a config already holds (a rerun offers them as defaults)."""
        if not path.is_file():
            return cls()
        data = tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()
        instance, server, database = (
            _section(data, "instance"),
            _section(data, "server"),
            _section(data, "database"),
        )
        jobs, media, generation = (
            _section(data, "jobs"),
            _section(data, "media"),
            _section(data, "generation"),
        )
        fresh = cls()
        return cls(
            domain=str(instance.get("domain", fresh.domain)),
            port=int(server.get("port", fresh.port)),
            data_dir=str(data.get("data_dir", fresh.data_dir)),
            database=str(database.get("url") or SQLITE),
            jobs=str(jobs.get("url") or EMBEDDED) if jobs.get("backend") == "redis" else EMBEDDED,
            media_dir=str(media.get("directory", "")),
            preset=str(generation.get("preset", fresh.preset)),
            accept_licences=[str(name) for name in generation.get("accept_licences", [])],
            model_path=str(generation.get("model_path", "")),
        )


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def write_config(path: Path, answers: Answers) -> None:
    """Write the answers into `path` (created, or edited in place), mode 0600, atomically."""
    document = tomlkit.parse(path.read_text(encoding="utf-8")) if path.is_file() else _new_document()
    document["data_dir"] = answers.data_dir
    _set(document, "instance", domain=answers.domain)
    _set(document, "server", port=answers.port)
    _set(document, "database", url="" if answers.database == SQLITE else answers.database)
    redis = "" if answers.jobs == EMBEDDED else answers.jobs
    _set(document, "jobs", backend="redis" if redis else "sqlite", url=redis)
    _set(document, "streaming", backend="redis" if redis else "memory", redis_url=redis)
    _set(document, "media", directory=answers.media_dir)
    _set(
        document,
        "generation",
        preset=answers.preset,
        accept_licences=sorted(set(answers.accept_licences)),
        model_path=answers.model_path,
    )
    text = tomlkit.dumps(document)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=".config-", dir=path.parent)
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise


def _new_document() -> tomlkit.TOMLDocument:
    document = tomlkit.document()
    document.add(
        tomlkit.comment("fedi configuration, written by `fedi setup` (run it again to change answers).")
    )
    document.add(
        tomlkit.comment("Every key and its default: config.example.toml. Any key can be added here.")
    )
    return document


def _set(document: tomlkit.TOMLDocument, name: str, **values: Any) -> None:
    table = document.get(name)
    if not isinstance(table, Table):
        table = tomlkit.table()
        document[name] = table
    for key, value in values.items():
        table[key] = value
