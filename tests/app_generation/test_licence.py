"""A person's licence for their generated images is shown on the post, carried in the
ActivityPub object and signed into the image's Content Credentials."""

from __future__ import annotations

import httpx
import pytest

from fedi.convert import to_activitypub
from fedi.models.accounts import Account
from fedi.runtime import Runtime
from fedi.services import statuses
from fedi.store.views import status_view
from generation.credentials import read_credentials
from tests.web.conftest import sign_in
from tests.web.markup import csrf_token

pytest.importorskip("c2pa", reason="c2pa-python is not installed (pip install 'fedi[generation]')")


async def test_a_chosen_licence_travels_with_each_new_image(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account
) -> None:
    await sign_in(client)
    page = await client.get("/settings/profile")
    saved = await client.post(
        "/settings/profile", data={"csrf_token": csrf_token(page.text), "image_licence": "CC-BY-4.0"}
    )
    assert saved.status_code == 303
    with runtime.db.session() as session:
        posted = statuses.create(
            session, runtime, local_account, statuses.StatusDraft(text="/imagine a heron")
        )
    with runtime.db.reader() as session:
        view = status_view(session, session.merge(posted), None)
        note = to_activitypub.note(view, runtime.urls)
        [media] = view.media
    assert note["license"] == "https://creativecommons.org/licenses/by/4.0/"
    credentials = read_credentials(runtime.media.read(media.file_key or ""), "image/webp")
    assert credentials is not None and credentials.licence == "CC-BY-4.0"
    shown = await client.get(f"/@alice/{posted.id}")
    assert 'rel="license noopener noreferrer">CC BY 4.0</a>' in shown.text
    api = (await client.get(f"/api/v1/statuses/{posted.id}")).json()
    assert api["fedi_generation"]["licence"] == "CC-BY-4.0"

    refused = await client.post(
        "/settings/profile", data={"csrf_token": csrf_token(page.text), "image_licence": "WTFPL"}
    )
    assert refused.status_code == 422 and "choose one of the licences offered" in refused.text


async def test_by_default_an_image_is_all_rights_reserved(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account
) -> None:
    with runtime.db.session() as session:
        posted = statuses.create(
            session, runtime, local_account, statuses.StatusDraft(text="/imagine a wren")
        )
    with runtime.db.reader() as session:
        note = to_activitypub.note(status_view(session, session.merge(posted), None), runtime.urls)
    assert "license" not in note
    assert "Licence:\n    All rights reserved" in (await client.get(f"/@alice/{posted.id}")).text.replace(
        "    \n", "\n"
    )
