"""StyleGAN2 at FFHQ's real shapes on this CPU: our generator vs a reference forward, one run.

Random weights of the published FFHQ model's shapes (1024 px, config-f: 512
channels up to 64 px, halving to 32 at 1024 px; z and w of 512; an 8-layer
mapping network).  Speed does not depend on the values.  Printed:

* ms per image (batch 1, mapping + synthesis, constant noise) for our
  generator (``plugins/stylegan``) and, on the same weights in the same run,
  for ``reference_forward`` below, their ratio (reference / ours: ≥ 1.0 means
  ours is not slower), and the largest absolute difference of the two images;
* time to a slider preview: the ``generate`` and ``attributes`` actions run
  through the core with the GUI's preview request (``preview_resolution``),
  which stops the skip generator at 32 … 256 px, vs the same action at full
  size (what the GUI renders when the slider rests).

``reference_forward`` is written here from the StyleGAN2 paper and NVIDIA's
stylegan2-ada-pytorch (``training/networks.py``, ``torch_utils/ops``): it is
their inference path — the *fused* modulated convolution (per-sample weights
modulated and demodulated, one grouped convolution over the batch), the 2×
upsampling conv as a stride-2 transposed conv followed by the [1,3,3,1] FIR
filter through a reference ``upfirdn2d`` (zero insertion by reshape + pad,
depthwise convolution with the flipped 2-D filter, gain 4), noise added after
the convolution, bias + leaky ReLU with gain √2, and skip toRGB (1×1
modulated conv without demodulation, style scaled by 1/√fan_in, the previous
RGB upsampled by ``upfirdn2d``).  It reads our parameter names but shares no
code with the plugin.

    OMP_NUM_THREADS=2 .venv/bin/python scripts/bench_stylegan.py [--threads 2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "plugins"))

FFHQ = {
    "resolution": 1024,
    "z_dim": 512,
    "w_dim": 512,
    "mapping_layers": 8,
    "channel_base": 32768,
    "channel_max": 512,
}  # config-f


# --------------------------------------------------------------------------- reference


def fir_2d(taps: tuple[float, ...] = (1, 3, 3, 1)) -> Tensor:
    f = torch.tensor(taps, dtype=torch.float32)
    f = torch.outer(f, f)
    return f / f.sum()


def ref_upfirdn2d(
    x: Tensor, f: Tensor, up: int = 1, pad: tuple[int, int, int, int] = (0,) * 4, gain: float = 1.0
) -> Tensor:
    """Zero-insert ×up, pad (x0, x1, y0, y1), convolve each channel with the flipped filter."""
    b, c, h, w = x.shape
    if up > 1:
        x = x.reshape(b, c, h, 1, w, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(b, c, h * up, w * up)
    x = F.pad(x, list(pad))
    kernel = (f * gain).flip([0, 1])[None, None].repeat(c, 1, 1, 1).to(x.dtype)
    return F.conv2d(x, kernel, groups=c)


def ref_modconv(
    x: Tensor,
    weight: Tensor,
    styles: Tensor,
    demodulate: bool = True,
    up: bool = False,
    f: Tensor | None = None,
) -> Tensor:
    """The fused path: per-sample weights, one grouped conv (transposed for ×2)."""
    b, cin = styles.shape
    cout, _, k, _ = weight.shape
    w = weight[None] * styles[:, None, :, None, None]  # (B, out, in, k, k)
    if demodulate:
        w = w * (w.square().sum([2, 3, 4]) + 1e-8).rsqrt()[:, :, None, None, None]
    x = x.reshape(1, b * cin, *x.shape[2:])
    if up:
        wt = w.transpose(1, 2).reshape(b * cin, cout, k, k)  # (B·in, out, k, k)
        x = F.conv_transpose2d(x, wt, stride=2, groups=b)  # (1, B·out, 2H+1, 2W+1)
        x = ref_upfirdn2d(x, f, pad=(1, 1, 1, 1), gain=4.0)  # (1, B·out, 2H, 2W)
    else:
        x = F.conv2d(x, w.reshape(b * cout, cin, k, k), padding=k // 2, groups=b)
    return x.reshape(b, cout, *x.shape[2:])


def _fc(p: dict[str, Tensor], name: str, x: Tensor, lr_mul: float = 1.0) -> Tensor:
    weight, bias = p[f"{name}.weight"], p[f"{name}.bias"]
    return F.linear(x, weight * (lr_mul / math.sqrt(weight.shape[1])), bias * lr_mul)


def _lrelu(x: Tensor, bias: Tensor) -> Tensor:
    return F.leaky_relu(x + bias.reshape(1, -1, 1, 1), 0.2) * math.sqrt(2)


def ref_layer(p: dict[str, Tensor], name: str, x: Tensor, w: Tensor, up: bool, f: Tensor) -> Tensor:
    styles = _fc(p, f"{name}.conv.modulation", w)
    weight = p[f"{name}.conv.weight"][0]  # unit-scale weight: demodulation normalises it
    x = ref_modconv(x, weight, styles, up=up, f=f)
    x = x + p[f"{name}.noise_const"] * p[f"{name}.noise_strength"]
    return _lrelu(x, p[f"{name}.act.bias"])


def ref_torgb(p: dict[str, Tensor], name: str, x: Tensor, w: Tensor) -> Tensor:
    weight = p[f"{name}.conv.weight"][0]
    styles = _fc(p, f"{name}.conv.modulation", w) / math.sqrt(weight.shape[1])
    return ref_modconv(x, weight, styles, demodulate=False) + p[f"{name}.bias"]


@torch.no_grad()
def reference_forward(
    p: dict[str, Tensor], z: Tensor, num_ws: int, mapping_layers: int, psi: float = 1.0
) -> Tensor:
    """z (B, z_dim) → image (B, 3, R, R) from a generator state dict (our key names)."""
    f = fir_2d()
    x = z * (z.square().mean(1, keepdim=True) + 1e-8).rsqrt()
    for i in range(mapping_layers):
        x = F.leaky_relu(_fc(p, f"mapping.fcs.{i}", x, lr_mul=0.01), 0.2) * math.sqrt(2)
    w = p["w_avg"] + psi * (x - p["w_avg"])
    ws = w[:, None].repeat(1, num_ws, 1)
    x = ref_layer(
        p, "synthesis.conv1", p["synthesis.const"].expand(len(z), -1, -1, -1), ws[:, 0], False, f
    )
    img = ref_torgb(p, "synthesis.to_rgb1", x, ws[:, 1])
    for k in range((num_ws - 2) // 2):
        x = ref_layer(p, f"synthesis.convs.{2 * k}", x, ws[:, 1 + 2 * k], True, f)
        x = ref_layer(p, f"synthesis.convs.{2 * k + 1}", x, ws[:, 2 + 2 * k], False, f)
        img = ref_upfirdn2d(img, f, up=2, pad=(2, 1, 2, 1), gain=4.0)
        img = img + ref_torgb(p, f"synthesis.to_rgbs.{k}", x, ws[:, 3 + 2 * k])
    return img


# --------------------------------------------------------------------------- timing


def median_ms(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median wall ms, median CPU ms of this process) of ``fn``.

    On a shared machine the wall time includes waiting for a core; the CPU time
    (all threads) divided by the thread count is what the wall time would be on
    an idle machine, roughly."""
    fn()  # warm-up (allocator, oneDNN primitive cache)
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return 1000 * statistics.median(wall), 1000 * statistics.median(cpu)


