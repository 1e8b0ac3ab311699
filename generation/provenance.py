"""Generation parameters inside the image file: XMP for WebP and PNG, plus A1111's PNG line.

The XMP marks the file as AI-made the IPTC way (`Iptc4xmpExt:DigitalSourceType` =
trainedAlgorithmicMedia) and carries every parameter in the `fedi:` namespace, so `read_params`
can rebuild the `GenerationParams` exactly. No torch here.

Text is XML-escaped, never interpolated as markup. Code points XML 1.0 cannot carry at all (most
C0 controls, lone surrogates) are written as U+FFFD; prompts that went through
`normalise_prompt` have none.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from PIL import Image, PngImagePlugin

from generation.errors import InvalidRequest
from generation.types import GenerationParams

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "DIGITAL_SOURCE_TYPE",
    "FEDI_NS",
    "a1111_parameters",
    "encode_png",
    "encode_webp",
    "read_params",
    "xmp_packet",
]

DIGITAL_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
FEDI_NS = "https://fedi.dev/ns#"
_NAMESPACES = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
    "fedi": FEDI_NS,
}
_FIELDS = (
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
)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MAX_XMP_BYTES = 1 << 20


def _text(value: object) -> str:
    return escape(_NOT_XML.sub("\ufffd", str(value)))


def xmp_packet(params: GenerationParams, *, instance: str | None = None) -> bytes:
    """A complete XMP packet (UTF-8) describing an AI-generated image and how it was made."""
    ns = " ".join(
        f'xmlns:{prefix}="{uri}"' for prefix, uri in _NAMESPACES.items() if prefix not in ("x", "rdf")
    )
    fields = [f"<fedi:{name}>{_text(getattr(params, name))}</fedi:{name}>" for name in _FIELDS]
    versions = "; ".join(f"{name}={version}" for name, version in sorted(params.versions.items()))
    fields.append(f"<fedi:versions>{_text(versions)}</fedi:versions>")
    if instance is not None:
        fields.append(f"<fedi:instance>{_text(instance)}</fedi:instance>")
    body = "\n    ".join(
        [
            f"<Iptc4xmpExt:DigitalSourceType>{DIGITAL_SOURCE_TYPE}</Iptc4xmpExt:DigitalSourceType>",
            f"<Iptc4xmpExt:AISystemUsed>{_text(params.model)}</Iptc4xmpExt:AISystemUsed>",
            f"<Iptc4xmpExt:AIPromptInformation>{_text(params.prompt)}</Iptc4xmpExt:AIPromptInformation>",
            f"<xmp:CreatorTool>fedi ({_text(params.model)})</xmp:CreatorTool>",
            '<dc:description><rdf:Alt><rdf:li xml:lang="x-default">'
            f"{_text(params.prompt)}</rdf:li></rdf:Alt></dc:description>",
            *fields,
        ]
    )
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        f'<x:xmpmeta xmlns:x="{_NAMESPACES["x"]}">\n'
        f'<rdf:RDF xmlns:rdf="{_NAMESPACES["rdf"]}">\n'
        f'  <rdf:Description rdf:about="" {ns}>\n'
        f"    {body}\n"
        "  </rdf:Description>\n"
        "</rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="r"?>'
    )
    return packet.encode("utf-8")


def a1111_parameters(params: GenerationParams) -> str:
    """The `parameters` text AUTOMATIC1111-style tools read from PNG files."""

    def line(text: str) -> str:
        return " ".join(_NOT_XML.sub("\ufffd", text).split())

    settings = (
        f"Steps: {params.steps}, Sampler: {params.sampler}, CFG scale: {params.guidance:g}, "
        f"Seed: {params.seed}, Size: {params.width}x{params.height}, Model: {params.model}"
    )
    negative = f"\nNegative prompt: {line(params.negative_prompt)}" if params.negative_prompt else ""
    return f"{line(params.prompt)}{negative}\n{line(settings)}"


def encode_webp(
    image: Image.Image, params: GenerationParams, *, quality: int = 90, instance: str | None = None
) -> bytes:
    """WebP bytes with the XMP packet embedded."""
    out = io.BytesIO()
    image.save(out, "WEBP", quality=quality, xmp=xmp_packet(params, instance=instance))
    return out.getvalue()


def encode_png(image: Image.Image, params: GenerationParams, *, instance: str | None = None) -> bytes:
    """PNG bytes with the XMP packet (iTXt `XML:com.adobe.xmp`) and A1111 `parameters`."""
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp_packet(params, instance=instance).decode("utf-8"))
    # tEXt is Latin-1; Pillow switches to iTXt by itself for other text.
    info.add_text("parameters", a1111_parameters(params))
    info.add_text("Software", "fedi")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def read_params(data: bytes) -> GenerationParams | None:
    """The parameters embedded by `encode_webp` or `encode_png`, or None if there are none."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            xmp = image.info.get("xmp")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8")
    if not isinstance(xmp, bytes) or len(xmp) > _MAX_XMP_BYTES or b"<!" in xmp:
        return None  # no packet, an oversized one, or a DTD/entity trick
    try:
        root = ElementTree.fromstring(xmp)
    except ElementTree.ParseError:
        return None
    values: dict[str, str] = {}
    for element in root.iter():
        if element.tag.startswith("{" + FEDI_NS + "}"):
            values[element.tag[len(FEDI_NS) + 2 :]] = element.text or ""
    return _params_from_xmp(values)


def _params_from_xmp(values: Mapping[str, str]) -> GenerationParams | None:
    if not set(_FIELDS) <= values.keys():
        return None
    data: dict[str, object] = {name: values[name] for name in _FIELDS}
    try:
        for name in ("seed", "steps", "width", "height"):
            data[name] = int(values[name])
        data["guidance"] = float(values["guidance"])
    except ValueError:
        return None
    pairs = (item.partition("=") for item in values.get("versions", "").split("; ") if item)
    data["versions"] = {name: version for name, _, version in pairs}
    try:
        return GenerationParams.from_dict(data)
    except InvalidRequest:
        return None
