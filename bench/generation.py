"""Generation benchmarks B1 gen_throughput, B2 serving_batching and B6 media_balance.

See shared BENCHMARKS.md. Every figure is a ratio against a baseline measured in the same run,
interleaved A/B/A/B over `--reps` repetitions, reported as median and spread (min, max).

* CPU (`--device cpu --preset tiny`): the tiny random pipeline, a regression guard only.
* GPU: SD-Turbo (512², 1 step), SDXL (1024², 4 steps) and FLUX.1-schnell (1024², 4 steps) built
  in code from the real model configs with random bf16 weights (nothing is downloaded), plus the
  8192³ bf16 matmul roofline R.

    python -m bench.generation --device cpu --preset tiny --quick
    python -m bench.generation --device cuda --preset all
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import blurhash
import diffusers
import torch
import transformers
from PIL import Image

from generation.device import DeviceChoice, choose_device
from generation.engine import GenerationEngine, GenerationHandle
from generation.pipeline import LoadedPipeline, library_versions, load_pipeline, prepare_pipeline
from generation.presets import PRESETS, Preset, build_request
from generation.provenance import encode_webp
from generation.runner import run_batch
from generation.testing import tiny_clip_tokenizer
from generation.types import GeneratedImage, GenerationRequest

SEED = 1234
PROMPTS = ("a lighthouse at dusk", "lower newer wider", "a red fox in the snow", "low tide")
# FLOPs per model call, counted from the diffusers model definitions (BENCHMARKS.md).
TFLOP = 1e12
UNET_SD_512 = 0.80 * TFLOP
UNET_SDXL_1024 = 6.76 * TFLOP
FLUX_1024 = 69.5 * TFLOP
VAE_512 = 2.5 * TFLOP
VAE_1024 = 10.5 * TFLOP


@dataclass(frozen=True)
class Workload:
    """One model under test: how to build it and what a serving run looks like."""

    name: str
    preset: Preset
    build: Callable[[DeviceChoice, Path], Any] | None  # None: load the preset itself
    serving_batch: int
    second_size: int  # B2 mixes this size with the preset default
    burst: int
    flops_per_image: float | None  # None on CPU: no roofline there


# --- Real-size architectures with random weights (GPU only) ------------------------------------


def _sd_vae(latent_channels: int = 4, **extra: Any) -> Any:
    return diffusers.AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D"] * 4,
        up_block_types=["UpDecoderBlock2D"] * 4,
        block_out_channels=[128, 256, 512, 512],
        layers_per_block=2,
        latent_channels=latent_channels,
        norm_num_groups=32,
        sample_size=1024,
        **extra,
    )


def _clip_text(hidden: int, layers: int, heads: int, projection: int, act: str) -> Any:
    return transformers.CLIPTextConfig(
        vocab_size=49408,
        hidden_size=hidden,
        intermediate_size=hidden * 4,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        projection_dim=projection,
        hidden_act=act,
        max_position_embeddings=77,
    )


def build_sd_turbo(scratch: Path, scheduler: Any) -> Any:
    """SD 2.1 architecture (stabilityai/sd-turbo configs): UNet 866 M, OpenCLIP-H text 340 M."""
    unet = diffusers.UNet2DConditionModel(
        sample_size=64,
        in_channels=4,
        out_channels=4,
        down_block_types=["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"],
        up_block_types=["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3,
        block_out_channels=[320, 640, 1280, 1280],
        layers_per_block=2,
        attention_head_dim=[5, 10, 20, 20],
        cross_attention_dim=1024,
        use_linear_projection=True,
    )
    text = transformers.CLIPTextModel(_clip_text(1024, 23, 16, 512, "gelu"))
    return diffusers.StableDiffusionPipeline(
        vae=_sd_vae(scaling_factor=0.18215),
        text_encoder=text,
        tokenizer=tiny_clip_tokenizer(scratch),
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        image_encoder=None,
        requires_safety_checker=False,
    )


def build_sdxl(scratch: Path, scheduler: Any) -> Any:
    """SDXL base architecture: UNet 2.57 B, CLIP-L 123 M + OpenCLIP-bigG 695 M text encoders."""
    unet = diffusers.UNet2DConditionModel(
        sample_size=128,
        in_channels=4,
        out_channels=4,
        down_block_types=["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
        up_block_types=["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
        block_out_channels=[320, 640, 1280],
        layers_per_block=2,
        transformer_layers_per_block=[1, 2, 10],
        attention_head_dim=[5, 10, 20],
        cross_attention_dim=2048,
        use_linear_projection=True,
        addition_embed_type="text_time",
        addition_time_embed_dim=256,
        projection_class_embeddings_input_dim=2816,
    )
    tokenizer = tiny_clip_tokenizer(scratch)
    return diffusers.StableDiffusionXLPipeline(
        vae=_sd_vae(scaling_factor=0.13025),
        text_encoder=transformers.CLIPTextModel(_clip_text(768, 12, 12, 768, "quick_gelu")),
        text_encoder_2=transformers.CLIPTextModelWithProjection(_clip_text(1280, 32, 20, 1280, "gelu")),
        tokenizer=tokenizer,
        tokenizer_2=tokenizer,
        unet=unet,
        scheduler=scheduler,
    )


def build_flux_schnell(scratch: Path, scheduler: Any) -> Any:
    """FLUX.1-schnell architecture: transformer 11.9 B, T5-XXL encoder 4.8 B, CLIP-L 123 M."""
    transformer = diffusers.FluxTransformer2DModel(
        patch_size=1,
        in_channels=64,
        num_layers=19,
        num_single_layers=38,
        attention_head_dim=128,
        num_attention_heads=24,
        joint_attention_dim=4096,
        pooled_projection_dim=768,
        guidance_embeds=False,
        axes_dims_rope=(16, 56, 56),
    )
    t5 = transformers.T5EncoderModel(
        transformers.T5Config(
            vocab_size=32128,
            d_model=4096,
            d_kv=64,
            d_ff=10240,
            num_layers=24,
            num_heads=64,
            relative_attention_num_buckets=32,
            feed_forward_proj="gated-gelu",
            dense_act_fn="gelu_new",
            is_gated_act=True,
        )
    )
    vae = _sd_vae(
        latent_channels=16,
        use_quant_conv=False,
        use_post_quant_conv=False,
        scaling_factor=0.3611,
        shift_factor=0.1159,
    )
    return diffusers.FluxPipeline(
        scheduler=scheduler,
        vae=vae,
        text_encoder=transformers.CLIPTextModel(_clip_text(768, 12, 12, 768, "quick_gelu")),
        tokenizer=tiny_clip_tokenizer(scratch),
        text_encoder_2=t5,
        tokenizer_2=_offline_t5_tokenizer(),
        transformer=transformer,
    )


def _euler_ancestral() -> Any:
    return diffusers.EulerAncestralDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        steps_offset=1,
        timestep_spacing="trailing",
    )


def _offline_t5_tokenizer() -> Any:
    # T5's sentencepiece model is on the hub; a word-level stand-in produces ids of the same kind.
    from tokenizers import Tokenizer, models, pre_tokenizers

    words = sorted({w for prompt in PROMPTS for w in prompt.split()})
    vocab = {"<pad>": 0, "</s>": 1, "<unk>": 2, **{w: i + 3 for i, w in enumerate(words)}}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        pad_token="<pad>",
        eos_token="</s>",
        unk_token="<unk>",
        model_max_length=512,
    )


def _materialise(name: str, device: DeviceChoice | None, scratch: Path) -> Any:
    """Instantiate straight on the device in the target dtype (a 12 B model in fp32 on the host
    would need 48 GB); `device=None` builds on the meta device, to count parameters."""
    build, make_scheduler = GPU_BUILDS[name]
    scheduler = make_scheduler()  # outside the device context: schedulers go through numpy
    previous = torch.get_default_dtype()
    torch.set_default_dtype(device.torch_dtype if device else torch.float32)
    try:
        with torch.device(device.device if device else "meta"):
            return build(scratch, scheduler)
    finally:
        torch.set_default_dtype(previous)


def parameter_counts() -> dict[str, dict[str, float]]:
    """Parameter counts (billions) of the real-size builds, on the meta device: no memory used."""
    counts: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name in GPU_BUILDS:
            pipe = _materialise(name, None, Path(scratch))
            counts[name] = {
                component: round(sum(p.numel() for p in module.parameters()) / 1e9, 3)
                for component, module in pipe.components.items()
                if isinstance(module, torch.nn.Module)
            }
    return counts


GPU_BUILDS: dict[str, tuple[Callable[[Path, Any], Any], Callable[[], Any]]] = {
    "sd-turbo": (build_sd_turbo, _euler_ancestral),
    "sdxl": (build_sdxl, _euler_ancestral),
    "flux-schnell": (
        build_flux_schnell,
        lambda: diffusers.FlowMatchEulerDiscreteScheduler(shift=1.0),
    ),
}


def workloads(device: DeviceChoice, choice: str) -> list[Workload]:
    if not device.is_cuda or choice == "tiny":
        return [
            Workload("tiny", PRESETS["tiny"], None, 8, 32, 64, None),
        ]
    sdxl = replace(
        PRESETS["sdxl-turbo"],
        name="sdxl",
        default_width=1024,
        default_height=1024,
        default_steps=4,
        requires_acceptance=False,
    )
    all_gpu = [
        Workload(
            "sd-turbo",
            replace(PRESETS["sd-turbo"], requires_acceptance=False),
            lambda d, s: _materialise("sd-turbo", d, s),
            8,
            384,
            64,
            UNET_SD_512 + VAE_512,
        ),
        Workload(
            "sdxl",
            sdxl,
            lambda d, s: _materialise("sdxl", d, s),
            4,
            768,
            32,
            4 * UNET_SDXL_1024 + VAE_1024,
        ),
        Workload(
            "flux-schnell",
            PRESETS["flux-schnell"],
            lambda d, s: _materialise("flux-schnell", d, s),
            2,
            768,
            16,
            4 * FLUX_1024 + VAE_1024,
        ),
    ]
    return [w for w in all_gpu if choice in ("all", w.name)]


# --- Measurement helpers -----------------------------------------------------------------------


def summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def p99(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def synchronise(device: DeviceChoice) -> None:
    if device.is_cuda:
        torch.cuda.synchronize()


def requests_for(
    preset: Preset, count: int, *, first_seed: int, sizes: Sequence[int] = ()
) -> list[GenerationRequest]:
    sizes = sizes or [preset.default_width]
    return [
        build_request(
            preset,
            PROMPTS[i % len(PROMPTS)],
            seed=first_seed + i,
            width=sizes[i % len(sizes)],
            height=sizes[i % len(sizes)],
        )
        for i in range(count)
    ]


def engine_for(loaded: LoadedPipeline, max_batch: int, max_wait_s: float) -> GenerationEngine:
    return GenerationEngine(
        [loaded.preset],
        device=loaded.device,
        loader=lambda preset: loaded,
        max_batch=max_batch,
        max_wait_s=max_wait_s,
    )


def burst(engine: GenerationEngine, requests: Sequence[GenerationRequest]) -> dict[str, Any]:
    """Submit everything at once (owners round-robin over 8 accounts); wall time and latencies."""
    started = time.perf_counter()
    handles = [engine.submit(r, owner=f"account-{i % 8}") for i, r in enumerate(requests)]
    latencies = completion_times(handles, [started] * len(handles))
    return {"wall": time.perf_counter() - started, "latencies": latencies}


def completion_times(handles: Sequence[GenerationHandle], submitted: Sequence[float]) -> list[float]:
    """Seconds from each submission to its image (raises the first failure)."""
    finished: dict[int, float] = {}
    all_done = threading.Event()
    lock = threading.Lock()

    def done(index: int) -> Callable[[GenerationHandle], None]:
        def record(handle: GenerationHandle) -> None:
            with lock:
                finished[index] = time.perf_counter()
                if len(finished) == len(handles):
                    all_done.set()

        return record

    for index, handle in enumerate(handles):
        handle.add_done_callback(done(index))
    all_done.wait(3600)
    for handle in handles:
        handle.result(timeout=0)
    return [finished[i] - submitted[i] for i in range(len(handles))]


@contextlib.contextmanager
def eager(pipe: Any) -> Iterator[None]:
    """Swap torch.compile wrappers for the eager modules (the plain-diffusers baseline)."""
    swapped = {}
    for name in ("unet", "transformer"):
        module = getattr(pipe, name, None)
        if module is not None and hasattr(module, "_orig_mod"):
            swapped[name] = module
            setattr(pipe, name, module._orig_mod)
    try:
        yield
    finally:
        for name, module in swapped.items():
            setattr(pipe, name, module)


def plain_diffusers(loaded: LoadedPipeline, requests: Sequence[GenerationRequest]) -> float:
    """Images/s of the pipeline called directly, eager, one image per call."""
    pipe = loaded.pipe
    extra = {}
    if loaded.preset.max_sequence_length is not None:
        extra["max_sequence_length"] = loaded.preset.max_sequence_length
    synchronise(loaded.device)
    started = time.perf_counter()
    with eager(pipe), torch.inference_mode():
        for r in requests:
            pipe(
                r.prompt,
                num_inference_steps=r.steps,
                guidance_scale=r.guidance,
                width=r.width,
                height=r.height,
                generator=torch.Generator("cpu").manual_seed(r.seed),
                **extra,
            )
    synchronise(loaded.device)
    return len(requests) / (time.perf_counter() - started)


def matmul_rate(device: DeviceChoice, size: int = 8192, repeats: int = 20) -> float:
    """Dense bf16 matmul FLOP/s: the roofline R."""
    a = torch.randn(size, size, device=device.device, dtype=torch.bfloat16)
    b = torch.randn(size, size, device=device.device, dtype=torch.bfloat16)
    a @ b  # warm-up (cuBLAS heuristics)
    torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(repeats):
        a @ b
    torch.cuda.synchronize()
    return 2 * size**3 * repeats / (time.perf_counter() - started)


# --- B1, B2, B6 --------------------------------------------------------------------------------


def bench_b1(loaded: LoadedPipeline, work: Workload, reps: int) -> dict[str, Any]:
    """fedi's worker (engine, serving batch) vs plain diffusers batch 1, and vs R on GPU."""
    preset, batch = loaded.preset, work.serving_batch
    fedi, plain, roofline = [], [], []
    with engine_for(loaded, batch, max_wait_s=0.005) as engine:
        for rep in range(reps):
            requests = requests_for(preset, batch * 4, first_seed=SEED + rep * 1000)
            result = burst(engine, requests)
            fedi.append(len(requests) / result["wall"])
            plain.append(plain_diffusers(loaded, requests[: max(2, batch)]))
            if loaded.device.is_cuda:
                roofline.append(matmul_rate(loaded.device))
    out: dict[str, Any] = {
        "serving_batch": batch,
        "fedi_images_per_s": summary(fedi),
        "plain_diffusers_batch1_images_per_s": summary(plain),
        "ratio_vs_plain": summary([f / p for f, p in zip(fedi, plain, strict=True)]),
        "cold_start_s": loaded.load_seconds,
    }
    if roofline and work.flops_per_image is not None:
        fractions = [f * work.flops_per_image / r for f, r in zip(fedi, roofline, strict=True)]
        out["roofline_flops_per_s"] = summary(roofline)
        out["fraction_of_roofline"] = summary(fractions)
        out["flops_per_image"] = work.flops_per_image
    else:
        out["fraction_of_roofline"] = "skipped: the matmul roofline is GPU only"
    return out