def paired_ms(a: Callable[[], object], b: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median ms of ``a`` and ``b``, run alternately: the machine is shared, and a load
    that comes and goes then weighs on both alike."""
    a(), b()
    ta, tb = [], []
    for _ in range(repeat):
        for fn, out in ((a, ta), (b, tb)):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return 1000 * statistics.median(ta), 1000 * statistics.median(tb)


def random_generator(seed: int = 0) -> torch.nn.Module:
    from stylegan.config import StyleGAN2Config
    from stylegan.networks import Generator

    torch.manual_seed(seed)
    G = Generator(StyleGAN2Config(**FFHQ)).eval()
    with torch.no_grad():  # what training leaves non-zero: noise strengths, biases, w_avg
        for name, t in G.named_parameters():
            if name.endswith(("noise_strength", "act.bias", "rgb1.bias")) or ".bias" in name:
                t.add_(0.1 * torch.randn_like(t))
        G.w_avg.normal_(0, 0.5)
    return G


def bench_forward(G: torch.nn.Module, repeat: int) -> None:
    p = {k: v.detach() for k, v in G.state_dict().items()}
    z = torch.randn(1, G.z_dim, generator=torch.Generator().manual_seed(1))
    ours = lambda: G(z, truncation_psi=0.7, noise_mode="const")  # noqa: E731
    ref = lambda: reference_forward(p, z, G.num_ws, len(G.mapping.fcs), 0.7)  # noqa: E731
    with torch.inference_mode():
        a, b = ours(), ref()
        diff = (a - b).abs().max().item()
        ms_ours, ms_ref = paired_ms(ours, ref, repeat)
    print(
        f"  image {tuple(a.shape)}, values in [{a.min():.2f}, {a.max():.2f}]; "
        f"max |ours − reference| = {diff:.2e}"
    )
    print(f"  ours      {ms_ours:8.0f} ms/image")
    print(f"  reference {ms_ref:8.0f} ms/image")
    print(f"  ratio reference/ours = {ms_ref / ms_ours:.2f}×  (goal ≥ 1.0×)")


def bench_preview(G: torch.nn.Module, repeat: int) -> None:
    """Slider previews through the core's action runner, as the GUI's interactive lane."""
    from stylegan.config import StyleGAN2Config

    from ganstudio.core import checkpoints
    from ganstudio.core.actions import run_action
    from ganstudio.core.models import load_model, model_meta
    from ganstudio.gui.controller import ActionController
    from ganstudio.plugins import get_registry

    registry = get_registry()
    directions = {"directions.smile": torch.randn(G.w_dim)}
    tensors = {**{f"G.{k}": v for k, v in G.state_dict().items()}, **directions}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ffhq-shapes.safetensors"
        checkpoints.save_model(
            path, tensors, model_meta("stylegan2", "stylegan", StyleGAN2Config(**FFHQ))
        )
        model = load_model(path, registry)
    sizes = (32, 64, 128, 256)
    print(f"  (CPU ms are summed over {torch.get_num_threads()} threads)")
    for action_id, params in (("generate", {"seed": 3}), ("attributes", {"seed": 3, "smile": 1.5})):
        action = registry.action_for(action_id, model.capabilities, model.variant_id)
        runs = [(f"preview {n} px", {"preview_resolution": n}) for n in sizes]
        for label, inputs in [*runs, ("final 1024 px", {})]:
            out: list = []

            def once(a=action, p=params, i=inputs, o=out) -> None:
                o.append(run_action(a, model, p, i))

            ms, cpu = median_ms(once, repeat)
            size = out[-1].composite().size
            print(
                f"  {action_id:10s} {label:15s} {ms:7.0f} ms wall, {cpu:7.0f} ms CPU "
                f"({size[0]}×{size[1]})"
            )
    print(
        f"  (the GUI starts at {ActionController.PREVIEW_START} px and halves or doubles the "
        f"size so a preview renders within {ActionController.PREVIEW_BUDGET_MS} ms)"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-preview", action="store_true")
    ap.add_argument("--no-forward", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    from ganstudio.core import hostmem

    hostmem.tune()  # as the app and the CLI do: freed layer outputs are reused, not re-faulted
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, FFHQ shapes {FFHQ}")
    G = random_generator()
    print(f"generator: {sum(t.numel() for t in G.parameters()) / 1e6:.1f} M parameters")
    if not args.no_forward:
        print("forward (batch 1, ψ 0.7, constant noise):")
        bench_forward(G, args.repeat)
    if not args.no_preview:
        print("slider preview vs final render (run_action, batch 1):")
        bench_preview(G, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
