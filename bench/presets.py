"""Compute and CPU time of the presets' models at their real size, with no weights downloaded.

For docs/GENERATION.md's comparison of the default model. Two figures per preset:

* TFLOP per default image: the denoiser for the preset's default steps, the text encoder once and
  the VAE decode, counted by `torch.utils.flop_counter` on the meta device (exact for the real
  configs, no memory used).
* CPU seconds per denoiser call with random fp32 weights on this machine: the whole UNet for the
  SD-architecture presets; for the transformers, one double-stream and one single-stream block
  at the real width and token count, scaled by the block counts (embeddings and the final layer
  are under 1% of the compute and left out).

    python -m bench.presets            # FLOPs only (seconds)
    python -m bench.presets --cpu      # plus CPU timings (minutes on 2 cores)

Prints one JSON line, then a table.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import diffusers
import torch
import transformers
from torch.utils.flop_counter import FlopCounterMode

TERA = 1e12


@dataclass(frozen=True)
class Model:
    """A preset's three networks at real size, and how one default image calls them."""

    name: str
    steps: int
    side: int
    denoiser: Callable[[], Any]
    denoiser_inputs: Callable[[Any], dict[str, Any]]
    text_encoder: Callable[[], Any]
    text_tokens: int
    vae: Callable[[], Any]
    latent: tuple[int, int]  # channels, downscale
    blocks: tuple[tuple[str, int], ...] = ()  # transformer block lists timed one block each


