"""One parameter reader for every body shape clients send (no database needed)."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from fedi.api.errors import HANDLERS
from fedi.api.params import Params, _nest, read_params
from fedi.errors import Unprocessable


async def echo(request: Request) -> JSONResponse:
    params = await read_params(request, max_file_bytes=1024)
    file = params.file("file")
    return JSONResponse(
        {
            "status": params.text("status"),
            "media_ids": params.ids("media_ids"),
            "sensitive": params.flag("sensitive"),
            "options": params.obj("poll").texts("options"),
            "fields": [(f.text("name"), f.text("value")) for f in params.objs("fields_attributes")],
            "file": len(file.data) if file else None,
        }
    )


@pytest.fixture(scope="module")
def web() -> TestClient:
    return TestClient(
        Starlette(routes=[Route("/echo", echo, methods=["GET", "POST"])], exception_handlers=HANDLERS)
    )


EXPECTED = {
    "status": "hi",
    "media_ids": [1, 2],
    "sensitive": True,
    "options": ["a", "b"],
    "fields": [["Site", "x"], ["Pronouns", "y"]],
    "file": None,
}


def test_every_body_shape_reads_the_same(web: TestClient) -> None:
    rails = [
        ("status", "hi"),
        ("media_ids[]", "1"),
        ("media_ids[]", "2"),
        ("sensitive", "true"),
        ("poll[options][]", "a"),
        ("poll[options][]", "b"),
        ("fields_attributes[1][name]", "Pronouns"),
        ("fields_attributes[1][value]", "y"),
        ("fields_attributes[0][name]", "Site"),
        ("fields_attributes[0][value]", "x"),
    ]
    as_json = {
        "status": "hi",
        "media_ids": ["1", 2],
        "sensitive": True,
        "poll": {"options": ["a", "b"]},
        "fields_attributes": [{"name": "Site", "value": "x"}, {"name": "Pronouns", "value": "y"}],
    }
    assert web.post("/echo", data=dict(rails[:1]) | {"sensitive": "1"}).json()["sensitive"] is True
    assert (
        web.post(
            "/echo",
            content="&".join(f"{k}={v}" for k, v in rails),
            headers={"content-type": "application/x-www-form-urlencoded"},
        ).json()
        == EXPECTED
    )
    assert web.post("/echo", json=as_json).json() == EXPECTED
    assert web.get("/echo", params=rails).json() == EXPECTED
    multipart = web.post("/echo", data={"status": "hi"}, files={"file": ("a.bin", b"12345")}).json()
    assert multipart["status"] == "hi" and multipart["file"] == 5


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("1", True),
        ("on", True),
        ("yes", True),
        ("false", False),
        ("0", False),
        ("off", False),
        ("", False),
    ],
)
def test_booleans_as_clients_send_them(value: str, expected: bool) -> None:
    assert Params({"flag": value}).flag("flag") is expected


def test_bad_values_name_their_field(web: TestClient) -> None:
    with pytest.raises(Unprocessable) as error:
        Params({"poll": {"expires_in": "soon"}}).obj("poll").integer("expires_in")
    assert error.value.field == "poll[expires_in]"
    with pytest.raises(Unprocessable):
        Params({"sensitive": "maybe"}).flag("sensitive")
    refused = web.post("/echo", json={"media_ids": ["1", "not-an-id"]})
    assert refused.status_code == 422 and refused.json()["field"] == "media_ids"
    assert (
        web.post("/echo", content=b"{nope", headers={"content-type": "application/json"}).status_code == 400
    )
    too_big = web.post("/echo", data={"status": "x"}, files={"file": ("a.bin", b"x" * 2048)})
    assert too_big.status_code == 422 and too_big.json()["field"] == "file"


def test_rails_names_nest() -> None:
    assert _nest([("a[b][c][]", "1"), ("a[b][c][]", "2"), ("a[d]", "3"), ("plain", "4")]) == {
        "a": {"b": {"c": ["1", "2"]}, "d": "3"},
        "plain": "4",
    }
    with pytest.raises(Unprocessable):
        _nest([("a[b][c][d][e][f]", "deep")])
