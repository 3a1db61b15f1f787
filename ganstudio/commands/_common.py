"""Helpers the sub-commands share: the registry, ``--set``, ``--device``, the progress
bar and Ctrl-C.

Ctrl-C follows the one stop protocol (``ganstudio.core.jobs``): the first asks
the work to stop and keep what it has (``train``: the step in hand, then a
checkpoint; ``batch``: the file in hand; ``run`` of a stoppable action such as
``project``: the best result so far, written as usual); a second aborts at once
(exit 130, nothing more is written; files already written are complete, since
every write is atomic).  An action that is not stoppable aborts on the first.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ganstudio import plugins
from ganstudio.core.jobs import StopSignal
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


@contextmanager
def first_interrupt_stops(control: StopSignal, what: str) -> Iterator[None]:
    """While inside: the first Ctrl-C calls ``control.request_stop()`` and prints ``what``
    (what happens now); the second raises KeyboardInterrupt (exit 130)."""
    interrupts = 0

    def on_sigint(signum: int, frame: Any) -> None:
        nonlocal interrupts
        interrupts += 1
        if interrupts > 1:
            raise KeyboardInterrupt
        control.request_stop()
        print(f"\n{what} (Ctrl-C again to abort)", file=sys.stderr)

    try:
        previous = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread: no signal handling
        previous = None
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
