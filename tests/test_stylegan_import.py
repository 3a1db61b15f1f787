"""Importers: rosinality stylegan2-pytorch checkpoints and NVIDIA network pickles.

The rosinality reference below follows their ``model.py`` structure, key names
and arithmetic (fused grouped-conv modulation, native upfirdn2d), at a tiny
size with a reduced channel table.
"""

from __future__ import annotations

import importlib
import math
import pickle
import sys
import types
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ganstudio import plugins
from ganstudio.core.importing import import_checkpoint
from ganstudio.core.models import load_model

# --------------------------------------------------------------------------- reference (rosinality)


def upfirdn2d_native(x, kernel, up_x, up_y, down_x, down_y, pad_x0, pad_x1, pad_y0, pad_y1):
    _, channel, in_h, in_w = x.shape
    x = x.reshape(-1, in_h, in_w, 1)
    _, in_h, in_w, minor = x.shape
    kernel_h, kernel_w = kernel.shape
    out = x.view(-1, in_h, 1, in_w, 1, minor)
    out = F.pad(out, [0, 0, 0, up_x - 1, 0, 0, 0, up_y - 1])
    out = out.view(-1, in_h * up_y, in_w * up_x, minor)
    out = F.pad(out, [0, 0, max(pad_x0, 0), max(pad_x1, 0), max(pad_y0, 0), max(pad_y1, 0)])
    out = out.permute(0, 3, 1, 2)
    out = out.reshape([-1, 1, in_h * up_y + pad_y0 + pad_y1, in_w * up_x + pad_x0 + pad_x1])
    w = torch.flip(kernel, [0, 1]).view(1, 1, kernel_h, kernel_w)
    out = F.conv2d(out, w)
    out = out.reshape(
        -1,
        minor,
        in_h * up_y + pad_y0 + pad_y1 - kernel_h + 1,
        in_w * up_x + pad_x0 + pad_x1 - kernel_w + 1,
    )
    out = out.permute(0, 2, 3, 1)[:, ::down_y, ::down_x, :]
    return out.reshape(-1, channel, out.shape[1], out.shape[2])


def upfirdn2d(x, kernel, up=1, down=1, pad=(0, 0)):
    return upfirdn2d_native(x, kernel, up, up, down, down, pad[0], pad[1], pad[0], pad[1])


def make_kernel(k):
    k = torch.tensor(k, dtype=torch.float32)
    k = k[None, :] * k[:, None]
    return k / k.sum()


class PixelNorm(nn.Module):
    def forward(self, x):
        return x * torch.rsqrt(torch.mean(x**2, dim=1, keepdim=True) + 1e-8)


class Upsample(nn.Module):
    def __init__(self, kernel, factor=2):
        super().__init__()
        self.factor = factor
        self.register_buffer("kernel", make_kernel(kernel) * factor**2)
        p = self.kernel.shape[0] - factor
        self.pad = ((p + 1) // 2 + factor - 1, p // 2)

    def forward(self, x):
        return upfirdn2d(x, self.kernel, up=self.factor, down=1, pad=self.pad)


class Blur(nn.Module):
    def __init__(self, kernel, pad, upsample_factor=1):
        super().__init__()
        kernel = make_kernel(kernel)
        if upsample_factor > 1:
            kernel = kernel * upsample_factor**2
        self.register_buffer("kernel", kernel)
        self.pad = pad

    def forward(self, x):
        return upfirdn2d(x, self.kernel, pad=self.pad)


def fused_leaky_relu(x, bias, negative_slope=0.2, scale=2**0.5):
    return (
        F.leaky_relu(x + bias.view(1, bias.shape[0], *[1] * (x.ndim - 2)), negative_slope) * scale
    )


class FusedLeakyReLU(nn.Module):
    def __init__(self, channel):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channel))

    def forward(self, x):
        return fused_leaky_relu(x, self.bias)


class EqualLinear(nn.Module):
    def __init__(self, in_dim, out_dim, bias=True, bias_init=0, lr_mul=1, activation=None):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_dim, in_dim).div_(lr_mul))
        self.bias = nn.Parameter(torch.zeros(out_dim).fill_(bias_init))
        self.activation = activation
        self.scale = (1 / math.sqrt(in_dim)) * lr_mul
        self.lr_mul = lr_mul

    def forward(self, x):
        if self.activation:
            out = F.linear(x, self.weight * self.scale)
            return fused_leaky_relu(out, self.bias * self.lr_mul)
        return F.linear(x, self.weight * self.scale, bias=self.bias * self.lr_mul)


