"""Start or resume a training run: the one place the CLI and the GUI set up a Trainer.

Both ``ganstudio train`` and the GUI's training jobs (new and resumed after a
restart) call :func:`prepare_training`, so the checks are the same for both:
a resumed run must be of the same variant, its config cannot change, and a
run stopped before its first checkpoint resumes from step 0 with its saved config.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Literal

from ganstudio.core.jobs import StopSignal
from ganstudio.core.registry import Registry
from ganstudio.core.sources import make_objective, open_dataset
from ganstudio.core.specs import DataRequest, apply_overrides, config_from_dict
from ganstudio.core.training import (
    CONFIG_FILE,
    RunFolderError,
    Trainer,
    TrainOptions,
    read_run_config,
)
from ganstudio.errors import UserError

#: ``"auto"``: resume when the folder holds a run, else start one (the GUI's restart)
Resume = bool | Literal["auto"]


@dataclass
class PreparedRun:
    """A Trainer ready to run, and what the user should be told before it starts."""

    trainer: Trainer
    dataset: Any
    #: data files skipped as unreadable: (path, reason)
    skipped: list[tuple[Any, str]]


def prepare_training(
    registry: Registry,
    variant_id: str,
    out: str | os.PathLike[str],
    *,
    data: str | None = None,
    config: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
    resume: Resume = False,
    control: StopSignal | None = None,
) -> PreparedRun:
    """Build the Trainer for a new or resumed run in ``out``.

    ``config`` are overrides of the variant's defaults (a new run only; with
    ``resume="auto"`` they are used only when the folder holds no run yet);
    ``options`` are TrainOptions fields that replace the defaults (new run) or
    the saved values (resumed run); ``control`` is the stop signal the Trainer
    reads (a GUI job's own).  Raises :class:`UserError` with one line.
    """
    variant = registry.variant(variant_id)
    out_dir = Path(out).expanduser()
    if resume == "auto":  # what was asked for then is what the folder saved: it wins
        resume = (out_dir / CONFIG_FILE).exists()
        config = None if resume else config
    if resume:
        saved = read_run_config(out_dir)
        if str(saved["variant"]).split(":")[-1] != variant.id:
            raise RunFolderError(f"{out_dir} is a {saved['variant']} run, not {variant_id}")
        if config:
            raise UserError("the config of a run being resumed cannot change (--set)")
        try:
            cfg = config_from_dict(variant.config, saved["config"])
        except (TypeError, ValueError) as exc:
            raise RunFolderError(f"{out_dir / CONFIG_FILE} is damaged ({exc})") from None
        data_spec = data or saved["data"]
        base = TrainOptions(**saved["options"])
    else:
        if not data:
            raise UserError("--data is required (e.g. procedural:faces or a folder)")
        cfg = apply_overrides(variant.config(), dict(config or {}))
        data_spec = data
        base = TrainOptions()
    train_options = _with(base, options or {})
    request = DataRequest(
        resolution=getattr(cfg, "resolution", 64),
        channels=getattr(cfg, "channels", 3),
        kind=variant.data_kind,
    )
    dataset = open_dataset(registry, data_spec, request)
    train_options.batch_size = max(1, min(train_options.batch_size, len(dataset)))
    trainer = Trainer(
        variant,
        cfg,
        dataset,
        out_dir,
        train_options,
        make_objective(registry, cfg),
        variant_id=variant_id,
        plugin=registry.plugin_of("variants", variant),
        data_spec=data_spec,
        resume=bool(resume),
        control=control,
    )
    return PreparedRun(trainer, dataset, list(getattr(dataset, "skipped", []) or []))


def _with(options: TrainOptions, changes: Mapping[str, Any]) -> TrainOptions:
    known = {f.name for f in fields(TrainOptions)}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise UserError(f"unknown training option(s): {', '.join(unknown)}")
    return TrainOptions(**{**asdict(options), **changes})