def bench_b2(loaded: LoadedPipeline, work: Workload, reps: int) -> dict[str, Any]:
    """Batcher vs the same engine at max_batch=1 under a mixed-size burst; offline gain G(B);
    p99 under a Poisson stream at 80% of capacity."""
    preset, batch, max_wait = loaded.preset, work.serving_batch, 0.01
    sizes = [preset.default_width, work.second_size]
    batched, single, gain, service = [], [], [], []
    burst_latencies: dict[str, list[float]] = {"batched": [], "batch1": []}
    idle = []
    for rep in range(reps):
        requests = requests_for(preset, work.burst, first_seed=SEED + rep * 1000, sizes=sizes)
        for label, max_batch, rates in (("batched", batch, batched), ("batch1", 1, single)):
            with engine_for(loaded, max_batch, max_wait) as engine:
                result = burst(engine, requests)
                stats = engine.stats()
            rates.append(len(requests) / result["wall"])
            burst_latencies[label].extend(result["latencies"])
            if label == "batched":
                idle.append(1 - stats.busy_seconds / result["wall"])
        same_size = requests_for(preset, batch, first_seed=SEED + rep)
        gain_rate, seconds = offline_gain(loaded, same_size)
        gain.append(gain_rate)
        service.append(seconds)
    capacity = statistics.median(batched)
    stream = poisson_stream(loaded, work, capacity * 0.8, sizes, batch, max_wait)
    bound = 1.5 * (statistics.median(service) + max_wait)
    ratio = [b / s for b, s in zip(batched, single, strict=True)]
    return {
        "burst": work.burst,
        "sizes": sizes,
        "max_batch": batch,
        "batched_images_per_s": summary(batched),
        "batch1_images_per_s": summary(single),
        "throughput_ratio_vs_batch1": summary(ratio),
        "offline_gain_G": summary(gain),
        "ratio_vs_0_9_G": statistics.median(ratio) / (0.9 * statistics.median(gain)),
        "burst_p99_latency_s": {k: p99(v) for k, v in burst_latencies.items()},
        "idle_fraction_during_burst": summary(idle),
        "batch_service_time_s": summary(service),
        "stream": {**stream, "p99_bound_s": bound, "p99_within_bound": stream["p99_s"] <= bound},
    }