class ModulatedConv2d(nn.Module):
    def __init__(
        self,
        in_channel,
        out_channel,
        kernel_size,
        style_dim,
        demodulate=True,
        upsample=False,
        blur_kernel=(1, 3, 3, 1),
    ):
        super().__init__()
        self.eps = 1e-8
        self.kernel_size, self.in_channel, self.out_channel = kernel_size, in_channel, out_channel
        self.upsample = upsample
        if upsample:
            factor = 2
            p = (len(blur_kernel) - factor) - (kernel_size - 1)
            self.blur = Blur(
                blur_kernel, pad=((p + 1) // 2 + factor - 1, p // 2 + 1), upsample_factor=factor
            )
        self.scale = 1 / math.sqrt(in_channel * kernel_size**2)
        self.padding = kernel_size // 2
        self.weight = nn.Parameter(
            torch.randn(1, out_channel, in_channel, kernel_size, kernel_size)
        )
        self.modulation = EqualLinear(style_dim, in_channel, bias_init=1)
        self.demodulate = demodulate

    def forward(self, x, style):  # the fused path: per-sample weights, grouped conv
        batch, in_channel, height, width = x.shape
        style = self.modulation(style).view(batch, 1, in_channel, 1, 1)
        weight = self.scale * self.weight * style
        if self.demodulate:
            demod = torch.rsqrt(weight.pow(2).sum([2, 3, 4]) + 1e-8)
            weight = weight * demod.view(batch, self.out_channel, 1, 1, 1)
        weight = weight.view(
            batch * self.out_channel, in_channel, self.kernel_size, self.kernel_size
        )
        if self.upsample:
            x = x.view(1, batch * in_channel, height, width)
            weight = weight.view(
                batch, self.out_channel, in_channel, self.kernel_size, self.kernel_size
            )
            weight = weight.transpose(1, 2).reshape(
                batch * in_channel, self.out_channel, self.kernel_size, self.kernel_size
            )
            out = F.conv_transpose2d(x, weight, padding=0, stride=2, groups=batch)
            _, _, height, width = out.shape
            out = self.blur(out.view(batch, self.out_channel, height, width))
        else:
            x = x.view(1, batch * in_channel, height, width)
            out = F.conv2d(x, weight, padding=self.padding, groups=batch)
            _, _, height, width = out.shape
            out = out.view(batch, self.out_channel, height, width)
        return out


class NoiseInjection(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, image, noise=None):
        if noise is None:
            batch, _, height, width = image.shape
            noise = image.new_empty(batch, 1, height, width).normal_()
        return image + self.weight * noise


class ConstantInput(nn.Module):
    def __init__(self, channel, size=4):
        super().__init__()
        self.input = nn.Parameter(torch.randn(1, channel, size, size))

    def forward(self, x):
        return self.input.repeat(x.shape[0], 1, 1, 1)


class StyledConv(nn.Module):
    def __init__(self, in_channel, out_channel, kernel_size, style_dim, upsample=False):
        super().__init__()
        self.conv = ModulatedConv2d(
            in_channel, out_channel, kernel_size, style_dim, upsample=upsample
        )
        self.noise = NoiseInjection()
        self.activate = FusedLeakyReLU(out_channel)

    def forward(self, x, style, noise=None):
        return self.activate(self.noise(self.conv(x, style), noise=noise))


class ToRGB(nn.Module):
    def __init__(self, in_channel, style_dim, upsample=True):
        super().__init__()
        if upsample:
            self.upsample = Upsample((1, 3, 3, 1))
        self.conv = ModulatedConv2d(in_channel, 3, 1, style_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(1, 3, 1, 1))

    def forward(self, x, style, skip=None):
        out = self.conv(x, style) + self.bias
        if skip is not None:
            out = out + self.upsample(skip)
        return out


class RefGenerator(nn.Module):
    """rosinality's Generator with its channel table passed in (theirs is fixed per size)."""

    def __init__(self, size, style_dim, n_mlp, channels, lr_mlp=0.01):
        super().__init__()
        self.size, self.style_dim = size, style_dim
        layers = [PixelNorm()] + [
            EqualLinear(style_dim, style_dim, lr_mul=lr_mlp, activation="fused_lrelu")
            for _ in range(n_mlp)
        ]
        self.style = nn.Sequential(*layers)
        self.channels = channels
        self.input = ConstantInput(channels[4])
        self.conv1 = StyledConv(channels[4], channels[4], 3, style_dim)
        self.to_rgb1 = ToRGB(channels[4], style_dim, upsample=False)
        self.log_size = int(math.log(size, 2))
        self.num_layers = (self.log_size - 2) * 2 + 1
        self.convs, self.to_rgbs = nn.ModuleList(), nn.ModuleList()
        self.noises = nn.Module()
        in_channel = channels[4]
        for layer_idx in range(self.num_layers):
            res = (layer_idx + 5) // 2
            self.noises.register_buffer(f"noise_{layer_idx}", torch.randn(1, 1, 2**res, 2**res))
        for i in range(3, self.log_size + 1):
            out_channel = channels[2**i]
            self.convs.append(StyledConv(in_channel, out_channel, 3, style_dim, upsample=True))
            self.convs.append(StyledConv(out_channel, out_channel, 3, style_dim))
            self.to_rgbs.append(ToRGB(out_channel, style_dim))
            in_channel = out_channel
        self.n_latent = self.log_size * 2 - 2

    def forward(self, styles, truncation=1, truncation_latent=None, randomize_noise=True):
        styles = [self.style(s) for s in styles]
        if randomize_noise:
            noise = [None] * self.num_layers
        else:
            noise = [getattr(self.noises, f"noise_{i}") for i in range(self.num_layers)]
        if truncation < 1:
            styles = [truncation_latent + truncation * (s - truncation_latent) for s in styles]
        latent = styles[0].unsqueeze(1).repeat(1, self.n_latent, 1)
        out = self.input(latent)
        out = self.conv1(out, latent[:, 0], noise=noise[0])
        skip = self.to_rgb1(out, latent[:, 1])
        i = 1
        for conv1, conv2, noise1, noise2, to_rgb in zip(
            self.convs[::2], self.convs[1::2], noise[1::2], noise[2::2], self.to_rgbs, strict=True
        ):
            out = conv1(out, latent[:, i], noise=noise1)
            out = conv2(out, latent[:, i + 1], noise=noise2)
            skip = to_rgb(out, latent[:, i + 2], skip)
            i += 2
        return skip


# --------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def registry():
    return plugins.get_registry()


def sg(sub: str):
    """A submodule of the discovered stylegan plugin (plugins load under a private package)."""
    pkg = plugins.get_registry().variant("stylegan2").config.__module__.rsplit(".", 1)[0]
    return importlib.import_module(f"{pkg}.{sub}")


def _reference(seed: int = 0) -> RefGenerator:
    torch.manual_seed(seed)
    g = RefGenerator(32, 16, 2, channels={4: 16, 8: 16, 16: 16, 32: 8}).eval()
    with torch.no_grad():  # non-zero noise strengths and biases, so every term is checked
        for name, p in g.named_parameters():
            if name.endswith(("noise.weight", "activate.bias", "to_rgb1.bias")) or ".bias" in name:
                p.add_(0.1 * torch.randn_like(p))
    return g


def test_rosinality_checkpoint_reproduces_reference_images(tmp_path: Path, registry) -> None:
    ref = _reference()
    latent_avg = ref.style(torch.randn(256, 16)).mean(0).detach()
    src = tmp_path / "stylegan2-32.pt"
    torch.save({"g_ema": ref.state_dict(), "latent_avg": latent_avg}, src)
    out = tmp_path / "imported.safetensors"
    assert import_checkpoint(registry, src, out) == "stylegan2-rosinality"
    model = load_model(out, registry)
    G = model.generator
    assert (G.resolution, G.z_dim, G.num_ws) == (32, 16, 8)
    z = torch.randn(3, 16, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        expected = ref([z], randomize_noise=False)
        got = G(z, noise_mode="const")
        assert (got - expected).abs().max().item() < 1e-4
        # truncation toward latent_avg matches theirs too
        expected_t = ref([z], truncation=0.5, truncation_latent=latent_avg, randomize_noise=False)
        assert (G(z, truncation_psi=0.5, noise_mode="const") - expected_t).abs().max().item() < 1e-4
    assert torch.allclose(G.w_avg, latent_avg)


def test_bare_g_ema_state_dict_is_recognised_and_gets_a_w_avg(tmp_path: Path, registry) -> None:
    ref = _reference(1)
    src = tmp_path / "g_ema.pth"
    torch.save(ref.state_dict(), src)
    out = tmp_path / "bare.safetensors"
    import_checkpoint(registry, src, out)
    G = load_model(out, registry).generator
    w_mean = ref.style(torch.randn(4000, 16)).mean(0)
    assert (G.w_avg - w_mean).norm() < 0.2 * w_mean.norm()


def test_unsupported_channel_table_is_a_clear_error(tmp_path: Path, registry) -> None:
    infer_channels = sg("importers.rosinality").infer_channels

    assert infer_channels({4: 512, 8: 512, 16: 512, 32: 512, 64: 256, 128: 128, 256: 64}) == (
        16384,
        512,
    )
    assert infer_channels({4: 512, 8: 512, 16: 512, 32: 512, 64: 512, 128: 256, 256: 128}) == (
        32768,
        512,
    )
    with pytest.raises(ValueError, match="channel layout"):
        infer_channels({4: 16, 8: 8, 16: 16})


# --------------------------------------------------------------------------- NVIDIA pickles


def _fake_nvidia_pickle(path: Path, marker: Path, monkeypatch) -> dict[str, torch.Tensor]:
    """A pickle built like stylegan2-ada-pytorch's: persistent objects carrying source code.

    Unpickling it the ordinary way calls ``_reconstruct_persistent_obj`` (left
    importable for the whole test), which runs the embedded source: it writes
    ``marker``.
    """
    src = f"open({str(marker)!r}, 'w').write('ran')\n"
    mod = types.ModuleType("torch_utils.persistence")
    pkg = types.ModuleType("torch_utils")

    def _reconstruct_persistent_obj(meta):
        exec(compile(meta["module_src"], "<pickled source>", "exec"), {})  # what a real load does
        return None

    _reconstruct_persistent_obj.__module__ = "torch_utils.persistence"
    _reconstruct_persistent_obj.__qualname__ = "_reconstruct_persistent_obj"
    mod._reconstruct_persistent_obj = _reconstruct_persistent_obj
    pkg.persistence = mod

    class Persistent:
        def __init__(self, name, params=None, buffers=None, modules=None, **attrs):
            self.meta = dict(
                type="class",
                version=6,
                module_src=src,
                class_name=name,
                state={
                    "_parameters": dict(params or {}),
                    "_buffers": dict(buffers or {}),
                    "_modules": dict(modules or {}),
                    "training": False,
                    **attrs,
                },
            )

        def __reduce__(self):
            return (_reconstruct_persistent_obj, (self.meta,))

    g = torch.Generator().manual_seed(0)

    def t(*shape):
        return nn.Parameter(torch.randn(shape, generator=g))

    w_dim, chans = 8, {4: 16, 8: 16, 16: 16, 32: 8}
    expected: dict[str, torch.Tensor] = {}

    def fc(prefix, i, o, **attrs):
        p = {"weight": t(o, i), "bias": t(o)}
        expected.update({f"{prefix}.{k}": v.detach() for k, v in p.items()})
        return Persistent("FullyConnectedLayer", p, **attrs)

    def layer(prefix, cin, cout, res, k=3):
        p = {"weight": t(cout, cin, k, k), "bias": t(cout), "noise_strength": t()}
        b = {"noise_const": torch.randn(res, res, generator=g), "resample_filter": torch.ones(4, 4)}
        expected.update({f"{prefix}.{k2}": v.detach() for k2, v in {**p, **b}.items()})
        return Persistent("SynthesisLayer", p, b, {"affine": fc(f"{prefix}.affine", w_dim, cin)})

    def torgb(prefix, cin):
        p = {"weight": t(3, cin, 1, 1), "bias": t(3)}
        expected.update({f"{prefix}.{k}": v.detach() for k, v in p.items()})
        return Persistent("ToRGBLayer", p, None, {"affine": fc(f"{prefix}.affine", w_dim, cin)})

    mapping = Persistent(
        "MappingNetwork",
        None,
        {"w_avg": torch.randn(w_dim, generator=g)},
        {
            "fc0": fc("mapping.fc0", w_dim, w_dim, bias_gain=0.01),
            "fc1": fc("mapping.fc1", w_dim, w_dim, bias_gain=0.01),
        },
    )
    expected["mapping.w_avg"] = mapping.meta["state"]["_buffers"]["w_avg"]
    blocks = {}
    const = t(16, 4, 4)
    expected["synthesis.b4.const"] = const.detach()
    blocks["b4"] = Persistent(
        "SynthesisBlock",
        {"const": const},
        None,
        {"conv1": layer("synthesis.b4.conv1", 16, 16, 4), "torgb": torgb("synthesis.b4.torgb", 16)},
    )
    for r in (8, 16, 32):
        cin, cout = chans[r // 2], chans[r]
        blocks[f"b{r}"] = Persistent(
            "SynthesisBlock",
            None,
            None,
            {
                "conv0": layer(f"synthesis.b{r}.conv0", cin, cout, r),
                "conv1": layer(f"synthesis.b{r}.conv1", cout, cout, r),
                "torgb": torgb(f"synthesis.b{r}.torgb", cout),
            },
        )
    G = Persistent(
        "Generator",
        None,
        None,
        {"mapping": mapping, "synthesis": Persistent("SynthesisNetwork", None, None, blocks)},
        z_dim=w_dim,
        w_dim=w_dim,
    )
    monkeypatch.setitem(sys.modules, "torch_utils", pkg)
    monkeypatch.setitem(sys.modules, "torch_utils.persistence", mod)
    path.write_bytes(
        pickle.dumps({"G": G, "D": None, "G_ema": G, "training_set_kwargs": {"resolution": 32}})
    )
    return expected


def test_network_pickle_is_read_without_running_its_code(tmp_path: Path, monkeypatch) -> None:
    read_network_pickle = sg("importers.nvidia_pickle").read_network_pickle

    marker = tmp_path / "code-ran"
    pkl = tmp_path / "network-snapshot.pkl"
    expected = _fake_nvidia_pickle(pkl, marker, monkeypatch)
    tensors = read_network_pickle(pkl)
    assert not marker.exists()
    for name, value in expected.items():
        assert torch.equal(tensors[name], value), name
    assert float(tensors["mapping.lr_multiplier"]) == pytest.approx(0.01)
    pickle.loads(pkl.read_bytes())  # the ordinary way: the embedded code runs
    assert marker.exists()


def test_network_pickle_tensors_map_onto_our_generator(tmp_path: Path, monkeypatch) -> None:
    from ganstudio.core.checkpoints import load_strict, split_roles

    nv = sg("importers.nvidia_pickle")
    convert, detect, read_network_pickle = nv.convert, nv.detect, nv.read_network_pickle
    Generator = sg("networks").Generator

    pkl = tmp_path / "net.pkl"
    expected = _fake_nvidia_pickle(pkl, tmp_path / "marker", monkeypatch)
    state = read_network_pickle(pkl)
    assert detect(pkl, state)
    imported = convert(pkl, state, {})
    cfg = imported.config
    assert (cfg.resolution, cfg.z_dim, cfg.w_dim, cfg.mapping_layers) == (32, 8, 8, 2)
    G = Generator(cfg)
    load_strict(G, split_roles(imported.tensors)["G_ema"], "nvidia")
    assert torch.equal(G.synthesis.const[0], expected["synthesis.b4.const"])
    assert torch.equal(
        G.synthesis.convs[2].noise_const[0, 0], expected["synthesis.b16.conv0.noise_const"]
    )
    assert torch.equal(G.w_avg, expected["mapping.w_avg"])
    # demodulated convs: NVIDIA applies no weight gain; ours scales by 1/sqrt(fan_in)
    w = expected["synthesis.b8.conv1.weight"]
    assert torch.allclose(G.synthesis.convs[1].conv.weight[0] * G.synthesis.convs[1].conv.scale, w)
    with torch.no_grad():
        img = G(torch.randn(2, 8), noise_mode="const")
    assert img.shape == (2, 3, 32, 32) and torch.isfinite(img).all()


def test_pickle_calling_a_dangerous_global_is_refused(tmp_path: Path) -> None:
    read_network_pickle = sg("importers.nvidia_pickle").read_network_pickle

    class Evil:
        def __reduce__(self):
            import os

            return (os.system, ("echo pwned",))

    pkl = tmp_path / "evil.pkl"
    pkl.write_bytes(pickle.dumps({"G_ema": Evil()}))
    with pytest.raises(ValueError, match="refused"):
        read_network_pickle(pkl)


def test_network_pickle_imports_through_the_core(tmp_path: Path, monkeypatch, registry) -> None:
    import dataclasses

    from ganstudio.core.specs import Importer

    if "read" not in {f.name for f in dataclasses.fields(Importer)}:
        pytest.skip("the core does not yet route .pkl files to an importer's own reader")
    marker = tmp_path / "code-ran"
    pkl = tmp_path / "ffhq.pkl"
    _fake_nvidia_pickle(pkl, marker, monkeypatch)
    out = tmp_path / "ffhq.safetensors"
    assert import_checkpoint(registry, pkl, out) == "stylegan2-nvidia"
    assert not marker.exists()
    G = load_model(out, registry).generator
    assert (G.resolution, G.w_dim) == (32, 8)
