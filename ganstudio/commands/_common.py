"""Helpers the sub-commands share: the registry, ``--set`` and ``--device``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ganstudio import plugins
from ganstudio.core.registry import Registry
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


def add_device_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--device",
        default="auto",
        help="auto (cuda > mps > cpu), cpu, cuda, cuda:N or mps (default: auto)",
    )
