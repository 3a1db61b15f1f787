"""Jobs the GUI submits: load a model, run an action, train, batch.

Each factory returns a :class:`~ganstudio.core.jobs.Job` whose work runs on a
worker thread and is one call of a service (``ganstudio.services``), the same
the commands make; the job hands the service its stop signal.  Torch and model
code are imported *inside* the work functions, so the GUI thread never loads them.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ganstudio.core.jobs import BACKGROUND, INTERACTIVE, Job
from ganstudio.core.registry import Registry
from ganstudio.core.specs import Progress
from ganstudio.services.actions import ActionRequest, ActionRun, BundledPolicy
from ganstudio.services.models import ModelCache

__all__ = [
    "ActionRequest",
    "ActionRun",
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


def action_job(
    cache: ModelCache, request: ActionRequest, lane: str = INTERACTIVE, keep_bundled: bool = True
) -> Job:
    """Runs the request through the service; the job result is a frozen :class:`ActionRun`.

    "Stop" on a stoppable action (a projection) keeps its best result so far.  An
    action that adds to a bundled demo model writes a copy into the user's models
    folder (the demo is never rewritten; ``ActionRun.stored`` names the copy).
    """

    def work(job: Job) -> Generator[Progress, None, ActionRun]:
        from ganstudio.services.actions import iterate_request

        bundled: BundledPolicy = "copy" if keep_bundled else "refuse"
        return (yield from iterate_request(cache, request, job.control, bundled=bundled))

    title = request.action.name
    if request.uses_model and request.model_path is not None:
        title += f" ({Path(request.model_path).stem})"
    return Job(
        title,
        work,
        lane=lane,
        key=f"action:{request.action.id}",
        kind="action",
        stoppable=request.action.stoppable,
    )


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
    """Drives ``Trainer.run()``: "Stop" ends after the step in hand *with* a checkpoint,
    "Cancel" ends at once keeping the last periodic one (the job's stop signal)."""

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
            control=job.control,
        ).trainer
        return (yield from trainer.run())

    title = f"Train {spec.variant} → {Path(spec.out).name}"
    return Job(title, work, lane=BACKGROUND, kind="train", spec=spec.to_json(), stoppable=True)


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
            _text(spec, "model") if spec.get("model") else "",  # "": a model-less action
            _text(spec, "action"),
            _text(spec, "in_dir"),
            _text(spec, "out_dir"),
            _mapping(spec, "params"),
            bool(spec.get("recursive")),
            fmt,
            resume,
        )


def batch_job(cache: ModelCache, spec: BatchSpec) -> Job:
    """Drives ``BatchRunner.run()``: "Stop" finishes the file in hand, "Cancel" drops it."""

    def work(job: Job) -> Generator[Progress, None, Any]:
        from ganstudio.core.batch import BatchOptions
        from ganstudio.services.batch import prepare_batch

        model = cache.get(spec.model) if spec.model else None
        options = BatchOptions(recursive=spec.recursive, fmt=spec.fmt, resume=spec.resume)
        runner = prepare_batch(  # the same checks as `ganstudio batch`
            cache.registry,
            model,
            spec.action,
            spec.in_dir,
            spec.out_dir,
            spec.params,
            options,
            control=job.control,
        )
        return (yield from runner.run())

    title = f"Batch {spec.action} → {Path(spec.out_dir).name}"
    return Job(title, work, lane=BACKGROUND, kind="batch", spec=spec.to_json(), stoppable=True)


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
