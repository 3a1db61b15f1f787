"""W-space editing (plugins/stylegan/editing) on a tiny stand-in generator.

The stand-in has exactly the W-space interface the editing layer is written
against (z_dim, w_dim, num_ws, mapping, synthesis(ws, noise_mode), w_avg), so
these tests hold for any W-space variant, StyleGAN's included.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from ganstudio.core.actions import run_action
from ganstudio.core.jobs import Cancelled
from ganstudio.core.models import LoadedModel
from ganstudio.core.specs import ParamError, Variant

_PKG = "_gs_test_stylegan_editing"


def _load(sub: str = ""):
    """Import plugins/stylegan/editing on its own, as the plugin loader would."""
    if _PKG not in sys.modules:
        root = Path(__file__).resolve().parents[1] / "plugins" / "stylegan" / "editing"
        spec = importlib.util.spec_from_file_location(
            _PKG, root / "__init__.py", submodule_search_locations=[str(root)]
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[_PKG] = module
        spec.loader.exec_module(module)
    return importlib.import_module(f"{_PKG}.{sub}" if sub else _PKG)


editing = _load()
directions_math = _load("directions")


# --------------------------------------------------------------------------- stand-in


class StandInSynthesis(nn.Module):
    """const 4x4 -> 8 -> 16 px; W+ entry 2i modulates block i's input, 2i+1 its output."""

    def __init__(self, w_dim: int, res: int = 16, ch: int = 16) -> None:
        super().__init__()
        self.blocks = int(math.log2(res)) - 1
        self.const = nn.Parameter(torch.randn(1, ch, 4, 4))
        self.affines = nn.ModuleList(nn.Linear(w_dim, ch) for _ in range(2 * self.blocks))
        self.convs = nn.ModuleList(nn.Conv2d(ch, ch, 3, padding=1) for _ in range(self.blocks))
        for i in range(self.blocks):
            self.register_buffer(f"noise_const_{i}", torch.randn(1, 1, 4 * 2**i, 4 * 2**i))
        self.to_rgb = nn.Conv2d(ch, 3, 1)

    def forward(self, ws: torch.Tensor, noise_mode: str = "const") -> torch.Tensor:
        x = self.const.expand(len(ws), -1, -1, -1)
        for i, conv in enumerate(self.convs):
            if i:
                x = F.interpolate(x, scale_factor=2)
            x = conv(x * (1 + 4 * self.affines[2 * i](ws[:, 2 * i]))[:, :, None, None])
            noise = getattr(self, f"noise_const_{i}")
            if noise_mode == "random":
                noise = torch.randn_like(noise)
            elif noise_mode == "none":
                noise = torch.zeros_like(noise)
            x = F.leaky_relu(x + 0.1 * noise, 0.2)
            x = x * (1 + 4 * self.affines[2 * i + 1](ws[:, 2 * i + 1]))[:, :, None, None]
        return torch.tanh(2 * self.to_rgb(x))  # (B, 3, res, res)


class StandInG(nn.Module):
    def __init__(self, z_dim: int = 8, w_dim: int = 12, res: int = 16) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.z_dim, self.w_dim = z_dim, w_dim
        self.mapping = nn.Sequential(
            nn.Linear(z_dim, w_dim), nn.LeakyReLU(0.2), nn.Linear(w_dim, w_dim)
        )
        self.synthesis = StandInSynthesis(w_dim, res)
        self.num_ws = 2 * self.synthesis.blocks
        with torch.no_grad():
            self.register_buffer("w_avg", self.mapping(torch.randn(2000, z_dim)).mean(0))


class _Config:
    resolution = 16
    z_dim = 8
    w_dim = 12


def _model(G: nn.Module | None = None, dirs: dict | None = None) -> LoadedModel:
    variant = Variant(
        "standin",
        "Stand-in",
        _Config,
        lambda cfg: {},
        capabilities=frozenset({"w-latent", "sample"}),
    )
    extras = {"directions": dirs} if dirs else {}
    return LoadedModel(
        None, variant, "standin", _Config(), {"G_ema": G or StandInG()}, extras=extras
    )


def _action(action_id: str):
    return next(a for a in editing.editing_actions() if a.id == action_id)


