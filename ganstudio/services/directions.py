"""Fit attribute directions into a model, or list them: ``ganstudio directions`` and
the GUI's "Fit attribute directions" action share this path and its guard.

The fit is the model's ``fit-directions`` action run through
:func:`~ganstudio.services.actions.iterate_request`, so its result is stored by
the same locked rewrite, and a bundled demo is never rewritten: the CLI refuses
before any work (it has ``-o``), the GUI writes the model with its directions
under a free name in the user's models folder and selects it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ganstudio.core.jobs import StopSignal
from ganstudio.core.specs import Progress, parse_params
from ganstudio.errors import UserError
from ganstudio.services.actions import ActionRequest, ActionRun, BundledPolicy, run_request
from ganstudio.services.models import ModelCache, writable_target

FIT_ACTION = "fit-directions"


def direction_names(tensor_names: Sequence[str] | Mapping[str, Any]) -> list[str]:
    """``smile``, ``age`` … from role-qualified names such as ``directions.smile``."""
    return sorted(k.split(".", 1)[1] for k in tensor_names if k.startswith("directions."))


def list_directions(model_path: str | os.PathLike[str]) -> list[str]:
    from ganstudio.core import checkpoints

    return direction_names(checkpoints.tensor_names(Path(model_path)))


def fit_directions(
    cache: ModelCache,
    model_path: str | os.PathLike[str],
    params: Mapping[str, Any] | Sequence[str],
    *,
    data: str | None = None,
    out: str | os.PathLike[str] | None = None,
    bundled: BundledPolicy = "refuse",
    control: StopSignal | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> ActionRun:
    """Fit and store; ``ActionRun.stored`` is the file written.  Raises :class:`UserError`."""
    model_path = Path(model_path)
    writable_target(model_path, out, bundled)  # a refusal comes before the work
    model = cache.get(model_path)
    action = cache.registry.action_for(FIT_ACTION, model.capabilities, model.variant_id)
    if isinstance(params, Mapping):
        values = dict(params)
    else:
        values = parse_params(action.params_for(model), list(params))
    request = ActionRequest(model_path, action, values, data=data or "", commit=True)
    run = run_request(cache, request, control, on_progress, store_out=out, bundled=bundled)
    if run.stored is None:
        raise UserError("the fit produced no directions")
    return run
