"""Jobs the GUI submits: load a model, run an action, train, batch.

Each factory returns a :class:`~ganstudio.core.jobs.Job` whose work runs on a
worker thread; torch and model code are imported *inside* the work functions,
so the GUI thread never loads them.  Everything here only calls the core.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ganstudio.core.jobs import BACKGROUND, INTERACTIVE, Job
from ganstudio.core.registry import Registry
from ganstudio.core.specs import Action, Progress
from ganstudio.services.models import ModelCache

__all__ = [
    "ActionRequest",
    "BatchSpec",
    "ModelCache",
    "TrainSpec",
    "action_job",
    "batch_job",
    "load_job",
    "resume_stored_job",
    "train_job",
    "warm_up_job",
]


def warm_up_job() -> Job:
    """Import torch in the background so the first action is quick."""

    def work(job: Job) -> Generator[Progress, None, None]:
        import torch  # noqa: F401 - the point is the import

        yield Progress(message="torch ready", fraction=1.0)

    return Job("Loading torch", work, lane=INTERACTIVE, key="warm-up", kind="load")


def load_job(cache: ModelCache, path: Path) -> Job:
    def work(job: Job) -> Generator[Progress, None, Any]:
        yield Progress(message=f"loading {path.name}")
        return cache.get(path)

    return Job(f"Load {path.name}", work, lane=INTERACTIVE, key="load", kind="load")


@dataclass
class ActionRequest:
    """What the action panel asks for; ``commit`` makes the result a new layer."""

    model_path: Path
    action: Action
    params: dict[str, Any]
    inputs: dict[str, Any] = field(default_factory=dict)
    commit: bool = False
    origin: tuple[int, int] = (0, 0)
    #: for actions that extend the model (output_kind "model"): a --data spec whose
    #: dataset the action receives as inputs["dataset"] ("" for none)
    data: str = ""
    #: latents of the document's layers by id, for LayerParams (taken when asked)
    layer_latents: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the document's layers (id, image, offset) when an Apply may upscale: the job
    #: resamples them into ``resampled`` so the GUI thread does not have to
    layers: list[tuple[str, Any, tuple[int, int]]] = field(default_factory=list)
    resampled: dict[str, Any] = field(default_factory=dict)

    def upscale(self, result: Any) -> tuple[float, float] | None:
        """The factor when ``result`` (an image) upscales the input image: Apply then
        grows the canvas (a super-resolver); None for edits and other shapes."""
        from ganstudio.core.document import upscale_factor

        source = self.inputs.get("image")
        return upscale_factor(source.size, result.size) if source is not None else None

    def resolve_layer(self, layer_id: Any) -> dict[str, Any]:
        from ganstudio.errors import UserError

        latents = self.layer_latents.get(str(layer_id))
        if not latents:
            raise UserError("the chosen layer carries no latent; pick one made by a model")
        return latents


def action_job(cache: ModelCache, request: ActionRequest, lane: str = INTERACTIVE) -> Job:
    """Runs ``iterate_action``; the job result is ``(request, ActionOutput)``."""

    def work(job: Job) -> Generator[Progress, None, Any]:
        from ganstudio.core.actions import iterate_action

        model = cache.get(request.model_path)
        inputs = dict(request.inputs)
        if request.data:
            from ganstudio.core.sources import open_dataset
            from ganstudio.core.specs import DataRequest

            resolution = int(getattr(model.config, "resolution", 64))
            inputs["dataset"] = open_dataset(cache.registry, request.data, DataRequest(resolution))
        upscale = None
        if request.commit and request.action.input_kind != "image":
            # Apply of a latent edit: a face larger than the model's frame is enlarged by an
            # installed upscaler before it is blended back, as `ganstudio run` does; slider
            # previews skip it so they stay interactive
            from ganstudio.core.photo.upscale import find_upscaler

            upscale = find_upscaler(cache.registry, model.device)
        output = yield from iterate_action(
            request.action, model, request.params, inputs, request.resolve_layer, upscale
        )
        if output.result.tensors:
            # the action extends the model (e.g. fitted directions): the same guarded,
            # locked rewrite as `ganstudio directions fit` (never a bundled demo)
            from ganstudio.services.models import store_tensors

            store_tensors(request.model_path, output.result.tensors)
            cache.forget(request.model_path)
            yield Progress(message=f"reloading {request.model_path.name}")
            cache.get(request.model_path)  # here, so the panel gets the new sliders at once
        if request.commit and request.layers:
            from ganstudio.core.document import resample_layers

            scale = request.upscale(output.composite())
            if scale is not None:  # Apply will grow the canvas: the other layers follow
                yield Progress(message="resampling the other layers to the new size")
                request.resampled = resample_layers(request.layers, *scale)
        return request, output

    title = f"{request.action.name} ({request.model_path.stem})"
    return Job(title, work, lane=lane, key=f"action:{request.action.id}", kind="action")


# --------------------------------------------------------------------------- training


@dataclass
class TrainSpec:
    """Everything needed to (re)start a training job; stored as JSON in the job store."""

    variant: str
    data: str
    out: str
    config: dict[str, Any]
    options: dict[str, Any]
    resume: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "train",
            "variant": self.variant,
            "data": self.data,
            "out": self.out,
            "config": self.config,
            "options": self.options,
        }

    @classmethod
    def from_json(cls, spec: dict[str, Any], resume: bool = True) -> TrainSpec:
        """From the job store; ValueError names what a damaged spec lacks."""
        return cls(
            _text(spec, "variant"),
            _text(spec, "data"),
            _text(spec, "out"),
            _mapping(spec, "config"),
            _mapping(spec, "options"),
            resume,
        )


def train_job(registry: Registry, spec: TrainSpec) -> Job:
    """Drives ``Trainer.run()``; cancel stops after the current step *with* a checkpoint."""

    def work(job: Job) -> Generator[Any, None, Any]:
        from ganstudio.services.training import prepare_training

        # the same set-up and checks as `ganstudio train` (variant match, saved config);
        # a restart resumes whatever the folder holds, also a run stopped before its
        # first checkpoint
        trainer = prepare_training(
            registry,
            spec.variant,
            spec.out,
            data=spec.data,
            config=spec.config,
            options=spec.options,
            resume="auto" if spec.resume else False,
        ).trainer
        run = trainer.run()
        while True:  # not ``yield from``: closing us must not close ``run`` before it saves
            try:
                event = next(run)
            except StopIteration as stop:
                return stop.value
            try:
                yield event
            except GeneratorExit:  # cancelled between steps: stop with a checkpoint
                trainer.cancel()
                for _ in run:
                    pass
                raise

    title = f"Train {spec.variant} → {Path(spec.out).name}"
    return Job(title, work, lane=BACKGROUND, kind="train", spec=spec.to_json())


# --------------------------------------------------------------------------- batch


@dataclass
class BatchSpec:
    """A batch over a folder; stored so a restart can resume it (done files are skipped)."""

    model: str
    action: str
    in_dir: str
    out_dir: str
    params: dict[str, Any]
    recursive: bool = False
    fmt: str | None = None
    resume: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "batch",
            "model": self.model,
            "action": self.action,
            "in_dir": self.in_dir,
            "out_dir": self.out_dir,
            "params": self.params,
            "recursive": self.recursive,
            "fmt": self.fmt,
        }

    @classmethod
    def from_json(cls, spec: dict[str, Any], resume: bool = True) -> BatchSpec:
        """From the job store; ValueError names what a damaged spec lacks."""
        fmt = spec.get("fmt")
        if fmt is not None and not isinstance(fmt, str):
            raise ValueError(f"the stored job's 'fmt' is {type(fmt).__name__}, not a name")
        return cls(
            _text(spec, "model"),
            _text(spec, "action"),
            _text(spec, "in_dir"),
            _text(spec, "out_dir"),
            _mapping(spec, "params"),
            bool(spec.get("recursive")),
            fmt,
            resume,
        )


def batch_job(cache: ModelCache, spec: BatchSpec) -> Job:
    """Drives ``BatchRunner.run()``; "stop after current item" finishes the file in hand."""

    def work(job: Job) -> Generator[Progress, None, Any]:
        from ganstudio.core.batch import BatchOptions
        from ganstudio.services.batch import prepare_batch

        model = cache.get(spec.model)
        options = BatchOptions(recursive=spec.recursive, fmt=spec.fmt, resume=spec.resume)
        runner = prepare_batch(
            cache.registry, model, spec.action, spec.in_dir, spec.out_dir, spec.params, options
        )  # the same checks as `ganstudio batch`
        job.on_stop_after_item = runner.stop_after_current  # type: ignore[attr-defined]
        if job.stop_after_item:
            runner.stop_after_current()
        report = yield from runner.run()
        return report

    title = f"Batch {spec.action} → {Path(spec.out_dir).name}"
    return Job(title, work, lane=BACKGROUND, kind="batch", spec=spec.to_json())


# --------------------------------------------------------------------------- stored jobs


def resume_stored_job(registry: Registry, cache: ModelCache, spec: dict[str, Any]) -> Job:
    """Re-create an interrupted background job from its stored spec.

    Raises ValueError (one line) for a spec that is damaged or of an unknown type;
    the caller reports it and drops the job instead of failing the start-up.
    """
    kind = spec.get("type")
    if kind == "train":
        return train_job(registry, TrainSpec.from_json(spec))
    if kind == "batch":
        return batch_job(cache, BatchSpec.from_json(spec))
    raise ValueError(f"unknown job type {kind!r}")


def _text(spec: dict[str, Any], key: str) -> str:
    value = spec.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"the stored job has no valid {key!r}")
    return value


def _mapping(spec: dict[str, Any], key: str) -> dict[str, Any]:
    value = spec.get(key, {})
    if not isinstance(value, dict):
        raise ValueError(f"the stored job's {key!r} is not a map")
    return dict(value)
