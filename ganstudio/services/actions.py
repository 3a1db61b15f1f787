"""Run an action: the one path for ``ganstudio run``, the GUI's previews and its Apply.

An :class:`ActionRequest` names the action, its params, the model file (none
for a model-less action) and its inputs.  :func:`iterate_request` loads the
model through the :class:`~ganstudio.services.models.ModelCache`, validates
the params, runs the action (honouring the job's stop signal), stores what an
action adds to a model through the guarded write, and returns a frozen
:class:`ActionRun` holding everything a front end shows: the images, the
provenance (naming the plugin and its version), the upscale factor and the
other layers already resampled.  Neither a request nor a result is changed
after it is made, so the GUI thread and a worker may both hold them.

A model-less action (``requires`` nothing) always runs with ``model=None``,
whatever model the GUI has picked, so its provenance names no model.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from PIL import Image

from ganstudio.core.jobs import StopSignal, drive, honour_stop
from ganstudio.core.registry import Registry
from ganstudio.core.specs import Action, Progress
from ganstudio.errors import UserError
from ganstudio.services.models import ModelCache

if TYPE_CHECKING:  # the GUI imports this module while torch loads in the background
    from ganstudio.core.actions import ActionOutput
    from ganstudio.core.models import LoadedModel

#: what happens when an action would add tensors to a bundled demo model:
#: ``refuse`` (one line; the CLI, which has ``-o``) or ``copy`` (the model with the
#: additions is written under a free name in the user's models folder; the GUI)
BundledPolicy = Literal["refuse", "copy"]

#: a document layer handed to a job: (id, image, offset)
LayerSnapshot = tuple[str, Image.Image, tuple[int, int]]


@dataclass(frozen=True, eq=False)
class ActionRequest:
    """What to run.  Frozen: a change is a new request (``dataclasses.replace``)."""

    #: the model file; None (or ignored) for an action that requires no model
    model_path: Path | None
    action: Action
    params: Mapping[str, Any]
    #: ``"image"`` for image→image actions; ``"preview_resolution"`` for quick previews
    inputs: Mapping[str, Any] = field(default_factory=dict)
    #: a final result (Apply, the CLI), not a preview: may upscale a photo edit
    commit: bool = False
    #: where the result goes on the canvas (the GUI)
    origin: tuple[int, int] = (0, 0)
    #: for actions that extend the model (output_kind "model"): a --data spec whose
    #: dataset the action receives as inputs["dataset"] ("" for none)
    data: str = ""
    #: latents of the document's layers by id, for LayerParams (the GUI)
    layer_latents: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: the document's layers when an Apply may upscale: the run resamples them
    layers: tuple[LayerSnapshot, ...] = ()

    @property
    def uses_model(self) -> bool:
        """False for a model-less action: it runs with ``model=None`` whatever is picked."""
        return bool(self.action.requires) or self.action.output_kind == "model"

    def with_inputs(self, **changes: Any) -> ActionRequest:
        return replace(self, inputs={**self.inputs, **changes})

    def without_input(self, name: str) -> ActionRequest:
        return replace(self, inputs={k: v for k, v in self.inputs.items() if k != name})

    def upscale(self, result: Image.Image) -> tuple[float, float] | None:
        """The factor when ``result`` enlarges the input image (a super-resolver: Apply
        grows the canvas); None for edits and other shapes."""
        from ganstudio.core.document import upscale_factor

        source = self.inputs.get("image")
        return upscale_factor(source.size, result.size) if source is not None else None

    def resolve_layer(self, layer_id: Any) -> dict[str, Any]:
        """A LayerParam's value as latents: a document layer's (the GUI, by layer id) or
        a latent file's (the CLI, by path; a file that is none says so)."""
        latents = self.layer_latents.get(str(layer_id))
        if latents:
            return dict(latents)
        text = str(layer_id)
        if Path(text).suffix or os.sep in text or not self.layer_latents:
            from ganstudio.core.latents import load_latents

            return load_latents(text)
        raise UserError("the chosen layer carries no latent; pick one made by a model")


@dataclass(frozen=True, eq=False)
class ActionRun:
    """An action's finished result, ready to show, save or commit."""

    request: ActionRequest
    output: ActionOutput
    #: the factor when the result enlarges its input image (Apply grows the canvas)
    scale: tuple[float, float] | None = None
    #: the document's other layers resampled by ``scale`` (layer id -> resampled)
    resampled: Mapping[str, Any] = field(default_factory=dict)
    #: the model file the result's tensors were stored in (fitted directions)
    stored: Path | None = None
    #: asked to stop, the action returned its best result so far
    stopped: bool = False

    @property
    def provenance(self) -> Mapping[str, Any]:
        return self.output.provenance

    @property
    def images(self) -> list[Image.Image]:
        return self.output.images

    def composite(self) -> Image.Image:
        return self.output.composite()


