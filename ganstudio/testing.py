"""Test helpers and pytest fixtures for plugin authors (and for GAN Studio's own tests).

Installed with GAN Studio as a pytest plugin (entry point ``pytest11``), so a
plugin's test suite gets these fixtures without any import:

``ganstudio_home``
    an isolated user folder (config, plugins, models, runs) in a temp folder,
    no safe mode, and ``GANSTUDIO_PLUGIN_PATH`` set to the ``ganstudio_plugin_path``
    ini option (folders relative to the rootdir) so a drop-in plugin under
    test is discovered.
``ganstudio_registry``
    the plugins discovered in that home (yours included).
``tiny_image``
    a 16×16 RGB PIL image with a gradient (different in every channel).
``run_action``
    ``run_action(action, model=None, params=None, image=None, mask=None)`` runs an action
    (an id or an :class:`~ganstudio.core.specs.Action`) as the CLI would and
    returns its :class:`~ganstudio.core.actions.ActionOutput` (images,
    provenance).  ``model`` is a model file, a loaded model or a variant id
    (built with random weights: no file needed).
``train_steps``
    ``train_steps(variant, steps=2, overrides=None, resume_steps=0)`` trains a
    variant for a few steps on a tiny procedural batch through the real
    Trainer, saves, and (with ``resume_steps``) resumes; returns the run folder.
``action_panel``
    ``action_panel(action_id, model=None)``: the GUI's action panel (needs
    pytest-qt) built for an action, as an artist would see it.

Importing this module imports neither torch nor Qt: pytest loads it for every
test session of an environment where GAN Studio is installed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from PIL import Image

    from ganstudio.core.actions import ActionOutput
    from ganstudio.core.models import LoadedModel
    from ganstudio.core.registry import Registry
    from ganstudio.core.specs import Action, Variant


# --------------------------------------------------------------------------- plain helpers


def make_tiny_image(size: int = 16) -> Image.Image:
    """A small RGB image whose channels all differ (so a swap or inversion shows)."""
    import numpy as np
    from PIL import Image

    ramp = np.linspace(0, 255, size, dtype=np.float32)
    r = np.broadcast_to(ramp[None, :], (size, size))
    g = np.broadcast_to(ramp[:, None], (size, size))
    b = np.full((size, size), 64, dtype=np.float32)
    return Image.fromarray(np.stack([r, g, b], axis=-1).astype(np.uint8), "RGB")


def build_model(registry: Registry, variant: str | Variant, config: Any = None) -> LoadedModel:
    """A variant's modules with random weights, as a loaded model (no file, no training)."""
    import torch

    from ganstudio.core.models import LoadedModel
    from ganstudio.core.specs import Variant

    spec = variant if isinstance(variant, Variant) else registry.variant(variant)
    config = config if config is not None else spec.config()
    torch.manual_seed(0)
    modules = {role: m.eval() for role, m in spec.build(config).items()}
    return LoadedModel(
        path=None,
        variant=spec,
        variant_id=spec.id,
        config=config,
        modules=modules,
        meta={"variant": spec.id},
    )


def run_action_with(
    registry: Registry,
    action: str | Action,
    model: Any = None,
    params: Mapping[str, Any] | None = None,
    image: Image.Image | None = None,
    mask: Image.Image | None = None,
) -> ActionOutput:
    """Run an action with validated params (defaults for the rest), as ``ganstudio run`` does.

    ``mask`` (mode "L", 255 = the region) reaches an action with ``takes_mask``.
    """
    from ganstudio.core.actions import run_action
    from ganstudio.core.specs import Action

    loaded: LoadedModel | None
    if isinstance(model, (str, os.PathLike)) and Path(model).suffix == ".safetensors":
        from ganstudio.core.models import load_model

        loaded = load_model(model, registry)
    elif isinstance(model, str):
        loaded = build_model(registry, model)
    else:
        loaded = model
    if isinstance(action, Action):
        spec = action
    elif loaded is None:
        spec = registry.modelless_action(action)
    else:
        spec = registry.action_for(action, loaded.capabilities, loaded.variant_id)
    inputs = {"image": image if image is not None else make_tiny_image()}
    if spec.input_kind != "image":
        inputs = {}
    elif mask is not None and spec.takes_mask:
        inputs["mask"] = mask
    return run_action(spec, loaded, dict(params or {}), inputs)


