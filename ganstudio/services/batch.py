"""Map an action over a folder: the one set-up ``ganstudio batch`` and the GUI's batch
jobs share (which action, the batchable check, params), so the two cannot drift."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from ganstudio.core.batch import BatchOptions, BatchRunner
from ganstudio.core.jobs import StopSignal
from ganstudio.core.registry import Registry
from ganstudio.core.specs import Action, parse_params
from ganstudio.errors import UserError


def batch_action(registry: Registry, model: Any, action_id: str) -> Action:
    """The action ``action_id`` for ``model``, refused in one line unless it can batch."""
    if model is None:  # a model-less image action
        action = registry.modelless_action(action_id)
    else:
        action = registry.action_for(action_id, model.capabilities, model.variant_id)
    if not action.batchable or not _readable_kind(action.input_kind):
        raise UserError(
            f"action {action.id!r} cannot run in a batch: only batchable "
            "image→image actions can (see 'ganstudio plugins')"
        )
    return action


def _readable_kind(kind: str) -> bool:
    """Images, or a kind whose files ``ganstudio.core.inputs`` reads (voxel grids …)."""
    from ganstudio.core.inputs import input_files

    return kind == "image" or input_files(kind) is not None


def prepare_batch(
    registry: Registry,
    model: Any,
    action_id: str,
    in_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    params: Mapping[str, Any] | Sequence[str],
    options: BatchOptions,
    *,
    report_path: str | os.PathLike[str] | None = None,
    control: StopSignal | None = None,
) -> BatchRunner:
    """A :class:`BatchRunner` ready to ``run()``.

    ``params`` are values by name (the GUI) or ``NAME=VALUE`` texts (the CLI);
    folder and option mistakes are :class:`UserError` lines; ``control`` is the
    stop signal the runner reads (a GUI job's own).
    """
    action = batch_action(registry, model, action_id)
    if not action.requires:  # a model-less action runs without one: provenance names none
        model = None
    if isinstance(params, Mapping):
        values = dict(params)
    else:
        values = parse_params(action.params_for(model), list(params))
    if action.input_kind != "image":  # another declared input kind: its files, its writer
        from ganstudio.core.batch_files import FileBatchRunner

        return FileBatchRunner(  # type: ignore[return-value]
            action,
            model,
            in_dir,
            out_dir,
            values,
            options,
            report_path=report_path,
            control=control,
        )
    return BatchRunner(
        action, model, in_dir, out_dir, values, options, report_path=report_path, control=control
    )
