"""The generic Trainer: loop, devices, AMP, DDP, EMA, resume, cadence, events.

A variant's routine owns the math of one step; the Trainer owns everything
around it.  ``Trainer.run()`` is a generator of :class:`TrainEvent` (the GUI's
QThread worker, the CLI and tests all drive it the same way); listeners added
with :meth:`Trainer.add_listener` see the same events.  Its :class:`StopSignal`
(``control``; in the GUI the job's own) is read between two steps: a stop
request (:meth:`Trainer.request_stop`, the CLI's first Ctrl-C) ends the run
after the step in hand *with* a checkpoint to resume from; a cancel ends it at
once, keeping only the last periodic checkpoint.

Run folder: ``config.json``, ``checkpoints/`` (``step_N.safetensors`` +
``latest.safetensors``), ``state.pt`` (optimizers, step, RNG), ``samples/``,
``metrics.jsonl``, ``train.log``.
"""

from __future__ import annotations

import copy
import inspect
import json
import logging
import math
import os
import sys
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, Sampler

from ganstudio.core import checkpoints
from ganstudio.core.atomic import atomic_path, atomic_write_text, remove_stale_temps
from ganstudio.core.device import (
    Precision,
    pick_device,
    rng_state,
    seed_everything,
    set_rng_state,
    to_channels_last,
)
from ganstudio.core.imaging import make_grid, save_image, tensor_to_images
from ganstudio.core.jobs import StopSignal
from ganstudio.core.metrics import training as metrics_hook
from ganstudio.core.models import model_meta
from ganstudio.core.specs import Progress, RoutineContext, Variant, config_to_dict
from ganstudio.errors import UserError

log = logging.getLogger("ganstudio.training")

STATE_FILE = "state.pt"
CONFIG_FILE = "config.json"


class RunFolderError(UserError, ValueError):
    """The run folder would be overwritten, or cannot be resumed."""


@dataclass
class TrainOptions:
    """What the Trainer controls; the variant's config controls the model."""

    steps: int = 2000
    batch_size: int = 64
    device: str = "auto"
    amp: bool | None = None  # None: on where it helps (CUDA)
    ema_decay: float = 0.999  # 0 disables the EMA generator
    sample_every: int = 200
    sample_count: int = 64
    sample_seed: int = 1234
    checkpoint_every: int = 500
    log_every: int = 10
    metrics: str = ""  # e.g. "fid,kid": measured every metrics_every steps (0: never)
    metrics_every: int = 0
    metrics_count: int = 500
    metrics_extractor: str = "features"  # see ganstudio.core.metrics.evaluate.make_extractor
    keep_last: int = 3
    num_workers: int = 2
    seed: int = 0
    deterministic: bool = False


@dataclass(init=False)
class TrainEvent(Progress):
    """One thing that happened in a run; ``kind`` says which.

    A :class:`~ganstudio.core.specs.Progress` like every job's events (one event
    type for the job panel, the status bar and the CLI), with the run's own fields.
    """

    #: start | step | sample | metrics | checkpoint | done | stopped (a stop request:
    #: saved) | cancelled (no checkpoint after the last periodic one)
    kind: str = "step"
    losses: dict[str, float] = field(default_factory=dict)
    img_per_s: float = 0.0
    eta_s: float | None = None
    path: Path | None = None
    metrics: dict[str, float] = field(default_factory=dict)  # "metrics" events
    #: the routine's optional status() (e.g. {"resolution": 16}), on "step" events
    status: dict[str, float | int | str] = field(default_factory=dict)

    def __init__(
        self,
        kind: str,
        step: int,
        total: int,
        losses: dict[str, float] | None = None,
        img_per_s: float = 0.0,
        eta_s: float | None = None,
        message: str = "",
        path: Path | None = None,
        metrics: dict[str, float] | None = None,
        status: dict[str, float | int | str] | None = None,
    ) -> None:
        super().__init__(step, total, message, step / total if total else 0.0)
        self.kind = kind
        self.losses = dict(losses or {})
        self.img_per_s = img_per_s
        self.eta_s = eta_s
        self.path = path
        self.metrics = dict(metrics or {})
        self.status = dict(status or {})


