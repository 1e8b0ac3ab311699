"""Provenance inside the file: XMP in WebP and PNG, and the A1111 line."""

from __future__ import annotations

import io
from dataclasses import replace
from xml.etree import ElementTree

import pytest
from PIL import Image

from generation.errors import InvalidRequest
from generation.provenance import (
    DIGITAL_SOURCE_TYPE,
    FEDI_NS,
    a1111_parameters,
    encode_png,
    encode_webp,
    read_params,
    xmp_packet,
)
from generation.types import GenerationParams

PARAMS = GenerationParams(
    model="stabilityai/sd-turbo",
    preset="sd-turbo",
    prompt="a lighthouse at dusk, 35mm",
    negative_prompt="blurry",
    seed=4_294_967_295,
    steps=1,
    guidance=0.0,
    width=512,
    height=512,
    sampler="EulerAncestralDiscreteScheduler",
    versions={"diffusers": "0.42.1", "torch": "2.13.0"},
)
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "fedi": FEDI_NS,
}


def _image() -> Image.Image:
    return Image.radial_gradient("L").convert("RGB").resize((64, 64))


def test_xmp_packet_is_valid_and_marks_ai_media() -> None:
    packet = xmp_packet(PARAMS, instance="example.social")
    assert packet.startswith(b"<?xpacket begin=")
    assert packet.endswith(b'<?xpacket end="r"?>')
    root = ElementTree.fromstring(packet)
    assert root.tag == "{adobe:ns:meta/}xmpmeta"
    description = root.find("rdf:RDF/rdf:Description", NS)
    assert description is not None
    assert description.findtext("Iptc4xmpExt:DigitalSourceType", namespaces=NS) == (DIGITAL_SOURCE_TYPE)
    assert DIGITAL_SOURCE_TYPE.endswith("/trainedAlgorithmicMedia")
    assert description.findtext("xmp:CreatorTool", namespaces=NS) == ("fedi (stabilityai/sd-turbo)")
    assert description.findtext("dc:description/rdf:Alt/rdf:li", namespaces=NS) == PARAMS.prompt
    assert description.findtext("fedi:instance", namespaces=NS) == "example.social"
    for key, value in PARAMS.to_dict().items():
        if key != "versions":
            assert description.findtext(f"fedi:{key}", namespaces=NS) == str(value), key


@pytest.mark.parametrize("encode", [encode_webp, encode_png])
def test_files_carry_the_parameters(encode: object) -> None:
    data = encode(_image(), PARAMS)  # type: ignore[operator]
    assert DIGITAL_SOURCE_TYPE.encode() in data
    assert read_params(data) == PARAMS
    assert Image.open(io.BytesIO(data)).size == (64, 64)


def test_webp_is_a_webp_and_png_has_the_a1111_line() -> None:
    assert encode_webp(_image(), PARAMS)[8:12] == b"WEBP"
    png = Image.open(io.BytesIO(encode_png(_image(), PARAMS)))
    assert png.info["parameters"] == a1111_parameters(PARAMS)
    assert png.info["parameters"] == (
        "a lighthouse at dusk, 35mm\nNegative prompt: blurry\n"
        "Steps: 1, Sampler: EulerAncestralDiscreteScheduler, CFG scale: 0, Seed: 4294967295, "
        "Size: 512x512, Model: stabilityai/sd-turbo"
    )


@pytest.mark.parametrize("encode", [encode_webp, encode_png])
def test_hostile_prompt_round_trips_as_text(encode: object) -> None:
    hostile = 'x</rdf:Description><script>alert(1)</script>]]><!ENTITY a "b">&amp;\'"日本'
    params = replace(PARAMS, prompt=hostile, negative_prompt="\x01bell\x07 \ud800")
    assert b"<script>" not in xmp_packet(params)
    ElementTree.fromstring(xmp_packet(params))
    data = encode(_image(), params)  # type: ignore[operator]
    read = read_params(data)
    assert read is not None
    assert read.prompt == hostile
    # Code points XML cannot carry at all come back as U+FFFD, never as markup.
    assert read.negative_prompt == "\ufffdbell\ufffd \ufffd"


def test_files_without_our_xmp_give_none() -> None:
    plain = io.BytesIO()
    _image().save(plain, "WEBP")
    assert read_params(plain.getvalue()) is None
    assert read_params(b"not an image") is None
    foreign = io.BytesIO()
    _image().save(foreign, "WEBP", xmp=b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
    assert read_params(foreign.getvalue()) is None


def test_params_dict_round_trip_and_validation() -> None:
    data = PARAMS.to_dict()
    assert list(data) == [
        "model",
        "preset",
        "prompt",
        "negative_prompt",
        "seed",
        "steps",
        "guidance",
        "width",
        "height",
        "sampler",
        "versions",
    ]
    assert GenerationParams.from_dict(data) == PARAMS
    assert GenerationParams.from_dict({**data, "guidance": 1}).guidance == 1.0
    with pytest.raises(InvalidRequest) as info:
        GenerationParams.from_dict({**data, "seed": "42"})
    assert info.value.field == "seed"
    with pytest.raises(InvalidRequest):
        GenerationParams.from_dict({k: v for k, v in data.items() if k != "model"})
