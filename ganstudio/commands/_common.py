"""Helpers the sub-commands share: the registry, ``--set`` and ``--device``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

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


@contextmanager
def action_progress(show: bool = True, delay: float = 0.5) -> Iterator[Callable[[Any], None]]:
    """A terminal bar for one action's ``Progress`` events (tqdm, on stderr).

    It appears only once the action has run for half a second, so quick actions
    print nothing; slow ones (a large photo to upscale, a fit) show the stage,
    how far they are and the time left.  An event without a fraction is a note
    (an out-of-memory retry, a fitted direction's accuracy): it is printed as a
    line of its own, with or without the bar.
    """
    from tqdm import tqdm

    bar = tqdm(
        total=1000,
        delay=delay,
        disable=not show,
        file=sys.stderr,
        leave=False,
        bar_format="{desc}{percentage:3.0f}%|{bar}| {elapsed}<{remaining}",
    )

    def update(event: Any) -> None:
        if event.fraction is None:
            if event.message:
                bar.write(event.message, file=sys.stderr)
            return
        if event.message:
            bar.set_description_str(f"{event.message} ", refresh=False)
        bar.update(round(event.fraction * 1000) - bar.n)

    try:
        yield update
    finally:
        bar.close()
