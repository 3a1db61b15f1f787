"""A live preview follows a slider drag: newest request wins, one in flight, last value shown.

The fake model step waits on a gate the test opens, so the test decides when a
preview finishes: nothing here depends on how fast the machine is.
"""

from __future__ import annotations

import threading

from PIL import Image

from ganstudio.core.registry import PluginInfo
from ganstudio.core.specs import Action, ActionResult, FloatParam


class SlowModel:
    """An interactive action whose every run waits for the test to let it finish."""

    def __init__(self) -> None:
        self.gate = threading.Semaphore(0)
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.runs: list[float] = []

    def run(self, model, params, inputs):
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            self.gate.acquire(timeout=10)
            self.runs.append(params["amount"])
            return ActionResult([Image.new("RGB", (8, 8), (round(params["amount"] * 255), 0, 0))])
        finally:
            with self.lock:
                self.in_flight -= 1


def test_a_drag_shows_previews_before_release_and_ends_on_the_last_value(
    qtbot, window, home_model, registry, pick_model
) -> None:
    slow = SlowModel()
    action = Action(
        "drag-test",
        "Drag (test)",
        slow.run,
        interactive=True,
        params=(FloatParam("amount", 0.0, min=0.0, max=1.0, step=0.01),),
        # a model's action (the session registry keeps it: a model-less one would be
        # offered by every later window's panel)
        requires=frozenset({"sample"}),
    )
    if "gui-drag-test" not in registry.plugins:
        registry.add_plugin(PluginInfo("gui-drag-test", "test", "here"))
    registry.add("actions", "gui-drag-test", action)
    shown: list[float] = []
    original = window.canvas.show_preview

    def show_preview(image, origin=(0, 0), footprint=None):
        params = window.controller._last_preview[1].request.params
        if "amount" in params:  # not the Generate preview shown when the model loads
            shown.append(params["amount"])
        original(image, origin, footprint)

    window.canvas.show_preview = show_preview
    try:
        window.models.refresh()
        pick_model(window, home_model)
        assert window.actions_panel.select_action("drag-test")
        slider = window.actions_panel.form.editors["amount"].slider
        slider.setSliderDown(True)  # the user holds the handle
        for step in range(1, 61):  # one move per 16 ms frame, as a mouse drag sends them
            slider.setValue(step)
            qtbot.wait(16)
            if step % 10 == 0:  # the model finishes one preview now and then
                before = len(shown)
                slow.gate.release()
                qtbot.waitUntil(lambda before=before: len(shown) > before, timeout=10000)
        during_drag = len(shown)
        slider.setSliderDown(False)
        slow.gate.release(2)  # the one in flight, then the newest pending
        qtbot.waitUntil(lambda: bool(shown) and shown[-1] == 0.60, timeout=10000)
        qtbot.waitUntil(lambda: not window.runner.busy, timeout=10000)
    finally:
        slow.gate.release(100)  # never leave a worker waiting
        qtbot.waitUntil(lambda: not window.runner.busy, timeout=10000)
    assert during_drag >= 6, "the image follows the hand while the slider moves"
    assert slow.most_in_flight == 1, "never more than one preview computing at a time"
    assert len(slow.runs) < 20, "stale positions are dropped, not queued"
    assert shown == sorted(shown), "an older preview never replaces a newer one"
    assert window.actions_panel.values()["amount"] == 0.60
