"""Where a preset's weights are, whether they are complete, and fetching them. No torch here.

Weights live either in a local directory written by `save_pretrained` (or `hf download
--local-dir`), or in the Hugging Face cache under the preset's hub id and revision. A download
goes through `huggingface_hub.snapshot_download`, which shows byte progress bars, resumes files
left incomplete by an interrupted run and skips those already there.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generation.errors import ModelUnavailable
from generation.presets import SKIPPED_FILES, TINY_SOURCE, Preset

__all__ = ["Fetch", "cached_snapshot", "download", "local_copy_problem", "weights_present"]

# `huggingface_hub.snapshot_download`'s signature, as far as we use it (tests pass fakes).
Fetch = Callable[..., Any]


def local_copy_problem(directory: Path) -> str | None:
    """Why `directory` is not a complete diffusers copy, or None when it is."""
    index = directory / "model_index.json"
    try:
        components = json.loads(index.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return f"{directory} has no model_index.json (not a diffusers directory)"
    except (OSError, ValueError) as exc:
        return f"{index} cannot be read: {exc}"
    if not isinstance(components, dict):
        return f"{index} is not a JSON object"
    for name, spec in components.items():
        if name.startswith("_") or not isinstance(spec, list) or None in spec:
            continue
        folder = directory / name
        if not folder.is_dir() or not any(folder.iterdir()):
            return f"{directory} lacks the {name!r} component"
        missing = _missing_shards(folder)
        if missing:
            return f"{directory} lacks {name}/{missing[0]} (an interrupted download?)"
    return None


def _missing_shards(folder: Path) -> list[str]:
    missing = []
    for index in folder.glob("*.safetensors.index.json"):
        try:
            shards = set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values())
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return [index.name]
        missing += sorted(shard for shard in shards if not (folder / shard).is_file())
    return missing


def cached_snapshot(preset: Preset, cache_dir: str | None) -> Path | None:
    """The preset's snapshot folder in the Hugging Face cache, if its index is there."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(
        preset.hub_id, "model_index.json", cache_dir=cache_dir, revision=preset.revision
    )
    return Path(found).parent if isinstance(found, str) else None


def weights_present(preset: Preset, *, model_path: str = "", cache_dir: str | None = None) -> bool:
    """Whether loading `preset` would find complete weights on this machine without the hub."""
    if preset.hub_id == TINY_SOURCE and not model_path:
        return True
    if model_path:
        return local_copy_problem(Path(model_path).expanduser()) is None
    snapshot = cached_snapshot(preset, cache_dir)
    return snapshot is not None and local_copy_problem(snapshot) is None


def download(
    preset: Preset, *, cache_dir: str | None, fetch: Fetch | None = None, tqdm_class: Any = None
) -> Path:
    """Fetch the preset's diffusers files into the cache (progress bars, resumable) and check them.

    Raises `ModelUnavailable` when the hub refuses (gated, unknown, unreachable) or the result
    is incomplete.
    """
    if preset.hub_id == TINY_SOURCE:
        raise ModelUnavailable(
            "the tiny preset is built in code: there is nothing to download", preset="tiny", source=""
        )
    if fetch is None:
        from huggingface_hub import snapshot_download

        fetch = snapshot_download
    from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, LocalEntryNotFoundError

    try:
        folder = Path(
            fetch(
                preset.hub_id,
                revision=preset.revision,
                cache_dir=cache_dir,
                allow_patterns=list(preset.files) or None,
                ignore_patterns=list(SKIPPED_FILES),
                tqdm_class=tqdm_class,
            )
        )
    except GatedRepoError as exc:
        raise ModelUnavailable(
            f"{preset.hub_id} is gated on the Hugging Face hub: accept its terms on "
            f"https://huggingface.co/{preset.hub_id} and log in with `hf auth login`, then try again",
            preset=preset.name,
            source=preset.hub_id,
        ) from exc
    except (HfHubHTTPError, LocalEntryNotFoundError, OSError) as exc:
        raise ModelUnavailable(
            f"downloading {preset.hub_id} failed ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); "
            "run the same command again to resume",
            preset=preset.name,
            source=preset.hub_id,
        ) from exc
    problem = local_copy_problem(folder)
    if problem is not None:
        raise ModelUnavailable(
            f"the download is incomplete: {problem}", preset=preset.name, source=preset.hub_id
        )
    return folder
