"""Every generated image carries signed Content Credentials (C2PA) that c2pa-python's reader
validates: made by a trained algorithm, which model, which parameters; a remix names its source
as an ingredient, and a thumbnail names its original."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlmodel import select

from fedi.composition import build_runtime
from fedi.config import Settings
from fedi.doctor import run_checks
from fedi.jobs.gpu_engine import GpuEngine
from fedi.models.accounts import Account
from fedi.models.media import MediaAttachment
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import generations, statuses
from fedi.services.accounts import create_local_account
from fedi.services.system import ensure_system_accounts
from fedi.store.views import status_view
from generation.credentials import COMPOSITE_SOURCE_TYPE, read_credentials, self_signed_identity
from generation.provenance import DIGITAL_SOURCE_TYPE
from tests.conftest import make_test_settings

pytest.importorskip("c2pa", reason="c2pa-python is not installed (pip install 'fedi[generation]')")


def _imagine(runtime: Runtime, author: Account, text: str, **draft: object) -> tuple[str, MediaAttachment]:
    with runtime.db.session() as session:
        status = statuses.create(session, runtime, author, statuses.StatusDraft(text=text, **draft))  # type: ignore[arg-type]
    with runtime.db.reader() as session:
        status = session.merge(status)
        [media] = status_view(session, status, None).media
    assert media.state == "ready" and media.file_key and media.thumbnail_key
    return status.uri, media


def test_a_generated_image_has_valid_credentials_naming_the_model_and_seed(
    runtime: Runtime, local_account: Account, settings: Settings
) -> None:
    _, media = _imagine(runtime, local_account, "/imagine a paper crane --seed 41 --steps 2")
    credentials = read_credentials(runtime.media.read(media.file_key or ""), "image/webp")
    assert credentials is not None
    assert credentials.validation_state == "Valid"  # signed and intact; the local root is not a trusted CA
    assert credentials.digital_source_type == DIGITAL_SOURCE_TYPE
    assert credentials.actions == ["c2pa.created"]
    assert credentials.parameters is not None
    assert credentials.parameters["seed"] == 41 and credentials.parameters["prompt"] == "a paper crane"
    assert credentials.parameters["model"] == media.generation["model"]  # type: ignore[index]
    assert credentials.signer["issuer"] == "fedi.test"
    # The thumbnail is a resized copy whose ingredient is the original, named by its URL.
    preview = read_credentials(runtime.media.read(media.thumbnail_key or ""), "image/webp")
    assert preview is not None and preview.validation_state == "Valid"
    assert preview.actions == ["c2pa.opened", "c2pa.resized"]
    [original] = preview.ingredients
    assert original["title"] == runtime.urls.media(media.file_key or "")
    assert original["relationship"] == "parentOf"
    # With no certificate configured, fedi made a local one; its key is private.
    key = settings.data_dir / "c2pa" / "key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_a_remix_lists_its_source_image_as_an_ingredient(runtime: Runtime, local_account: Account) -> None:
    source_uri, source = _imagine(runtime, local_account, "/imagine a blue bicycle --seed 11 --steps 2")
    with runtime.db.session() as session:
        row = generations.remix(
            session, runtime, local_account, str(source.status_id), generations.Ask(prompt="a red bicycle")
        )
    with runtime.db.reader() as session:
        remix = session.get(MediaAttachment, row.media_id)
        assert remix is not None and remix.file_key
    credentials = read_credentials(runtime.media.read(remix.file_key), "image/webp")
    assert credentials is not None and credentials.validation_state == "Valid"
    assert credentials.actions == ["c2pa.created"]  # a new image from the source's parameters
    [ingredient] = credentials.ingredients
    assert ingredient["title"] == source_uri and ingredient["relationship"] == "componentOf"
    assert credentials.parameters is not None and credentials.parameters["prompt"] == "a red bicycle"


def test_an_edit_is_the_source_image_opened_and_edited_by_the_model(
    runtime: Runtime, local_account: Account
) -> None:
    source_uri, source = _imagine(runtime, local_account, "/imagine a blue bicycle --seed 11 --steps 2")
    with runtime.db.session() as session:
        request = statuses.create(
            session,
            runtime,
            local_account,
            statuses.StatusDraft(text="@imagine make it red strength=0.4", in_reply_to_id=source.status_id),
        )
    with runtime.db.reader() as session:
        # The bot answers with the edit, as a reply to the request.
        [answer] = session.exec(select(Status).where(Status.in_reply_to_id == request.id)).all()
        [edit] = status_view(session, answer, None).media
    credentials = read_credentials(runtime.media.read(edit.file_key or ""), "image/webp")
    assert credentials is not None and credentials.validation_state == "Valid"
    assert credentials.actions == ["c2pa.opened", "c2pa.edited"]
    assert credentials.digital_source_type == COMPOSITE_SOURCE_TYPE
    [ingredient] = credentials.ingredients
    assert ingredient["title"] == source_uri and ingredient["relationship"] == "parentOf"
    assert credentials.parameters is not None
    assert credentials.parameters["prompt"] == "make it red" and credentials.parameters["strength"] == 0.4


def test_an_operator_certificate_signs_instead_of_the_local_one(
    tmp_path: Path, database_url: str, gpu_engine: GpuEngine
) -> None:
    made = self_signed_identity("Example Newsroom")
    chain, key = tmp_path / "chain.pem", tmp_path / "key.pem"
    chain.write_bytes(made.chain_pem)
    key.write_bytes(made.key_pem)
    settings = make_test_settings(
        tmp_path / "data",
        database_url,
        generation={"c2pa_certificate": str(chain), "c2pa_private_key": str(key)},
    )
    runtime = build_runtime(settings, immediate_jobs=True, gpu=gpu_engine)
    ensure_system_accounts(runtime)
    try:
        with runtime.db.session() as session:
            alice = create_local_account(
                session,
                runtime.urls,
                username="alice",
                email="a@x.org",
                password="12345678",
                passwords=runtime.passwords,
            )
        _, media = _imagine(runtime, alice, "/imagine a lighthouse --steps 2")
        credentials = read_credentials(runtime.media.read(media.file_key or ""), "image/webp")
    finally:
        runtime.close()
    assert credentials is not None and credentials.signer["issuer"] == "Example Newsroom"
    assert not (settings.data_dir / "c2pa").exists()


def test_doctor_says_when_images_are_signed_with_the_local_certificate(settings: Settings) -> None:
    lines: list[str] = []
    run_checks(settings, echo=lines.append)
    [at] = [number for number, line in enumerate(lines) if "content credentials" in line]
    assert "signed with a local certificate" in lines[at]
    assert "generation.c2pa_certificate" in lines[at + 1]  # how to fix it


def test_threads_that_sign_at_once_make_one_local_identity(tmp_path: Path) -> None:
    """The first signers race to make the local certificate: one pair is made and all use it."""
    from concurrent.futures import ThreadPoolExecutor

    from fedi.media.content_credentials import signing_identity

    settings = make_test_settings(tmp_path / "data", "sqlite://")
    with ThreadPoolExecutor(max_workers=6) as pool:
        made = list(pool.map(lambda _: signing_identity(settings).signing, range(6)))
    assert len({(identity.chain_pem, identity.key_pem) for identity in made}) == 1