@dataclass
class TrainSummary:
    steps: int
    cancelled: bool
    checkpoint: Path | None
    losses: dict[str, float]
    seconds: float


class InfiniteSampler(Sampler[int]):
    """Reshuffles each epoch from (seed, epoch); starts at any sample position.

    Positions count samples this rank has consumed, so resuming at
    ``step * batch`` continues exactly where an uninterrupted run would be.
    Under DDP each rank takes a disjoint stride of the same permutation.
    """

    def __init__(self, n: int, seed: int, start: int = 0, rank: int = 0, world: int = 1):
        if n <= 0:
            raise ValueError("the dataset is empty")
        self.n, self.seed, self.start, self.rank, self.world = n, seed, start, rank, world

    def __iter__(self) -> Iterator[int]:
        per_rank = max(1, self.n // self.world)
        epoch, offset = divmod(self.start, per_rank)
        while True:
            g = torch.Generator()
            g.manual_seed(self.seed * 1_000_003 + epoch)
            perm = torch.randperm(self.n, generator=g)[self.rank :: self.world][:per_rank]
            yield from perm[offset:].tolist()
            epoch, offset = epoch + 1, 0


@torch.no_grad()
def ema_update(ema: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    """ema ← decay·ema + (1−decay)·model, in one fused call; buffers are copied."""
    ema_params: list[torch.Tensor] = list(ema.parameters())
    params = [p.detach() for p in model.parameters()]
    if ema_params:
        torch._foreach_lerp_(ema_params, params, 1.0 - decay)
    for be, b in zip(ema.buffers(), model.buffers(), strict=True):
        be.copy_(b)


def _unwrap(module: torch.nn.Module) -> torch.nn.Module:
    return (
        module.module if isinstance(module, torch.nn.parallel.DistributedDataParallel) else module
    )


# BatchNorm statistics stay per process (as in the reference GAN trainers): syncing
# them on every forward breaks the in-place updates of alternating D/G steps.
_NO_BUFFER_SYNC: dict[str, Any] = (
    {"forward_sync_buffers": False}
    if "forward_sync_buffers"
    in inspect.signature(torch.nn.parallel.DistributedDataParallel).parameters
    else {"broadcast_buffers": False}
)


def distributed_env() -> tuple[int, int]:
    """(rank, world_size) from torchrun's environment; (0, 1) otherwise."""
    return int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))


def exit_distributed_rank(code: int) -> NoReturn:
    """End a torchrun rank once its run is saved, skipping the interpreter's teardown.

    PyTorch keeps a DDP job's gloo process group alive until the process
    exits, even after ``destroy_process_group`` (the DDP reducer holds it);
    its threads then race the teardown of Python and libtorch, and a rank whose
    work is done can still die with SIGABRT ("terminate called without an
    active exception"), which torchrun reports as a failed job.  Everything
    is written and closed by now: flush the logs and streams and leave.
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


@dataclass
class _Run:
    """One run's working state, shared by the parts of :meth:`Trainer._train`."""

    precision: Precision
    models: dict[str, torch.nn.Module]
    routine: Any
    start_step: int
    step: int
    losses: dict[str, float] = field(default_factory=dict)
    rate: float = 0.0  # images per second, over the last half second
    last_ckpt: Path | None = None
    t0: float = field(default_factory=time.perf_counter)
    window_t: float = field(default_factory=time.perf_counter)
    window_steps: int = 0
    #: the routine's optional ``status()`` (shown in the dock), and the metrics due
    status: Any = None
    measure: Any = None
    metrics_log: Any = None  # metrics.jsonl, open on rank 0