def offline_gain(loaded: LoadedPipeline, requests: Sequence[GenerationRequest]) -> tuple[float, float]:
    """G(B): images/s of one direct call at batch B over B direct calls at batch 1."""
    synchronise(loaded.device)
    started = time.perf_counter()
    run_batch(loaded, requests)
    synchronise(loaded.device)
    batched_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for request in requests:
        run_batch(loaded, [request])
    synchronise(loaded.device)
    single_seconds = time.perf_counter() - started
    return single_seconds / batched_seconds, batched_seconds


def poisson_stream(
    loaded: LoadedPipeline,
    work: Workload,
    rate: float,
    sizes: Sequence[int],
    batch: int,
    max_wait: float,
) -> dict[str, Any]:
    rng = random.Random(SEED)
    requests = requests_for(loaded.preset, work.burst, first_seed=SEED + 99, sizes=sizes)
    with engine_for(loaded, batch, max_wait) as engine:
        handles, submitted = [], []
        started = time.perf_counter()
        for i, request in enumerate(requests):
            submitted.append(time.perf_counter())
            handles.append(engine.submit(request, owner=f"account-{i % 8}"))
            time.sleep(rng.expovariate(rate))
        latencies = completion_times(handles, submitted)
        wall = time.perf_counter() - started
    return {"rate_per_s": rate, "requests": len(requests), "p99_s": p99(latencies), "wall_s": wall}


