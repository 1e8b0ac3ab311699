"""`fedi accounts export`: an archive in Mastodon's layout with generations.jsonl, whose images
keep their provenance and Content Credentials, and nothing of anyone else."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fedi.cli import app as cli
from fedi.config import Settings
from fedi.models.accounts import Account
from fedi.runtime import Runtime
from fedi.services import interactions, relationships, statuses
from fedi.services.accounts import create_local_account
from generation.credentials import read_credentials

pytest.importorskip("c2pa", reason="c2pa-python is not installed (pip install 'fedi[generation]')")


def _config(settings: Settings) -> Path:
    config = settings.data_dir / "config.toml"
    config.write_text(
        f'data_dir = "{settings.data_dir}"\n[database]\nurl = "{settings.database.url}"\n'
        f'[instance]\ndomain = "{settings.instance.domain}"\n'
    )
    return config


def test_an_archive_holds_the_posts_the_generations_and_their_credentials(
    runtime: Runtime, local_account: Account, settings: Settings, tmp_path: Path
) -> None:
    with runtime.db.session() as session:
        bob = create_local_account(
            session,
            runtime.urls,
            username="bob",
            email="b@x.org",
            password="12345678",
            passwords=runtime.passwords,
        )
    with runtime.db.session() as session:
        bobs = statuses.create(session, runtime, bob, statuses.StatusDraft(text="bob's own words"))
    prompts = ["a red fox --seed 1", "a blue whale --seed 2", "a green owl --seed 3"]
    for prompt in prompts:
        with runtime.db.session() as session:
            statuses.create(session, runtime, local_account, statuses.StatusDraft(text=f"/imagine {prompt}"))
    with runtime.db.session() as session:
        statuses.create(
            session, runtime, local_account, statuses.StatusDraft(text="just words", visibility="private")
        )
        interactions.favourite(session, runtime, local_account, bobs.id)
        relationships.follow(session, runtime, local_account, bob.id)

    target = tmp_path / "alice.zip"
    result = CliRunner().invoke(
        cli, ["--config", str(_config(settings)), "accounts", "export", "alice", "--output", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert "4 posts, 3 images (3 generated), 1 favourites" in result.output

    archive = zipfile.ZipFile(target)
    names = set(archive.namelist())
    assert {"actor.json", "outbox.json", "likes.json", "bookmarks.json", "following_accounts.csv"} <= names
    actor = json.loads(archive.read("actor.json"))
    assert actor["type"] == "Person" and actor["preferredUsername"] == "alice"
    outbox = json.loads(archive.read("outbox.json"))
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 4
    assert {item["type"] for item in outbox["orderedItems"]} == {"Create"}
    assert {item["object"]["attributedTo"] for item in outbox["orderedItems"]} == {actor["id"]}
    # Every attachment points at a file inside the archive, as in Mastodon's archives.
    files = [a["url"] for item in outbox["orderedItems"] for a in item["object"]["attachment"]]
    assert len(files) == 3 and all(f.lstrip("/") in names for f in files)

    lines = [json.loads(line) for line in archive.read("generations.jsonl").decode().splitlines()]
    assert sorted(line["parameters"]["seed"] for line in lines) == [1, 2, 3]
    assert sorted(line["parameters"]["prompt"] for line in lines) == [
        "a blue whale",
        "a green owl",
        "a red fox",
    ]
    for line in lines:
        image = archive.read(line["file"])
        credentials = read_credentials(image, "image/webp")
        assert credentials is not None and credentials.validation_state == "Valid"
        assert credentials.parameters is not None
        assert credentials.parameters["seed"] == line["parameters"]["seed"]

    assert json.loads(archive.read("likes.json"))["orderedItems"] == [bobs.uri]
    rows = list(csv.reader(io.StringIO(archive.read("following_accounts.csv").decode())))
    assert rows == [
        ["Account address", "Show boosts", "Notify on new posts", "Languages"],
        ["bob@fedi.test", "true", "false", ""],
    ]
    # Nothing of bob's: his words are nowhere, his post only as the URI alice favourited.
    everything = b"".join(archive.read(name) for name in names)
    assert b"bob's own words" not in everything


def test_an_unknown_account_is_refused(settings: Settings, runtime: Runtime) -> None:
    result = CliRunner().invoke(cli, ["--config", str(_config(settings)), "accounts", "export", "nobody"])
    assert result.exit_code == 1 and "no local account @nobody" in result.output
