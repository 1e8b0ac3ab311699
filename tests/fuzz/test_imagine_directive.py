"""`/imagine` lines from anyone: an ask, no directive, or a 422 naming the field; an ask whose
prompt is one line and whose numbers are numbers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fedi.errors import Unprocessable
from fedi.services.generations import parse_directive

DIRECTIVE = st.lists(
    st.one_of(
        st.sampled_from(
            ["/imagine", "/IMAGINE", " /imagine", "/imagined", "--seed", "--steps", "--size", "--no",
             " ", "\n", "\t", "x", "512x512", "64X64", "-1", "99999999999999999999", "a", "--", "\uff20x"]
        ),
        st.text(max_size=10),
    ),
    max_size=20,
).map("".join)  # fmt: skip


@given(st.one_of(DIRECTIVE, st.text(max_size=200)))
def test_directives_parse_or_name_the_bad_field(text: str) -> None:
    try:
        parsed = parse_directive(text)
    except Unprocessable as error:
        refused: str | None = error.field
    else:
        refused = None
    if refused is not None:
        assert refused in ("seed", "steps", "width", "height")
        return
    if parsed is None:
        assert (
            not text.lstrip().lower().startswith("/imagine")
            or text.lstrip()[8:9].isalnum()
            or text.lstrip()[8:9] == "_"
        )
        return
    ask, caption = parsed
    assert "\n" not in ask.prompt and isinstance(caption, str)
    for value in (ask.seed, ask.steps, ask.width, ask.height):
        assert value is None or isinstance(value, int)
