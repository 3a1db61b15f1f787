"""The GAN lab's training thread: steps a core ToyGAN and leaves its newest frame to draw.

Training never runs on the GUI thread.  The panel reads :meth:`LabWorker.latest`
from a timer at display rate, so frames are drawn as fast as the screen shows
them and never queue up; settings the user switches are handed over with
:meth:`LabWorker.request` and applied between two steps.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from PySide6.QtCore import QThread, Signal

from ganstudio.core.modes import ToyDistribution
from ganstudio.core.toygan import LabFrame, ToyConfig, ToyGAN
from ganstudio.errors import UserError


class LabWorker(QThread):
    """Runs ``ToyGAN.step`` in a loop; a frame every ``frame_interval`` seconds."""

    failed = Signal(str)
    #: a switch that does not go together (label smoothing with WGAN): the old settings stay
    refused = Signal(str)

    def __init__(
        self,
        dist: ToyDistribution,
        objective: Any,
        config: ToyConfig,
        seed: int = 0,
        frame_interval: float = 0.05,
        max_steps: int | None = None,
    ) -> None:
        super().__init__()
        self.dist, self.seed, self.frame_interval = dist, seed, frame_interval
        self.max_steps = max_steps
        self._lock = threading.Lock()
        self._pending: tuple[Any, ToyConfig] | None = (objective, config)
        self._frame: LabFrame | None = None
        self._taken = True  # the GUI has the newest frame: time to make the next one
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()

    # -- called from the GUI thread ------------------------------------------------
    def request(self, objective: Any, config: ToyConfig) -> None:
        """Switch objective and stabilisers at the next step."""
        with self._lock:
            self._pending = (objective, config)

    def latest(self) -> LabFrame | None:
        with self._lock:
            self._taken = True
            return self._frame

    def set_running(self, running: bool) -> None:
        (self._running.set if running else self._running.clear)()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()
        self.wait()

    # -- the worker thread ----------------------------------------------------------
    def run(self) -> None:  # noqa: D102 - QThread API
        import torch

        torch.set_num_threads(1)
        gan: ToyGAN | None = None
        last, shown = 0.0, -1
        try:
            while not self._stop.is_set():
                with self._lock:
                    pending, self._pending = self._pending, None
                dirty = pending is not None
                if pending is not None:
                    if gan is None:
                        gan = ToyGAN(self.dist, pending[0], pending[1], seed=self.seed)
                    else:
                        try:
                            gan.configure(*pending)
                        except UserError as exc:
                            self.refused.emit(str(exc))
                assert gan is not None
                stepped = self._running.is_set() and (
                    self.max_steps is None or gan.steps < self.max_steps
                )
                if stepped:
                    gan.step()
                now = time.monotonic()
                late = now - last >= self.frame_interval and self._taken  # never ahead of the GUI
                if dirty or (stepped and late) or (not stepped and shown != gan.steps):
                    frame = gan.frame()
                    with self._lock:
                        self._frame, self._taken = frame, False
                    last, shown = now, gan.steps
                if not stepped:
                    self._stop.wait(0.03)
        except Exception as exc:  # noqa: BLE001 - shown in the panel; the lab stops
            self.failed.emit(f"{type(exc).__name__}: {exc}")
