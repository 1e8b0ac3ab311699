"""Process-wide silence for the progress bars of diffusers, transformers and the hub."""

from __future__ import annotations

import diffusers
import transformers
from huggingface_hub.utils.tqdm import disable_progress_bars as disable_hub_progress_bars


def quiet_progress_bars() -> None:
    """Silence the tqdm bars of diffusers, transformers and the hub (process-wide).

    Workers report progress through callbacks; bars in their logs are noise.
    """
    diffusers.utils.logging.disable_progress_bar()
    transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    disable_hub_progress_bars()