def train_steps_with(
    registry: Registry,
    variant: str | Variant,
    out: str | os.PathLike[str],
    steps: int = 2,
    overrides: Mapping[str, Any] | None = None,
    resume_steps: int = 0,
    batch_size: int = 2,
) -> Path:
    """Train ``steps`` steps on a tiny procedural batch (CPU), save; optionally resume.

    Uses the real Trainer, so the routine's ``state_dict``/``load_state_dict``
    and the checkpoint format are exercised exactly as ``ganstudio train`` does.
    """
    from ganstudio.core.data.tensors import FaceClipsDataset, ProceduralFacesDataset
    from ganstudio.core.sources import make_objective
    from ganstudio.core.specs import Variant, apply_overrides
    from ganstudio.core.training import Trainer, TrainOptions

    spec = variant if isinstance(variant, Variant) else registry.variant(variant)
    config = apply_overrides(spec.config(), dict(overrides or {}))
    resolution = int(config.resolution)
    data: Any
    if spec.data_kind == "video":  # short clips of moving faces, as long as the model's
        frames = int(getattr(config, "frames", 8))
        data = FaceClipsDataset(resolution, max(4, batch_size * 2), frames=frames)
    elif spec.data_kind == "voxels":  # voxel variants train on procedural shapes
        from ganstudio.core.data.voxel_tensors import ProceduralShapesDataset

        data = ProceduralShapesDataset(size=resolution, count=max(4, batch_size * 2))
    else:
        faces = ProceduralFacesDataset(size=max(32, resolution), count=max(4, batch_size * 2))
        data = faces if resolution >= 32 else _Resized(faces, resolution)
    objective = make_objective(registry, config) if spec.accepts_objectives else None
    out = Path(out)

    def run(total: int, resume: bool) -> None:
        options = TrainOptions(
            steps=total,
            batch_size=batch_size,
            device="cpu",
            amp=False,
            sample_every=total,
            sample_count=2,
            checkpoint_every=total,
            log_every=1,
            num_workers=0,
        )
        Trainer(
            spec, config, data, out, options, objective, variant_id=spec.id, resume=resume
        ).run_to_end()

    run(steps, resume=False)
    if resume_steps:
        run(steps + resume_steps, resume=True)
    return out


class _Resized:
    """Procedural faces start at 32 px: smaller variants get them scaled down."""

    def __init__(self, data: Any, size: int) -> None:
        self.data, self.size = data, size
        self.label_names = getattr(data, "label_names", ())

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> dict[str, Any]:
        import torch.nn.functional as F

        item = self.data[index]
        return {
            k: F.interpolate(v[None], size=(self.size, self.size), mode="area")[0]
            if v.ndim == 3
            else v
            for k, v in item.items()
        }


# --------------------------------------------------------------------------- fixtures


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "ganstudio_plugin_path",
        "folders (relative to the rootdir) holding drop-in GAN Studio plugins under test",
        type="paths",
        default=[],
    )


@pytest.fixture
def ganstudio_home(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[Path]:
    """An isolated GAN Studio user folder; the registry is rediscovered inside it."""
    from ganstudio import plugins

    home = tmp_path_factory.mktemp("ganstudio-home")
    monkeypatch.setenv("GANSTUDIO_HOME", str(home))
    monkeypatch.delenv("GANSTUDIO_SAFE_MODE", raising=False)
    extra = [str(p) for p in request.config.getini("ganstudio_plugin_path")]
    if extra:
        monkeypatch.setenv("GANSTUDIO_PLUGIN_PATH", os.pathsep.join(extra))
    else:
        monkeypatch.delenv("GANSTUDIO_PLUGIN_PATH", raising=False)
    plugins.set_registry(None)
    yield home
    plugins.set_registry(None)
    plugins.purge_folder_modules()


@pytest.fixture
def ganstudio_registry(ganstudio_home: Path) -> Registry:
    from ganstudio import plugins

    return plugins.get_registry()


@pytest.fixture
def tiny_image() -> Image.Image:
    return make_tiny_image()


@pytest.fixture
def run_action(ganstudio_registry: Registry) -> Callable[..., ActionOutput]:
    def run(
        action: str | Action,
        model: Any = None,
        params: Mapping[str, Any] | None = None,
        image: Image.Image | None = None,
        mask: Image.Image | None = None,
    ) -> ActionOutput:
        return run_action_with(ganstudio_registry, action, model, params, image, mask)

    return run


@pytest.fixture
def train_steps(ganstudio_registry: Registry, tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1_000_000))

    def train(
        variant: str | Variant,
        steps: int = 2,
        overrides: Mapping[str, Any] | None = None,
        resume_steps: int = 0,
    ) -> Path:
        out = tmp_path / f"run{next(counter)}"
        return train_steps_with(ganstudio_registry, variant, out, steps, overrides, resume_steps)

    return train


@pytest.fixture
def action_panel(
    ganstudio_registry: Registry, request: pytest.FixtureRequest
) -> Callable[..., Any]:
    """Build the GUI's action panel for one action, in a qtbot (needs pytest-qt)."""

    def build(action_id: str, model: Any = None) -> Any:
        qtbot = request.getfixturevalue("qtbot")
        from ganstudio.core.model_files import ModelFile
        from ganstudio.gui.panels.actions import ActionPanel

        loaded = build_model(ganstudio_registry, model) if isinstance(model, str) else model
        panel = ActionPanel(ganstudio_registry)
        qtbot.addWidget(panel)
        if loaded is not None:
            entry = ModelFile(
                Path(f"{loaded.variant_id}.safetensors"), loaded.variant_id, "user", {}
            )
            panel.set_model(entry, loaded)
        if not panel.select_action(action_id):
            listed = [panel.combo.itemData(i) for i in range(panel.combo.count())]
            raise LookupError(f"the panel does not list {action_id!r} (it lists {listed})")
        return panel

    return build
