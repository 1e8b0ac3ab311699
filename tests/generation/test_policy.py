"""Prompt policy and image checks."""

from __future__ import annotations

import pytest
from PIL import Image

from generation.errors import PromptRefused
from generation.policy import ImageVerdict, PromptPolicy, combine_checks, no_image_check


def test_words_match_whole_and_case_insensitively() -> None:
    policy = PromptPolicy(["gore", "real person"])
    policy.check("a gorgeous sunset")  # "gore" inside a word is fine
    with pytest.raises(PromptRefused):
        policy.check("GORE everywhere")
    with pytest.raises(PromptRefused):
        policy.check("a  real\nperson at a desk")


def test_normalisation_defeats_invisible_characters() -> None:
    with pytest.raises(PromptRefused):
        PromptPolicy(["gore"]).check("g\u200bore, \uff47\uff4f\uff52\uff45")


def test_reason_names_the_category_never_the_pattern() -> None:
    policy = PromptPolicy({"violence": ["/bl[o0]{2}d(y|ied)?/"], "spam": ["buy now"]})
    with pytest.raises(PromptRefused) as info:
        policy.check("a bl00dy knife")
    assert "violence" in info.value.reason
    assert "bl[o0]" not in info.value.reason
    with pytest.raises(PromptRefused, match="spam"):
        policy.check("Buy now!")
    policy.check("a blue dress")


def test_hook_can_refuse_with_its_own_reason() -> None:
    seen: list[str] = []

    def hook(prompt: str) -> str | None:
        seen.append(prompt)
        return "no cats on this instance" if "cat" in prompt else None

    policy = PromptPolicy(hook=hook)
    policy.check("a dog")
    with pytest.raises(PromptRefused, match="no cats on this instance"):
        policy.check("a\u200b cat")
    assert seen == ["a dog", "a cat"]


def test_invalid_regex_is_a_config_error() -> None:
    with pytest.raises(ValueError, match="not a valid regular expression"):
        PromptPolicy(["/(unclosed/"])


def test_image_checks_compose() -> None:
    image = Image.new("RGB", (8, 8))

    def flag_all(image: Image.Image, /) -> ImageVerdict:
        return ImageVerdict(flagged=True, reason="nudity")

    assert no_image_check(image) == ImageVerdict(flagged=False)
    assert combine_checks(no_image_check)(image).flagged is False
    assert combine_checks(no_image_check, flag_all)(image) == ImageVerdict(True, "nudity")