class Trainer:
    """Trains one variant on one dataset into one run folder."""

    def __init__(
        self,
        variant: Variant,
        config: Any,
        dataset: Any,
        out_dir: str | os.PathLike[str],
        options: TrainOptions | None = None,
        objective: Any = None,
        *,
        variant_id: str | None = None,
        plugin: str = "",
        data_spec: str = "",
        resume: bool = False,
        control: StopSignal | None = None,
    ) -> None:
        if variant.routine is None:
            raise ValueError(f"variant {variant.id!r} has no training routine")
        self.variant = variant
        self.config = config
        self.dataset = dataset
        self.out = Path(out_dir).expanduser()
        self.options = options or TrainOptions()
        self.objective = objective
        self.variant_id = variant_id or variant.id
        self.plugin = plugin
        self.data_spec = data_spec
        self.resume = resume
        #: what resuming had to work around (a damaged checkpoint …), one line each;
        #: also in the start event's message and the log
        self.resume_notes: list[str] = []
        #: read between steps: a stop request saves and ends, a cancel ends (module doc)
        self.control = control or StopSignal()
        self.models: dict[str, torch.nn.Module] = {}
        self._listeners: list[Callable[[TrainEvent], None]] = []
        self.rank, self.world = distributed_env()
        if self.rank == 0 and not resume:
            self._check_fresh_folder()

    # -- public ------------------------------------------------------------------
    def add_listener(self, fn: Callable[[TrainEvent], None]) -> None:
        self._listeners.append(fn)

    def request_stop(self) -> None:
        """Stop after the current step, with a checkpoint to resume from."""
        self.control.request_stop()

    def cancel(self) -> None:
        """Stop after the current step without a new checkpoint (the last periodic one stays)."""
        self.control.cancel()

    def run_to_end(self) -> TrainSummary:
        """Drive :meth:`run` without looking at the events (scripts, tests)."""
        gen = self.run()
        while True:
            try:
                next(gen)
            except StopIteration as stop:
                return stop.value

    @property
    def checkpoint_dir(self) -> Path:
        return self.out / "checkpoints"

    def run(self) -> Generator[TrainEvent, None, TrainSummary]:
        """Train; yields events; returns a summary (also on cancel)."""
        device = pick_device(self.options.device)
        owns_group = self.world > 1 and not dist.is_initialized()
        if owns_group:
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        try:
            return (yield from self._train(device))
        finally:
            # Destroy the group we made, as PyTorch asks. After DDP its gloo
            # threads live on regardless: see exit_distributed_rank.
            if owns_group and dist.is_initialized():
                dist.destroy_process_group()

    def _train(self, device: torch.device) -> Generator[TrainEvent, None, TrainSummary]:
        run = self._prepare(device)
        total = self.options.steps
        message = "; ".join([*self.resume_notes, self._start_message(device)])
        yield from self._emit(TrainEvent("start", run.start_step, total, message=message))
        batches = iter(self._loader(run.start_step, device))
        metrics = (
            open(self.out / "metrics.jsonl", "a", encoding="utf-8") if self.rank == 0 else None
        )
        run.metrics_log = metrics
        try:
            while run.step < total and not self.control.stop_requested:
                event = self._one_step(run, next(batches))
                if metrics is not None and (
                    run.step % self.options.log_every == 0 or run.step == total
                ):
                    row = {"step": run.step, "time": round(time.perf_counter() - run.t0, 3)}
                    row["img_per_s"] = round(run.rate, 2)
                    metrics.write(json.dumps({**row, **run.losses}) + "\n")
                    metrics.flush()
                yield from self._emit(event)
                if not self.control.cancelled:
                    yield from self._cadence(run)
            latest = self.checkpoint_dir / checkpoints.LATEST_NAME
            if not self.control.cancelled and (run.step > run.start_step or not latest.exists()):
                yield from self._save(run)
        finally:
            if metrics is not None:
                metrics.close()
            del batches
        return (yield from self._end(run))

    def _prepare(self, device: torch.device) -> _Run:
        """Seed, log, build (or resume) the models, wrap them for DDP, make the routine."""
        opts = self.options
        seed_everything(opts.seed + self.rank, opts.deterministic)
        self._setup_log()
        precision = Precision(device, opts.amp)
        models = self._build_models(device)
        start_step = 0
        resume_state: dict[str, Any] | None = None
        if self.rank == 0:  # temporaries a killed earlier run left behind (issue #12, item 19)
            for folder in (self.out, self.checkpoint_dir, self.out / "samples"):
                remove_stale_temps(folder)
        if self.resume:
            start_step, resume_state = self._load_resume(models)
        self.models = models  # unwrapped modules by role, for callers after the run
        ctx = RoutineContext(
            device,
            precision,
            self.rank,
            self.world,
            opts.batch_size,
            tuple(getattr(self.dataset, "label_names", ()) or ()),
        )
        routine = self._make_routine(self._wrap_ddp(models, device), ctx, precision, resume_state)
        for note in self.resume_notes:  # the start event shows them; the log keeps them
            log.info("%s", note)
        if self.rank == 0:
            self._write_config()
        run = _Run(precision, models, routine, start_step, start_step)
        run.status = metrics_hook.RoutineStatus(routine)
        if self.rank == 0:
            run.measure = metrics_hook.from_options(
                opts, self.dataset, self.data_spec, self.config, device
            )
        return run

    def _wrap_ddp(
        self, models: dict[str, torch.nn.Module], device: torch.device
    ) -> dict[str, torch.nn.Module]:
        """The modules the routine trains: under DDP, the trainable ones wrapped."""
        train_models = dict(models)
        if self.world > 1:
            for role, m in models.items():
                if role != "G_ema" and any(p.requires_grad for p in m.parameters()):
                    train_models[role] = torch.nn.parallel.DistributedDataParallel(
                        m,
                        device_ids=[device.index] if device.type == "cuda" else None,
                        **_NO_BUFFER_SYNC,
                    )
        return train_models

    def _one_step(self, run: _Run, batch: Mapping[str, Any]) -> TrainEvent:
        """One routine step on ``batch``, the EMA update and the measured rate."""
        opts, total = self.options, self.options.steps
        device = run.precision.device
        batch = {
            k: v.to(device, non_blocking=True) if torch.is_tensor(v) else v
            for k, v in batch.items()
        }
        run.losses = run.routine.step(batch)
        run.precision.update()
        run.step += 1
        if "G_ema" in run.models and "G" in run.models:
            decay = min(opts.ema_decay, (1 + run.step) / (10 + run.step))
            ema_update(run.models["G_ema"], run.models["G"], decay)
        run.window_steps += 1
        now = time.perf_counter()
        if now - run.window_t >= 0.5 or run.step == total:
            run.rate = run.window_steps * opts.batch_size * self.world / (now - run.window_t)
            run.window_t, run.window_steps = now, 0
        images_left = (total - run.step) * opts.batch_size * self.world
        eta = images_left / run.rate if run.rate > 0 else None
        status = run.status() if run.status is not None else None
        return TrainEvent("step", run.step, total, dict(run.losses), run.rate, eta, status=status)

    def _cadence(self, run: _Run) -> Iterator[TrainEvent]:
        """Sample grids and periodic checkpoints when their step has come."""
        opts, step, total = self.options, run.step, self.options.steps
        if (
            self.rank == 0
            and opts.sample_every > 0
            and (step % opts.sample_every == 0 or step == total)
        ):
            path = self._write_samples(run.routine, step)
            yield from self._emit(TrainEvent("sample", step, total, path=path))
        if run.measure is not None and run.metrics_log is not None and run.measure.due(step, total):
            values = run.measure.measure(run.routine)
            log.info("metrics at step %d: %s", step, values)
            run.metrics_log.write(json.dumps({"step": step, **values}) + "\n")
            yield from self._emit(TrainEvent("metrics", step, total, metrics=values))
        if opts.checkpoint_every > 0 and step % opts.checkpoint_every == 0 and step < total:
            yield from self._save(run)

    def _save(self, run: _Run) -> Iterator[TrainEvent]:
        run.last_ckpt = self._checkpoint(run.models, run.routine, run.precision, run.step)
        yield from self._emit(
            TrainEvent("checkpoint", run.step, self.options.steps, path=run.last_ckpt)
        )

    def _end(self, run: _Run) -> Generator[TrainEvent, None, TrainSummary]:
        """The last event (done, stopped or cancelled) and the summary."""
        total = self.options.steps
        if run.step >= total:
            kind, msg = "done", "finished"
        elif self.control.cancelled:
            kind = "cancelled"
            msg = f"cancelled at step {run.step}; --resume continues from the last checkpoint"
        else:
            kind, msg = "stopped", f"stopped at step {run.step}; resume with --resume"
        yield from self._emit(
            TrainEvent(kind, run.step, total, dict(run.losses), run.rate, 0.0, msg, run.last_ckpt)
        )
        seconds = time.perf_counter() - run.t0
        return TrainSummary(run.step, kind != "done", run.last_ckpt, run.losses, seconds)

    # -- internals ---------------------------------------------------------------
    def _build_models(self, device: torch.device) -> dict[str, torch.nn.Module]:
        """The variant's modules on ``device``, plus the EMA generator when asked for."""
        built = self.variant.build(self.config)
        models: dict[str, torch.nn.Module] = {
            k: to_channels_last(m.to(device), device) for k, m in built.items()
        }
        if self.options.ema_decay > 0 and "G" in models and "G_ema" not in models:
            models["G_ema"] = copy.deepcopy(models["G"]).eval().requires_grad_(False)
        return models

    def _make_routine(
        self,
        train_models: dict[str, torch.nn.Module],
        ctx: RoutineContext,
        precision: Precision,
        resume_state: dict[str, Any] | None,
    ) -> Any:
        """The variant's routine, with its saved state when resuming.

        A state that does not fit (a damaged or foreign ``state.pt`` that still
        unpickled) is dropped with a note: the optimizers start afresh.
        """
        assert self.variant.routine is not None  # checked in __init__
        routine = self.variant.routine(train_models, self.config, self.objective, ctx)
        if resume_state is None:
            return routine
        try:
            routine.load_state_dict(resume_state["routine"])
            precision.load_state_dict(resume_state.get("precision", {}))
            set_rng_state(resume_state["rng"])
        except Exception as exc:  # the weights are loaded; only the optimizer state is lost
            self.resume_notes.append(
                f"{STATE_FILE} does not fit this run ({_one_line(exc)}): "
                "the optimizer state starts afresh"
            )
            routine = self.variant.routine(train_models, self.config, self.objective, ctx)
        return routine

    def _emit(self, event: TrainEvent) -> Iterator[TrainEvent]:
        for fn in self._listeners:
            fn(event)
        yield event

    def _start_message(self, device: torch.device) -> str:
        n = len(self.dataset)
        amp = "off"
        if device.type == "cuda":
            amp = "auto" if self.options.amp is None else str(self.options.amp)
        world = f", {self.world} processes" if self.world > 1 else ""
        return f"training {self.variant_id} on {n} images, device {device} (AMP {amp}){world}"

    def _check_fresh_folder(self) -> None:
        if (self.out / CONFIG_FILE).exists() or (
            self.checkpoint_dir / checkpoints.LATEST_NAME
        ).exists():
            raise RunFolderError(
                f"{self.out} already holds a training run; use --resume to continue it "
                "or choose another --out"
            )

    def _setup_log(self) -> None:
        if self.rank != 0:
            return
        self.out.mkdir(parents=True, exist_ok=True)
        logger = logging.getLogger("ganstudio")
        target = str((self.out / "train.log").resolve())
        if not any(getattr(h, "baseFilename", None) == target for h in logger.handlers):
            handler = logging.FileHandler(target, encoding="utf-8")
            handler.setFormatter(
                logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
            )
            logger.addHandler(handler)
            if logger.level == logging.NOTSET or logger.level > logging.INFO:
                logger.setLevel(logging.INFO)
        for path, reason in getattr(self.dataset, "skipped", []) or []:
            log.warning("skipped %s: %s", path, reason)

    def _loader(self, start_step: int, device: torch.device) -> DataLoader:
        opts = self.options
        sampler = InfiniteSampler(
            len(self.dataset), opts.seed, start_step * opts.batch_size, self.rank, self.world
        )
        workers = opts.num_workers
        return DataLoader(
            self.dataset,
            batch_size=opts.batch_size,
            sampler=sampler,
            num_workers=workers,
            pin_memory=device.type == "cuda",
            persistent_workers=False,
            drop_last=True,
            # a private generator: worker seeding must not consume the global RNG,
            # or a resumed run would draw different noise than an uninterrupted one
            generator=torch.Generator().manual_seed(opts.seed),
        )

    def _write_config(self) -> None:
        data = {
            "variant": self.variant_id,
            "plugin": self.plugin,
            "config": config_to_dict(self.config),
            "options": asdict(self.options),
            "data": self.data_spec,
        }
        atomic_write_text(self.out / CONFIG_FILE, json.dumps(data, indent=2, default=str))

    def _write_samples(self, routine: Any, step: int) -> Path:
        with torch.no_grad():
            imgs = routine.samples(self.options.sample_count, self.options.sample_seed)
        grid = make_grid(tensor_to_images(imgs))
        path = self.out / "samples" / f"step_{step:07d}.png"
        save_image(
            path,
            grid,
            {
                "app": "GAN Studio",
                "kind": "training-samples",
                "variant": self.variant_id,
                "step": step,
                "seed": self.options.sample_seed,
            },
        )
        return path

    def _checkpoint(
        self, models: Mapping[str, torch.nn.Module], routine: Any, precision: Precision, step: int
    ) -> Path:
        ckpt = self.checkpoint_dir / f"step_{step:07d}.safetensors"
        if self.rank != 0:
            if self.world > 1:
                dist.barrier()
            return ckpt
        tensors = checkpoints.join_roles(
            {
                role: _unwrap(m).state_dict()
                for role, m in models.items()
                if role in self.variant.roles or role == "G_ema"
            }
        )
        meta = model_meta(
            self.variant_id,
            self.plugin,
            self.config,
            trained_on=self.data_spec,
            step=step,
            images_seen=step * self.options.batch_size * self.world,
            objective=getattr(self.config, "objective", None),
        )
        checkpoints.save_model(ckpt, tensors, meta)
        state = {
            "step": step,
            "routine": routine.state_dict(),
            "precision": precision.state_dict(),
            "rng": rng_state(),
            "checkpoint": ckpt.name,
        }
        with atomic_path(self.out / STATE_FILE) as tmp:
            torch.save(state, tmp)
        checkpoints.publish_latest(ckpt, self.options.keep_last)
        log.info("checkpoint at step %d: %s", step, ckpt)
        if self.world > 1:
            dist.barrier()
        return ckpt

    def _load_resume(self, models: dict[str, torch.nn.Module]) -> tuple[int, dict[str, Any] | None]:
        """Load the newest readable checkpoint; (step, saved state or None).

        * no ``state.pt`` and no checkpoint: the run was stopped before its first
          checkpoint; it starts again from step 0 with the saved config;
        * a damaged ``state.pt``: the weights come from the newest readable
          checkpoint and the optimizers start afresh;
        * a damaged latest checkpoint: the previous kept one is used.
        Each workaround is one line in :attr:`resume_notes`.
        """
        state, state_problem = self._read_state()
        candidates = self._resume_candidates(state)
        if not candidates and state is None and not state_problem:
            if not (self.out / CONFIG_FILE).exists():
                raise RunFolderError(
                    f"{self.out}: nothing to resume (no {CONFIG_FILE}, {STATE_FILE} or checkpoint)"
                )
            self.resume_notes.append(
                f"{self.out.name} has no checkpoint yet (stopped before the first one): "
                "starting from step 0 with the saved config"
            )
            return 0, None
        if state_problem:
            self.resume_notes.append(state_problem)
        problems: list[str] = []
        for ckpt in candidates:
            try:
                tensors, meta = checkpoints.load_model_file(ckpt)
                by_role = checkpoints.split_roles(tensors)
                for role, module in models.items():
                    if role in by_role:
                        checkpoints.load_strict(module, by_role[role], f"{ckpt.name} [{role}]")
            except (checkpoints.CheckpointError, ValueError, OSError, RuntimeError) as exc:
                problems.append(f"{ckpt.name} is damaged ({_one_line(exc)})")
                continue
            step = _checkpoint_step(ckpt, meta)
            if problems:
                self.resume_notes.append(
                    f"{'; '.join(problems)}: resuming from {ckpt.name} (step {step}), "
                    "the previous kept checkpoint"
                )
            if state is not None and step == int(state["step"]):
                log.info("resumed from step %d (%s)", step, ckpt)
                return step, state
            self.resume_notes.append(
                f"the optimizer state does not match {ckpt.name}: it starts afresh"
                if state is not None or state_problem
                else f"no {STATE_FILE}: the optimizer state starts afresh"
            )
            return step, None
        detail = "; ".join([*([state_problem] if state_problem else []), *problems])
        raise RunFolderError(
            f"{self.out}: cannot resume: {detail or 'no checkpoint'}; start a new run "
            "with another --out"
        )

    def _read_state(self) -> tuple[dict[str, Any] | None, str]:
        """(state, "") or (None, why it cannot be used); (None, "") when there is none."""
        path = self.out / STATE_FILE
        if not path.exists():
            return None, ""
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
            if (
                not isinstance(state, dict)
                or not isinstance(state.get("step"), int)
                or not isinstance(state.get("checkpoint"), str)
                or not {"routine", "rng"} <= set(state)
            ):
                raise ValueError("not a training state")
        except Exception as exc:  # any unpickling failure: the file is damaged
            return None, f"{STATE_FILE} is damaged ({_one_line(exc)})"
        return state, ""

    def _resume_candidates(self, state: dict[str, Any] | None) -> list[Path]:
        """Checkpoints to try, newest first: the one ``state.pt`` names, then the rest."""
        names: list[str] = []
        if state is not None:
            names.append(Path(state["checkpoint"]).name)  # a name, never a path elsewhere
        names.append(checkpoints.LATEST_NAME)
        names += sorted(
            (p.name for p in self.checkpoint_dir.glob("step_*.safetensors")), reverse=True
        )
        seen: set[str] = set()
        out = []
        for name in names:
            path = self.checkpoint_dir / name
            if name not in seen and path.is_file():
                seen.add(name)
                out.append(path)
        return out


