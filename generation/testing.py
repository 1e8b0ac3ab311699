"""Tiny, randomly initialised pipelines for offline tests and demos.

`build_tiny_pipeline` is the `tiny` preset: SD architecture, following diffusers' own dummy
pipelines (tests/pipelines/stable_diffusion), with a tokenizer built from a 23-token vocabulary
because diffusers' tests fetch theirs from the hub, and SD-Turbo's scheduler (Euler ancestral,
trailing spacing). `build_tiny_flux2_klein` is the FLUX.2 [klein] architecture at toy width (the
same classes as the default preset: Flux2Transformer2DModel, AutoencoderKLFlux2, a Qwen3 text
encoder and a byte-level Qwen2 tokenizer with a chat template), so the default preset's loading
and calling code runs in tests without its 16 GB of weights.
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
    AutoencoderKLFlux2,
    EulerAncestralDiscreteScheduler,
    FlowMatchEulerDiscreteScheduler,
    Flux2KleinPipeline,
    Flux2Transformer2DModel,
    StableDiffusionPipeline,
    UNet2DConditionModel,
)
from transformers import (
    CLIPTextConfig,
    CLIPTextModel,
    CLIPTokenizer,
    Qwen2Tokenizer,
    Qwen3Config,
    Qwen3ForCausalLM,
)

from generation.quiet import quiet_progress_bars

__all__ = ["TINY_SEED", "build_tiny_flux2_klein", "build_tiny_pipeline", "tiny_clip_tokenizer"]

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
    return _build(Path(directory), _tiny_pipeline)


def build_tiny_flux2_klein(directory: Path) -> Path:
    """Like `build_tiny_pipeline`, for a toy FLUX.2 [klein] pipeline (about 100k parameters)."""
    return _build(Path(directory), _tiny_flux2_klein)


def _build(directory: Path, make: Any) -> Path:
    if (directory / _MARKER).is_file():
        return directory
    directory.parent.mkdir(parents=True, exist_ok=True)
    quiet_progress_bars()
    staging = Path(tempfile.mkdtemp(prefix=".tiny-", dir=directory.parent))
    try:
        make(staging).save_pretrained(staging / "pipe")
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


def _tiny_flux2_klein(scratch: Path) -> Any:
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(TINY_SEED)
    tokenizer = _tiny_qwen_tokenizer(scratch)
    try:
        # The pipeline stacks hidden states 9, 18 and 27 of the text encoder: 28 layers, width 16,
        # so the transformer's context is 3 x 16.
        text_encoder = Qwen3ForCausalLM(
            Qwen3Config(
                vocab_size=len(tokenizer),
                hidden_size=16,
                intermediate_size=32,
                num_hidden_layers=28,
                num_attention_heads=2,
                num_key_value_heads=1,
                head_dim=8,
                max_position_embeddings=1024,
            )
        )
        transformer = Flux2Transformer2DModel(  # type: ignore[no-untyped-call]
            patch_size=1,
            in_channels=16,  # 4 latent channels, packed 2 x 2
            num_layers=1,
            num_single_layers=1,
            attention_head_dim=8,
            num_attention_heads=2,
            joint_attention_dim=48,
            timestep_guidance_channels=16,
            axes_dims_rope=(2, 2, 2, 2),
            guidance_embeds=False,
        )
        vae = AutoencoderKLFlux2(  # type: ignore[no-untyped-call]
            block_out_channels=(4, 8),
            down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
            up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
            layers_per_block=1,
            latent_channels=4,
            norm_num_groups=2,
        )
    finally:
        torch.random.set_rng_state(generator_state)
    return Flux2KleinPipeline(  # type: ignore[no-untyped-call]
        scheduler=FlowMatchEulerDiscreteScheduler(),  # type: ignore[no-untyped-call]
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        transformer=transformer,
        is_distilled=True,
    )


# GPT-2's byte-to-unicode table: every byte has a printable stand-in, so any text tokenizes.
_BYTE_CHARS = [
    chr(code) for code in [*range(33, 127), *range(161, 173), *range(174, 256), *range(256, 256 + 68)]
]
_CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def _tiny_qwen_tokenizer(scratch: Path) -> Qwen2Tokenizer:
    """A byte-level Qwen2 tokenizer with no merges and Qwen's chat markers, built offline."""
    vocab = {char: index for index, char in enumerate(_BYTE_CHARS)}
    for special in ("<|endoftext|>", "<|im_start|>", "<|im_end|>"):
        vocab[special] = len(vocab)
    (scratch / "qwen-vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (scratch / "qwen-merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    tokenizer = Qwen2Tokenizer(
        vocab_file=str(scratch / "qwen-vocab.json"),
        merges_file=str(scratch / "qwen-merges.txt"),
        unk_token="<|endoftext|>",
        pad_token="<|endoftext|>",
        eos_token="<|im_end|>",
        model_max_length=512,
    )
    tokenizer.chat_template = _CHAT_TEMPLATE
    return tokenizer


def tiny_clip_tokenizer(scratch: Path) -> CLIPTokenizer:
    """An offline CLIP tokenizer (23-token vocabulary) written to `scratch`; ids fit any CLIP."""
    vocab = scratch / "vocab.json"
    merges = scratch / "merges.txt"
    vocab.write_text(json.dumps({token: i for i, token in enumerate(_VOCAB)}), encoding="utf-8")
    merges.write_text("\n".join(_MERGES) + "\n", encoding="utf-8")
    # Without model_max_length the tokenizer reports 1e30 and the pipeline pads to it.
    return CLIPTokenizer(str(vocab), str(merges), unk_token="<unk>", model_max_length=77)