def _sd_unet(sdxl: bool) -> Any:
    if sdxl:
        return diffusers.UNet2DConditionModel(
            sample_size=128,
            down_block_types=["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
            up_block_types=["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
            block_out_channels=[320, 640, 1280],
            layers_per_block=2,
            attention_head_dim=[5, 10, 20],
            cross_attention_dim=2048,
            transformer_layers_per_block=[1, 2, 10],
            use_linear_projection=True,
            addition_embed_type="text_time",
            addition_time_embed_dim=256,
            projection_class_embeddings_input_dim=2816,
        )
    return diffusers.UNet2DConditionModel(
        sample_size=64,
        down_block_types=["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"],
        up_block_types=["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3,
        block_out_channels=[320, 640, 1280, 1280],
        layers_per_block=2,
        attention_head_dim=[5, 10, 20, 20],
        cross_attention_dim=1024,
        use_linear_projection=True,
    )


def _unet_inputs(sdxl: bool, side: int) -> Callable[[Any], dict[str, Any]]:
    def inputs(device: Any) -> dict[str, Any]:
        found: dict[str, Any] = {
            "sample": torch.zeros(1, 4, side // 8, side // 8, device=device),
            "timestep": torch.tensor([999], device=device),
            "encoder_hidden_states": torch.zeros(1, 77, 2048 if sdxl else 1024, device=device),
        }
        if sdxl:
            found["added_cond_kwargs"] = {
                "text_embeds": torch.zeros(1, 1280, device=device),
                "time_ids": torch.zeros(1, 6, device=device),
            }
        return found

    return inputs


def _clip(hidden: int, layers: int, heads: int) -> Any:
    config = transformers.CLIPTextConfig(
        vocab_size=49408,
        hidden_size=hidden,
        intermediate_size=hidden * 4,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        max_position_embeddings=77,
    )
    return transformers.CLIPTextModel(config)


def _sd_vae(latent_channels: int = 4) -> Any:
    return diffusers.AutoencoderKL(
        down_block_types=["DownEncoderBlock2D"] * 4,
        up_block_types=["UpDecoderBlock2D"] * 4,
        block_out_channels=[128, 256, 512, 512],
        layers_per_block=2,
        latent_channels=latent_channels,
    )


def _flux1() -> Any:
    return diffusers.FluxTransformer2DModel(
        in_channels=64,
        num_layers=19,
        num_single_layers=38,
        attention_head_dim=128,
        num_attention_heads=24,
        joint_attention_dim=4096,
        pooled_projection_dim=768,
        guidance_embeds=False,
    )


def _flux1_inputs(side: int) -> Callable[[Any], dict[str, Any]]:
    def inputs(device: Any) -> dict[str, Any]:
        tokens = (side // 16) ** 2
        return {
            "hidden_states": torch.zeros(1, tokens, 64, device=device),
            "encoder_hidden_states": torch.zeros(1, 256, 4096, device=device),
            "pooled_projections": torch.zeros(1, 768, device=device),
            "timestep": torch.tensor([1.0], device=device),
            "img_ids": torch.zeros(tokens, 3, device=device),
            "txt_ids": torch.zeros(256, 3, device=device),
        }

    return inputs


def _t5_xxl() -> Any:
    config = transformers.T5Config(
        vocab_size=32128, d_model=4096, d_kv=64, d_ff=10240, num_layers=24, num_heads=64,
        feed_forward_proj="gated-gelu",
    )  # fmt: skip
    return transformers.T5EncoderModel(config)


def _klein() -> Any:
    """FLUX.2 [klein] 4B: 5 double- and 20 single-stream blocks, width 3072, Qwen3-4B context."""
    return diffusers.Flux2Transformer2DModel(
        in_channels=128,
        num_layers=5,
        num_single_layers=20,
        attention_head_dim=128,
        num_attention_heads=24,
        joint_attention_dim=7680,
        guidance_embeds=False,
    )


def _klein_inputs(side: int) -> Callable[[Any], dict[str, Any]]:
    def inputs(device: Any) -> dict[str, Any]:
        tokens = (side // 16) ** 2
        return {
            "hidden_states": torch.zeros(1, tokens, 128, device=device),
            "encoder_hidden_states": torch.zeros(1, 512, 7680, device=device),
            "timestep": torch.tensor([1.0], device=device),
            "img_ids": torch.zeros(1, tokens, 4, device=device),
            "txt_ids": torch.zeros(1, 512, 4, device=device),
        }

    return inputs


def _qwen3_4b() -> Any:
    config = transformers.Qwen3Config(
        vocab_size=151936, hidden_size=2560, intermediate_size=9728, num_hidden_layers=36,
        num_attention_heads=32, num_key_value_heads=8, head_dim=128, tie_word_embeddings=True,
    )  # fmt: skip
    return transformers.Qwen3Model(config)


def _flux2_vae() -> Any:
    return diffusers.AutoencoderKLFlux2()


MODELS = {
    "sd-turbo": Model(
        "sd-turbo", 1, 512, lambda: _sd_unet(False), _unet_inputs(False, 512),
        lambda: _clip(1024, 23, 16), 77, _sd_vae, (4, 8),
    ),
    "sdxl-turbo": Model(
        "sdxl-turbo", 1, 512, lambda: _sd_unet(True), _unet_inputs(True, 512),
        lambda: _clip(1280, 32, 20), 77, _sd_vae, (4, 8),
    ),
    "flux-schnell": Model(
        "flux-schnell", 4, 1024, _flux1, _flux1_inputs(1024), _t5_xxl, 256,
        lambda: _sd_vae(16), (16, 8), (("transformer_blocks", 19), ("single_transformer_blocks", 38)),
    ),
    "flux2-klein-4b": Model(
        "flux2-klein-4b", 4, 1024, _klein, _klein_inputs(1024), _qwen3_4b, 512,
        _flux2_vae, (32, 8), (("transformer_blocks", 5), ("single_transformer_blocks", 20)),
    ),
}  # fmt: skip


def _flops(run: Callable[[], Any]) -> float:
    counter = FlopCounterMode(display=False)
    with counter, torch.inference_mode():
        run()
    return float(counter.get_total_flops())


def count(model: Model) -> dict[str, float]:
    """TFLOP of one default image, by part, on the meta device."""
    meta = torch.device("meta")
    with meta:
        denoiser, text, vae = model.denoiser(), model.text_encoder(), model.vae()
    channels, scale = model.latent
    latent = torch.zeros(1, channels, model.side // scale, model.side // scale, device=meta)
    parts = {
        "denoiser": model.steps * _flops(lambda: denoiser(**model.denoiser_inputs(meta))),
        "text": _flops(
            lambda: text(input_ids=torch.zeros(1, model.text_tokens, dtype=torch.long, device=meta))
        ),
        "vae": _flops(lambda: vae.decode(latent)),
    }
    parameters = sum(p.numel() for p in denoiser.parameters())
    text_parameters = sum(p.numel() for p in text.parameters())
    return {
        **{key: value / TERA for key, value in parts.items()},
        "total": sum(parts.values()) / TERA,
        "denoiser_params_b": parameters / 1e9,
        "text_params_b": text_parameters / 1e9,
    }


def cpu_seconds(model: Model, repeats: int = 2) -> float:
    """Seconds per denoiser call on this CPU with random fp32 weights (best of `repeats`)."""
    torch.manual_seed(0)
    if not model.blocks:
        denoiser = model.denoiser().eval()
        inputs = model.denoiser_inputs("cpu")
        return _best(lambda: denoiser(**inputs), repeats)
    return _blocks_seconds(model, repeats)


def _blocks_seconds(model: Model, repeats: int) -> float:
    # Build one block of each kind at the real width, not the whole transformer.
    with torch.device("meta"):
        whole = model.denoiser()
    tokens = (model.side // 16) ** 2
    width = whole.config.num_attention_heads * whole.config.attention_head_dim
    text_tokens = 256 if model.name == "flux-schnell" else 512
    image = torch.randn(1, tokens, width)
    text = torch.randn(1, text_tokens, width)
    temb = torch.randn(1, width)
    head = whole.config.attention_head_dim
    rope = (torch.randn(tokens + text_tokens, head), torch.randn(tokens + text_tokens, head))
    total = 0.0
    for attribute, count_ in model.blocks:
        block = getattr(whole, attribute)[0].to_empty(device="cpu")
        for parameter in block.parameters():
            torch.nn.init.normal_(parameter, std=0.02)
        block.eval()
        total += count_ * _best(
            lambda b=block, a=attribute: _call_block(model, b, a, image, text, temb, rope), repeats
        )
    return total


def _call_block(model: Model, block: Any, attribute: str, image: Any, text: Any, temb: Any, rope: Any) -> Any:
    if model.name == "flux2-klein-4b":
        width = image.shape[-1]
        if attribute == "transformer_blocks":
            modulation = torch.randn(1, 6 * width)
            return block(image, text, modulation, modulation, image_rotary_emb=rope)
        joined = torch.cat([text, image], dim=1)
        return block(joined, None, torch.randn(1, 3 * width), image_rotary_emb=rope)
    if attribute == "transformer_blocks":
        return block(image, text, temb, image_rotary_emb=rope)
    return block(image, text, temb, image_rotary_emb=rope)


def _best(run: Callable[[], Any], repeats: int) -> float:
    times = []
    with torch.inference_mode():
        for _ in range(repeats):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cpu", action="store_true", help="also time the denoisers on this CPU")
    parser.add_argument("--only", choices=sorted(MODELS), action="append", help="measure only these")
    args = parser.parse_args()
    results = {}
    for name in args.only or list(MODELS):
        model = MODELS[name]
        found = count(model)
        if args.cpu:
            found["cpu_s_per_step"] = cpu_seconds(model)
            found["cpu_s_per_image_denoiser"] = found["cpu_s_per_step"] * model.steps
        results[name] = found
    print(json.dumps({"bench": "presets", "threads": torch.get_num_threads(), "results": results}))
    for name, found in results.items():
        line = f"{name:16} {found['total']:8.2f} TFLOP/image (denoiser {found['denoiser']:.2f}, "
        line += f"text {found['text']:.2f}, vae {found['vae']:.2f}); denoiser {found['denoiser_params_b']:.2f} B params"
        if "cpu_s_per_step" in found:
            line += f"; CPU {found['cpu_s_per_step']:.1f} s/step"
        print(line)


if __name__ == "__main__":
    main()