def _checkpoint_step(path: Path, meta: Mapping[str, Any]) -> int:
    step = meta.get("step")
    if isinstance(step, int) and not isinstance(step, bool) and step >= 0:
        return step
    digits = path.stem.removeprefix("step_")
    return int(digits) if digits.isdigit() else 0


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def read_run_config(out_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """A run folder's ``config.json``, checked: variant, config, options, data.

    Damage (not JSON, wrong types) is one :class:`RunFolderError` line; option
    names an older or newer version wrote and this one does not know are dropped.
    """
    path = Path(out_dir).expanduser() / CONFIG_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunFolderError(f"{path.parent}: not a training run (no {CONFIG_FILE})") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RunFolderError(f"{path} is damaged ({_one_line(exc)})") from None
    if not isinstance(data, dict):
        raise RunFolderError(f"{path} is damaged (not a JSON object)")
    for key, kind in (("variant", str), ("config", dict), ("options", dict), ("data", str)):
        if key in data and not isinstance(data[key], kind):
            raise RunFolderError(f"{path} is damaged ({key!r} is not a {kind.__name__})")
    if not data.get("variant") or not isinstance(data.get("config"), dict):
        raise RunFolderError(f"{path} is damaged (no variant or config)")
    data.setdefault("data", "")
    data["options"] = _known_options(data.get("options") or {}, path)
    return data


def _known_options(saved: Mapping[str, Any], where: Path) -> dict[str, Any]:
    """Saved TrainOptions fields with the right types (unknown names dropped)."""
    defaults = asdict(TrainOptions())
    out: dict[str, Any] = {}
    for key, value in saved.items():
        if key not in defaults:
            continue
        default = defaults[key]
        if key == "amp":
            ok = value is None or isinstance(value, bool)
        elif isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, int | float):
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            ok = ok and math.isfinite(value) and (key == "seed" or value >= 0)
            ok = ok and (isinstance(default, float) or float(value).is_integer())
            value = type(default)(value) if ok else value
        else:
            ok = isinstance(value, type(default))
        if not ok:
            raise RunFolderError(f"{where} is damaged (option {key!r} is {value!r})")
        out[key] = value
    return out