def find_action(registry: Registry, action_id: str, model: LoadedModel | None) -> Action:
    """``action_id`` as it applies to ``model``; without a model, a model-less action."""
    if model is None:
        return registry.modelless_action(action_id)
    return registry.action_for(action_id, model.capabilities, model.variant_id)


def read_image_input(path: str | os.PathLike[str], flag: str = "--input") -> Image.Image:
    """An input image as batch reads it (upright, alpha, 16-bit and ICC kept); a
    missing, hostile or damaged file is one :class:`UserError` line."""
    from ganstudio.core.image_input import InputError, read_input

    source = Path(path).expanduser()
    if not os.path.lexists(source):  # a FIFO, a device or a link loop: read_input says
        raise UserError(f"{flag} {source}: no such file")
    try:
        image, _ = read_input(source)
    except InputError as exc:
        raise UserError(f"{flag} {source.name}: {exc}") from None
    return image


def iterate_request(
    cache: ModelCache,
    request: ActionRequest,
    control: StopSignal | None = None,
    *,
    store_out: str | os.PathLike[str] | None = None,
    bundled: BundledPolicy = "refuse",
) -> Generator[Progress, None, ActionRun]:
    """Run ``request`` as a job generator (see the module doc).

    A ``stoppable`` action asked to stop through ``control`` returns its best
    result so far (``ActionRun.stopped``); any other action finishes.  Tensors
    the action adds to its model are stored in the model file, or in
    ``store_out``, under ``bundled``'s rule for a bundled demo.
    """
    from ganstudio.core.actions import iterate_action

    action = request.action
    model = cache.get(request.model_path) if request.uses_model and request.model_path else None
    if request.uses_model and model is None:
        raise UserError(f"action {action.id!r} needs a model")
    inputs = dict(request.inputs)
    if request.data:
        inputs["dataset"] = _open_data(cache.registry, request.data, model)
    upscale = None
    if request.commit and action.input_kind != "image" and model is not None:
        # a final photo edit: a face larger than the model's frame is enlarged by an
        # installed upscaler before it is blended back; slider previews skip it
        from ganstudio.core.photo.upscale import find_upscaler

        upscale = find_upscaler(cache.registry, model.device)
    steps = iterate_action(action, model, request.params, inputs, request.resolve_layer, upscale)
    if action.stoppable:
        steps = honour_stop(steps, control)
    output: ActionOutput = yield from steps
    stopped = bool(action.stoppable and control is not None and control.stop_requested)
    stored = None
    if output.result.tensors:
        assert request.model_path is not None  # only a model's action returns tensors
        stored = _store(cache, request.model_path, output, store_out, bundled)
        if stored == Path(request.model_path):
            yield Progress(message=f"reloading {stored.name}")
            cache.get(stored)  # here, so the panel gets the new sliders at once
    scale, resampled = None, {}
    if output.images and "image" in request.inputs:
        scale = request.upscale(output.composite())
        if scale is not None and request.commit and request.layers:
            from ganstudio.core.document import resample_layers

            yield Progress(message="resampling the other layers to the new size")
            resampled = resample_layers(request.layers, *scale)
    return ActionRun(request, output, scale, resampled, stored, stopped)


def run_request(
    cache: ModelCache,
    request: ActionRequest,
    control: StopSignal | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    **store: Any,
) -> ActionRun:
    """:func:`iterate_request` to its end (the CLI, scripts, tests)."""
    return drive(iterate_request(cache, request, control, **store), on_progress, control=control)


def _open_data(registry: Registry, spec: str, model: LoadedModel | None) -> Any:
    from ganstudio.core.sources import open_dataset
    from ganstudio.core.specs import DataRequest

    resolution = int(getattr(getattr(model, "config", None), "resolution", 64) or 64)
    return open_dataset(registry, spec, DataRequest(resolution))


def _store(
    cache: ModelCache,
    model_path: Path,
    output: ActionOutput,
    out: str | os.PathLike[str] | None,
    bundled: BundledPolicy,
) -> Path:
    """Add the result's tensors to the model through the guarded, locked rewrite."""
    from ganstudio.services.models import store_tensors, writable_target

    target = writable_target(model_path, out, bundled)
    written = store_tensors(model_path, output.result.tensors, target)
    cache.forget(written)
    return written
