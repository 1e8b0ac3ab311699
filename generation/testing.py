"""A tiny, randomly initialised SD-architecture pipeline for offline tests and demos.

The components follow diffusers' own dummy pipelines (tests/pipelines/stable_diffusion); the
tokenizer is built from a 23-token vocabulary because diffusers' tests fetch theirs from the hub.
The scheduler is SD-Turbo's (Euler ancestral, trailing spacing), so the tiny preset exercises the
same code path as the default preset.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch
from diffusers import (
    AutoencoderKL,
    EulerAncestralDiscreteScheduler,
    StableDiffusionPipeline,
    UNet2DConditionModel,
)
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

from generation.pipeline import quiet_progress_bars

__all__ = ["TINY_SEED", "build_tiny_pipeline", "tiny_clip_tokenizer"]

TINY_SEED = 0
_MARKER = "model_index.json"

# transformers' CLIP tokenizer test vocabulary (tests/models/clip/test_tokenization_clip.py).
_VOCAB = [
    "l", "o", "w", "e", "r", "s", "t", "i", "d", "n",
    "lo", "l</w>", "w</w>", "r</w>", "t</w>", "low</w>", "er</w>", "lowest</w>", "newer</w>",
    "wider", "<unk>", "<|startoftext|>", "<|endoftext|>",
]  # fmt: skip
_MERGES = ["#version: 0.2", "l o", "lo w</w>", "e r</w>"]


def build_tiny_pipeline(directory: Path) -> Path:
    """Write the tiny pipeline to `directory` with `save_pretrained` and return it.

    Deterministic (fixed init seed) and cached: a directory that already holds a pipeline is
    returned as is. The build goes to a sibling temp dir first and is renamed into place, so
    concurrent builders never expose a half-written pipeline.
    """
    directory = Path(directory)
    if (directory / _MARKER).is_file():
        return directory
    directory.parent.mkdir(parents=True, exist_ok=True)
    quiet_progress_bars()
    staging = Path(tempfile.mkdtemp(prefix=".tiny-", dir=directory.parent))
    try:
        _tiny_pipeline(staging).save_pretrained(staging / "pipe")
        try:
            os.replace(staging / "pipe", directory)
        except OSError:
            # Another builder won the race (the target is a non-empty dir now).
            if not (directory / _MARKER).is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return directory


def _tiny_pipeline(scratch: Path) -> Any:
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(TINY_SEED)
    try:
        unet = UNet2DConditionModel(  # type: ignore[no-untyped-call]
            block_out_channels=(4, 8),
            layers_per_block=1,
            sample_size=32,
            in_channels=4,
            out_channels=4,
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
            cross_attention_dim=8,
            norm_num_groups=2,
        )
        vae = AutoencoderKL(  # type: ignore[no-untyped-call]
            block_out_channels=[4, 8],
            in_channels=3,
            out_channels=3,
            down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
            up_block_types=["UpDecoderBlock2D", "UpDecoderBlock2D"],
            latent_channels=4,
            norm_num_groups=2,
        )
        text_encoder = CLIPTextModel(
            CLIPTextConfig(
                bos_token_id=0,
                eos_token_id=2,
                hidden_size=8,
                intermediate_size=16,
                layer_norm_eps=1e-05,
                num_attention_heads=2,
                num_hidden_layers=2,
                pad_token_id=1,
                vocab_size=1000,
            )
        )
    finally:
        torch.random.set_rng_state(generator_state)
    pipe: Any = StableDiffusionPipeline(  # type: ignore[no-untyped-call]
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tiny_clip_tokenizer(scratch),
        unet=unet,
        scheduler=EulerAncestralDiscreteScheduler(  # type: ignore[no-untyped-call]
            beta_start=0.00085,
            beta_end=0.012,
            beta_schedule="scaled_linear",
            steps_offset=1,
            timestep_spacing="trailing",
        ),
        safety_checker=None,
        feature_extractor=None,
        image_encoder=None,
        requires_safety_checker=False,
    )
    return pipe


def tiny_clip_tokenizer(scratch: Path) -> CLIPTokenizer:
    """An offline CLIP tokenizer (23-token vocabulary) written to `scratch`; ids fit any CLIP."""
    vocab = scratch / "vocab.json"
    merges = scratch / "merges.txt"
    vocab.write_text(json.dumps({token: i for i, token in enumerate(_VOCAB)}), encoding="utf-8")
    merges.write_text("\n".join(_MERGES) + "\n", encoding="utf-8")
    # Without model_max_length the tokenizer reports 1e30 and the pipeline pads to it.
    return CLIPTokenizer(str(vocab), str(merges), unk_token="<unk>", model_max_length=77)
