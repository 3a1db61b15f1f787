"""Helpers the sub-commands share: the registry, data sources, objectives."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ganstudio import plugins
from ganstudio.core.registry import Registry, UnknownSpecError
from ganstudio.core.specs import DataRequest, DatasetSource
from ganstudio.errors import UserError


def registry(args: argparse.Namespace) -> Registry:
    return plugins.get_registry(safe_mode=True if getattr(args, "safe_mode", False) else None)


def parse_sets(pairs: Sequence[str]) -> dict[str, str]:
    """``--set key=value`` pairs (values stay text; the config coerces them)."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--set expects key=value, got {pair!r}")
        out[key.strip()] = value.strip()
    return out


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


def add_device_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--device",
        default="auto",
        help="auto (cuda > mps > cpu), cpu, cuda, cuda:N or mps (default: auto)",
    )