def encode_one(generated: GeneratedImage) -> int:
    """What the media job does per image: original WebP with XMP, 400px thumbnail, blurhash."""
    original = encode_webp(generated.image, generated.params)
    thumbnail = generated.image.copy()
    thumbnail.thumbnail((400, 400), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    thumbnail.save(buffer, "WEBP", quality=80)
    # Mastodon-style: hash a small copy (the encoder walks every pixel in Python).
    small = thumbnail.copy()
    small.thumbnail((64, 64))
    blurhash.encode(small, 4, 3)
    return len(original) + buffer.tell()


def bench_b6(loaded: LoadedPipeline, generation_rate: float, workers: int, reps: int) -> dict[str, Any]:
    """Encode capacity of `workers` encoder threads over B1's generation images/s."""
    images = run_batch(loaded, requests_for(loaded.preset, 4, first_seed=SEED))
    per_image, capacity = [], []
    with ThreadPoolExecutor(workers) as pool:
        for _ in range(reps):
            started = time.perf_counter()
            for image in images:
                encode_one(image)
            per_image.append((time.perf_counter() - started) / len(images))
            batch = images * (2 * workers)
            started = time.perf_counter()
            list(pool.map(encode_one, batch))
            capacity.append(len(batch) / (time.perf_counter() - started))
    return {
        "image_size": list(images[0].image.size),
        "encode_workers": workers,
        "seconds_per_image_one_core": summary(per_image),
        "encode_capacity_images_per_s": summary(capacity),
        "generation_images_per_s": generation_rate,
        "ratio": summary([c / generation_rate for c in capacity]),
    }


# --- Driver ------------------------------------------------------------------------------------


def load(work: Workload, device: DeviceChoice, compile: bool, scratch: Path) -> LoadedPipeline:
    if work.build is None:
        return load_pipeline(work.preset, cache_dir=str(scratch), device=device, compile=compile)
    started = time.perf_counter()
    pipe = work.build(device, scratch)
    built = time.perf_counter() - started
    prepare_pipeline(pipe, work.preset, device, compile=compile)
    loaded = LoadedPipeline(
        pipe=pipe,
        preset=work.preset,
        device=device,
        model_id=f"random:{work.name}",
        load_seconds=time.perf_counter() - started,
    )
    print(f"  built {work.name} with random weights in {built:.1f} s", file=sys.stderr)
    return loaded


def warm_up(loaded: LoadedPipeline, work: Workload) -> None:
    """One call per shape used later, so no measurement pays for first-call setup (cuDNN
    autotuning, compile specialisations, allocator growth)."""
    for size in (loaded.preset.default_width, work.second_size):
        for batch in (1, work.serving_batch):
            requests = requests_for(loaded.preset, batch, first_seed=SEED, sizes=[size])
            run_batch(loaded, requests)
    synchronise(loaded.device)


def hardware(device: DeviceChoice) -> dict[str, Any]:
    info: dict[str, Any] = {
        "device": device.device,
        "dtype": device.dtype,
        "cpu": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
    }
    if device.is_cuda:
        info["gpu"] = torch.cuda.get_device_name(device.device)
    return info


def run(args: argparse.Namespace) -> dict[str, Any]:
    device = choose_device(args.device, args.dtype)
    compile = device.is_cuda if args.compile is None else args.compile
    reps = args.reps or 5
    report: dict[str, Any] = {
        "bench": "generation",
        "hardware": hardware(device),
        "versions": library_versions(),
        "seed": SEED,
        "reps": reps,
        "quick": args.quick,
        "compile": compile,
        "results": {},
    }
    if not device.is_cuda:
        report["skipped"] = (
            "real-size SD-Turbo/SDXL/FLUX and the matmul roofline need a CUDA GPU; "
            "ran the tiny CPU regression guard"
        )
        if args.preset not in ("tiny", "all"):
            return report
    workers = args.encode_workers or max(1, (os.cpu_count() or 2) - 1)
    with tempfile.TemporaryDirectory() as scratch:
        for work in workloads(device, args.preset):
            if args.quick:
                work = replace(work, burst=min(work.burst, 32 if device.is_cuda else 64))
            print(f"{work.name}: loading", file=sys.stderr)
            loaded = load(work, device, compile, Path(scratch))
            warm_up(loaded, work)
            result: dict[str, Any] = {}
            print(f"{work.name}: B1", file=sys.stderr)
            result["B1_gen_throughput"] = b1 = bench_b1(loaded, work, reps)
            print(f"{work.name}: B2", file=sys.stderr)
            result["B2_serving_batching"] = bench_b2(loaded, work, reps)
            print(f"{work.name}: B6", file=sys.stderr)
            rate = b1["fedi_images_per_s"]["median"]
            result["B6_media_balance"] = bench_b6(loaded, rate, workers, reps)
            report["results"][work.name] = result
            del loaded
            if device.is_cuda:
                torch.cuda.empty_cache()
    return report


def human(report: dict[str, Any]) -> str:
    machine = report["hardware"]
    where = ", ".join(filter(None, [machine.get("gpu"), f"{machine['cpu_count']} CPUs"]))
    lines = [f"generation bench on {machine['device']} ({where}), {report['reps']} reps, median [min-max]"]
    if "skipped" in report:
        lines.append(f"  skipped: {report['skipped']}")

    def fmt(s: dict[str, float]) -> str:
        return f"{s['median']:.3g} [{s['min']:.3g}-{s['max']:.3g}]"

    for name, r in report["results"].items():
        b1, b2, b6 = r["B1_gen_throughput"], r["B2_serving_batching"], r["B6_media_balance"]
        roof, stream, tail = b1["fraction_of_roofline"], b2["stream"], b2["burst_p99_latency_s"]
        lines += [
            f"{name}:",
            f"  B1 fedi {fmt(b1['fedi_images_per_s'])} img/s at batch {b1['serving_batch']}; "
            f"plain diffusers b1 {fmt(b1['plain_diffusers_batch1_images_per_s'])} img/s; "
            f"ratio {fmt(b1['ratio_vs_plain'])} (bar 1.5x); "
            f"roofline {fmt(roof) if isinstance(roof, dict) else roof}; "
            f"cold start {b1['cold_start_s']:.2f} s",
            f"  B2 burst {b2['burst']} sizes {b2['sizes']}: "
            f"batched {fmt(b2['batched_images_per_s'])} vs "
            f"batch-1 {fmt(b2['batch1_images_per_s'])} img/s, "
            f"ratio {fmt(b2['throughput_ratio_vs_batch1'])}, G(B) {fmt(b2['offline_gain_G'])}, "
            f"ratio/0.9G {b2['ratio_vs_0_9_G']:.2f} (bar 1); "
            f"burst p99 {tail['batched']:.2f} s vs {tail['batch1']:.2f} s; "
            f"idle {fmt(b2['idle_fraction_during_burst'])}",
            f"  B2 stream at {stream['rate_per_s']:.1f}/s: p99 {stream['p99_s']:.3f} s, "
            f"bound {stream['p99_bound_s']:.3f} s, within {stream['p99_within_bound']}",
            f"  B6 encode {fmt(b6['encode_capacity_images_per_s'])} img/s with "
            f"{b6['encode_workers']} workers at {b6['image_size']}, "
            f"{fmt(b6['seconds_per_image_one_core'])} s/img on one core; "
            f"ratio to generation {fmt(b6['ratio'])} (bar 1.2)",
        ]
    return "\n".join(lines)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.generation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N (default auto)")
    parser.add_argument("--dtype", default=None, help="float32, float16 or bfloat16")
    parser.add_argument(
        "--preset",
        default="all",
        choices=["all", "tiny", "sd-turbo", "sdxl", "flux-schnell"],
        help="workload; on CPU only tiny runs (default all)",
    )
    parser.add_argument("--reps", type=int, default=0, help="A/B repetitions (default 5)")
    parser.add_argument("--quick", action="store_true", help="smaller bursts (CPU: under 2 min)")
    parser.add_argument(
        "--compile",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="torch.compile the denoiser (default: on for CUDA)",
    )
    parser.add_argument("--encode-workers", type=int, default=0, help="B6 encoder threads")
    parser.add_argument(
        "--check-configs",
        action="store_true",
        help="print parameter counts of the real-size builds (meta device, no GPU needed)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if args.check_configs:
        print(json.dumps(parameter_counts()))
        return 0
    report = run(args)
    print(json.dumps(report, default=str))
    print(human(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