def _cos(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(F.cosine_similarity(a.flatten().double(), b.flatten().double(), dim=0))


class _LinearLabels(torch.utils.data.Dataset):
    """Images from the stand-in; labels are known linear functions of their w."""

    def __init__(self, G: StandInG, normals: torch.Tensor, n: int) -> None:
        with torch.no_grad():
            w = G.mapping(torch.randn(n, G.z_dim, generator=torch.Generator().manual_seed(7)))
            self.images = G.synthesis(w.unsqueeze(1).repeat(1, G.num_ws, 1))
        s = (w - w.mean(0)) @ normals.T  # (n, A)
        self.labels = s / s.std(0)
        self.label_names = ["smile", "hair_colour=black"]

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> dict:
        return {"image": self.images[i], "labels": self.labels[i]}


# --------------------------------------------------------------------------- tests


def test_discovery_is_torch_free_and_actions_need_only_w_latent():
    actions = {a.id: a for a in editing.editing_actions()}
    assert set(actions) == {"fit-directions", "attributes", "project"}
    for a in actions.values():
        assert a.requires == frozenset({"w-latent"}) and not a.variants
        assert a.accepts({"w-latent", "sample"}, "someplugin:other-w-gan")
        assert not a.accepts({"sample", "latent"}, "dcgan")


def test_fit_directions_from_labels_recovers_known_directions():
    G = StandInG()
    gen = torch.Generator().manual_seed(3)
    normals = F.normalize(torch.randn(2, G.w_dim, generator=gen), dim=1)
    data = _LinearLabels(G, normals, 500)
    events = []
    out = run_action(
        _action("fit-directions"),
        _model(G),
        {"method": "labels", "samples": 500, "images": 500, "steps": 150},
        {"dataset": data},
        on_progress=events.append,
    )
    tensors = out.result.tensors
    assert set(tensors) == {"directions.smile", "directions.hair_colour_black"}
    assert _cos(tensors["directions.smile"], normals[0]) > 0.9
    assert _cos(tensors["directions.hair_colour_black"], normals[1]) > 0.9
    assert out.result.info["accuracy"]["smile"] > 0.8
    assert any("classifier" in e.message for e in events)
    assert any("smile: held-out accuracy" in e.message for e in events)


def test_fit_labels_without_data_is_a_clear_error():
    with pytest.raises(ParamError, match="labelled data"):
        run_action(_action("fit-directions"), _model(), {"method": "labels"}, {})


def test_linear_fit_recovers_the_normal_of_an_anisotropic_w():
    gen = torch.Generator().manual_seed(0)
    w = torch.randn(3000, 20, generator=gen) * torch.linspace(0.2, 5, 20)  # stretched axes
    normal = F.normalize(torch.randn(20, generator=gen), dim=0)
    score = w @ normal + 0.1 * torch.randn(3000, generator=gen)
    fit = directions_math.fit_linear(w, score[:, None])
    assert _cos(fit.directions[0], normal) > 0.99
    assert fit.r2[0] > 0.9 and fit.accuracy[0] > 0.9
    # one slider unit is one standard deviation of W along the direction
    assert float(fit.directions[0].norm()) == pytest.approx(float((w @ normal).std()), rel=0.05)


def test_pca_finds_the_axis_of_largest_variance_and_names_components():
    gen = torch.Generator().manual_seed(1)
    axis = F.normalize(torch.randn(12, generator=gen), dim=0)
    w = torch.randn(2000, 12, generator=gen) * 0.3 + torch.randn(2000, 1, generator=gen) * 4 * axis
    dirs, ratio = directions_math.fit_pca(w, 3)
    assert abs(_cos(dirs[0], axis)) > 0.99
    assert ratio[0] > 0.8 and bool((ratio[:-1] >= ratio[1:]).all())

    out = run_action(
        _action("fit-directions"),
        _model(),
        {"method": "pca", "components": 3, "names": "turn,age", "samples": 500},
    )
    assert sorted(out.result.tensors) == ["directions.age", "directions.pc2", "directions.turn"]
    assert out.result.info["explained_variance"][0] >= out.result.info["explained_variance"][1]


def test_keep_fixed_makes_the_edit_orthogonal_to_the_fixed_direction():
    gen = torch.Generator().manual_seed(2)
    smile, age = torch.randn(12, generator=gen), torch.randn(12, generator=gen)
    assert abs(_cos(smile, age)) > 0.05  # entangled to begin with
    ws = torch.randn(1, 6, 12, generator=gen)
    dirs = {"smile": smile, "age": age}
    free = editing_attr().edit_ws(ws, dirs, {"smile": 2.0})
    kept = editing_attr().edit_ws(ws, dirs, {"smile": 2.0}, keep_fixed=["age"])
    assert abs(float((free - ws)[0, 0] @ age)) > 1e-3
    assert float((kept - ws)[0, 0] @ age) == pytest.approx(0.0, abs=1e-5)
    assert _cos((kept - ws)[0, 0], smile) > 0.5  # still a smile edit


def editing_attr():
    return _load("attributes")


def test_attribute_sliders_follow_the_models_directions():
    G = StandInG()
    gen = torch.Generator().manual_seed(4)
    dirs = {"smile": torch.randn(12, generator=gen), "seed": torch.randn(12, generator=gen)}
    model = _model(G, dirs)
    action = _action("attributes")
    names = [p.name for p in action.params_for(model)]
    assert "smile" in names and "dir_seed" in names  # a clashing name gets a prefix
    assert [p.name for p in action.params_for(_model(G))].count("smile") == 0

    base = run_action(action, model, {"seed": 5})
    same = run_action(action, model, {"seed": 5, "smile": 0.0})
    moved = run_action(action, model, {"seed": 5, "smile": 2.5})
    a, b, c = (np.asarray(o.images[0], dtype=np.float32) for o in (base, same, moved))
    assert np.array_equal(a, b)
    assert np.abs(a - c).mean() > 1.0
    ws = moved.result.latents["ws"]
    assert ws.shape == (1, G.num_ws, G.w_dim)
    delta = ws - moved.result.latents["ws_source"]
    assert _cos(torch.from_numpy(delta[0, 0]), dirs["smile"]) > 0.999

    # a layer's latent is edited instead of the seed's face; coarse edits leave fine ones
    again = run_action(action, model, {"source": {"ws": ws}, "smile": -2.5})
    assert np.allclose(again.result.latents["ws"], base.result.latents["ws"], atol=1e-5)
    coarse = run_action(action, model, {"seed": 5, "smile": 2.0, "layers": "coarse"})
    d = coarse.result.latents["ws"] - coarse.result.latents["ws_source"]
    assert np.abs(d[0, :4]).max() > 0 and np.abs(d[0, 4:]).max() == 0

    with pytest.raises(ParamError, match="no direction 'age'"):
        run_action(action, model, {"smile": 1.0, "keep_fixed": "age"})
    with pytest.raises(ParamError, match="no W latent"):
        run_action(action, model, {"source": {"z": np.zeros(8)}})


def _target(G: StandInG, seed: int = 11) -> tuple[Image.Image, torch.Tensor]:
    with torch.no_grad():
        w = G.mapping(torch.randn(1, G.z_dim, generator=torch.Generator().manual_seed(seed)))
        x = G.synthesis(w.unsqueeze(1).repeat(1, G.num_ws, 1))
    arr = ((x[0].clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()
    return Image.fromarray(arr, "RGB"), x


def test_projection_reconstructs_a_generated_face_and_pivotal_tuning_improves_it():
    G = StandInG()
    photo, x = _target(G)
    with torch.no_grad():
        start = 10 * math.log10(
            4 / float(F.mse_loss(G.synthesis(G.w_avg.expand(1, G.num_ws, -1)), x))
        )
    events = []
    out = run_action(
        _action("project"),
        _model(G),
        {"steps": 150, "noise": True, "pivotal_tuning": True, "pti_steps": 60},
        {"image": photo},
        on_progress=events.append,
    )
    info = out.result.info
    assert info["detector"] == "whole-photo"  # no face in a 16 px blob: the photo is the frame
    assert info["loss"] == "pixel-gradient-pyramid"
    assert info["psnr_projection"] > start + 5
    assert info["psnr_pivotal_tuning"] > info["psnr_projection"]
    assert info["noise_maps"] == 3
    assert out.images[0].size == photo.size
    assert any(e.preview is not None and e.preview.size == photo.size for e in events)
    ws = out.result.latents["ws"]
    assert ws.shape == (1, G.num_ws, G.w_dim)
    assert out.result.latents["photo_align"].shape == (3, 3)  # the alignment travels along
    # the user's model is untouched (projection optimised a copy's noise and weights)
    with torch.no_grad():
        again = 10 * math.log10(
            4 / float(F.mse_loss(G.synthesis(G.w_avg.expand(1, G.num_ws, -1)), x))
        )
    assert again == start
    # the latent makes the photo editable by the attribute sliders, blended back in place
    edited = run_action(
        _action("attributes"),
        _model(G, {"smile": torch.ones(12)}),
        {"source": dict(out.result.latents), "smile": 1.0},
        {"photo": photo},
    )
    assert edited.images[0].size == photo.size
    assert edited.provenance["photo"]["blended"] == 1


def test_projection_can_be_cancelled():
    calls = []
    with pytest.raises(Cancelled):
        run_action(
            _action("project"),
            _model(),
            {"steps": 500},
            {"image": _target(StandInG())[0]},
            on_progress=calls.append,
            should_stop=lambda: len(calls) >= 2,
        )
    assert len(calls) == 2
