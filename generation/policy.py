"""Instance policy on prompts and images. No torch here: the web process checks prompts early.

Prompts are checked after `normalise_prompt`, so zero-width characters and full-width letters
cannot dodge the blocklist. An image check is any callable returning an `ImageVerdict`; a flagged
image is meant to be marked sensitive (or withheld) by the application, not silently altered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from generation.errors import PromptRefused
from generation.presets import normalise_prompt

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["ImageCheck", "ImageVerdict", "PromptPolicy", "combine_checks", "no_image_check"]

DEFAULT_CATEGORY = "blocklist"


class PromptPolicy:
    """A blocklist plus an optional hook.

    `deny` is a list of patterns, or a mapping from a category shown to the requester ("violence")
    to its patterns. A pattern is a word or phrase matched whole and case-insensitively, or a
    regular expression written between slashes (`/n[u4]de/`). `hook` gets the normalised prompt
    and returns a refusal reason, or None to allow it.
    """

    def __init__(
        self,
        deny: Iterable[str] | Mapping[str, Iterable[str]] = (),
        hook: Callable[[str], str | None] | None = None,
    ) -> None:
        groups = deny.items() if isinstance(deny, Mapping) else [(DEFAULT_CATEGORY, deny)]
        self._rules = [
            (category, pattern, _compile(pattern)) for category, patterns in groups for pattern in patterns
        ]
        self._hook = hook

    def matched(self, prompt: str) -> tuple[str, str] | None:
        """(category, pattern) of the first deny pattern the prompt matches, or None."""
        text = normalise_prompt(prompt)
        return next(((c, p) for c, p, rule in self._rules if rule.search(text)), None)

    def check(self, prompt: str) -> None:
        """Raise `PromptRefused` if the prompt may not be generated on this instance."""
        if (found := self.matched(prompt)) is not None:
            # The reason names the category only: never the pattern, which would leak the list.
            raise PromptRefused(f"the prompt was refused by this instance's content policy ({found[0]})")
        if self._hook is not None and (reason := self._hook(normalise_prompt(prompt))) is not None:
            raise PromptRefused(reason)


def _compile(pattern: str) -> re.Pattern[str]:
    if len(pattern) > 2 and pattern.startswith("/") and pattern.endswith("/"):
        source = pattern[1:-1]
    else:
        source = r"(?<!\w)" + r"\s+".join(map(re.escape, pattern.split())) + r"(?!\w)"
    try:
        return re.compile(source, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"deny pattern {pattern!r} is not a valid regular expression") from exc


@dataclass(frozen=True)
class ImageVerdict:
    flagged: bool
    reason: str | None = None


class ImageCheck(Protocol):
    """Looks at a generated image; a flagged verdict carries a reason for the moderator."""

    def __call__(self, image: Image.Image, /) -> ImageVerdict: ...


def no_image_check(image: Image.Image, /) -> ImageVerdict:
    """The default check: flags nothing."""
    return ImageVerdict(flagged=False)


def combine_checks(*checks: ImageCheck) -> ImageCheck:
    """One check that runs `checks` in order and returns the first flagged verdict."""

    def combined(image: Image.Image, /) -> ImageVerdict:
        for check in checks:
            verdict = check(image)
            if verdict.flagged:
                return verdict
        return ImageVerdict(flagged=False)

    return combined
