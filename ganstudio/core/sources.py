"""From the user's words to data and losses: ``--data`` specs and objectives.

Shared by the CLI, the GUI's training dialog and scripts, so that
``procedural:faces``, ``folder:PATH`` and a plain path mean the same everywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ganstudio.core.registry import Registry, UnknownSpecError
from ganstudio.core.specs import DataRequest, DatasetSource
from ganstudio.errors import UserError


def resolve_data(reg: Registry, spec: str) -> tuple[DatasetSource, str]:
    """``procedural:faces``, ``folder:PATH`` or a plain path → (source, argument)."""
    prefix, sep, rest = spec.partition(":")
    if sep and len(prefix) > 1 and not Path(spec).expanduser().exists():
        try:
            return reg.dataset(prefix), rest
        except UnknownSpecError:
            pass
    path = Path(spec).expanduser()
    if not path.exists():
        known = ", ".join(f"{i}:" for i in reg.ids("datasets"))
        raise UserError(f"--data {spec!r}: no such folder, and not a data source ({known})")
    for source in reg.specs("datasets"):
        if source.handles_paths:
            return source, str(path)
    raise UserError("no loaded plugin reads image folders")


def open_dataset(reg: Registry, spec: str, request: DataRequest) -> Any:
    source, arg = resolve_data(reg, spec)
    try:
        return source.open(arg, request)
    except (ValueError, OSError) as exc:
        raise UserError(f"--data {spec}: {exc}") from None


def make_objective(reg: Registry, config: Any) -> Any:
    name = getattr(config, "objective", None)
    if not name:
        return None
    return reg.objective(name).factory()
