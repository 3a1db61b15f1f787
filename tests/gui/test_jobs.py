"""The jobs panel: progress, cancel within a step, failures, pause, stop-after-item, batch."""

from __future__ import annotations

import threading
import time

from PIL import Image, ImageOps
from PySide6.QtCore import Qt

from ganstudio.core.jobs import Job, JobStatus
from ganstudio.core.registry import PluginInfo
from ganstudio.core.specs import Action, ActionResult, Progress
from ganstudio.gui.dialogs.batch import BatchDialog


def endless(steps_seen: list[int]):
    """A job that would run for ever; each step is short, like a training step."""

    def work(job: Job):
        i = 0
        while True:
            time.sleep(0.01)
            i += 1
            steps_seen.append(i)
            yield Progress(step=i, total=1000, fraction=min(i / 1000, 0.99), message=f"step {i}")

    return work


def select_job(window, job: Job) -> None:
    item = window.jobs._items[job.id]
    window.jobs.tree.setCurrentItem(item)


def test_cancel_stops_the_running_job_within_a_step(qtbot, window) -> None:
    seen: list[int] = []
    job = window.runner.submit(Job("Endless", endless(seen)))
    qtbot.waitUntil(lambda: len(seen) > 3, timeout=5000)
    assert window.jobs.tree.topLevelItemCount() == 1
    select_job(window, job)
    qtbot.mouseClick(window.jobs.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: job.status == JobStatus.CANCELLED, timeout=5000)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=5000)
    count = len(seen)
    qtbot.wait(50)
    assert len(seen) == count  # nothing ran after the cancel
    assert window.jobs._items[job.id].text(1) == "cancelled"


def test_a_failing_job_shows_its_error_and_the_app_goes_on(qtbot, window) -> None:
    def broken(job: Job):
        yield Progress(message="starting")
        raise RuntimeError("the GPU caught fire")

    job = window.runner.submit(Job("Broken", broken))
    qtbot.waitUntil(lambda: job.status == JobStatus.FAILED, timeout=5000)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=5000)
    select_job(window, job)
    assert "the GPU caught fire" in window.jobs.error.text()
    ok = window.runner.submit(Job("Fine", lambda j: iter([Progress(fraction=1.0)])))
    qtbot.waitUntil(lambda: ok.status == JobStatus.DONE, timeout=5000)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=5000)


def test_pause_queue_holds_jobs_until_resumed(qtbot, window) -> None:
    gate = threading.Event()

    def quick(job: Job):
        gate.set()
        yield Progress(fraction=1.0)

    qtbot.mouseClick(window.jobs.pause_button, Qt.MouseButton.LeftButton)
    job = window.runner.submit(Job("Queued", quick))
    qtbot.wait(100)
    assert job.status == JobStatus.PENDING and not gate.is_set()
    qtbot.mouseClick(window.jobs.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: job.status == JobStatus.DONE, timeout=5000)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=5000)


def test_stored_jobs_survive_a_restart(qtbot, make_window) -> None:
    first = make_window()
    seen: list[int] = []
    job = Job("Stored", endless(seen), spec={"type": "custom"})
    first.runner.submit(job)
    qtbot.waitUntil(lambda: len(seen) > 2, timeout=5000)
    first.runner.shutdown()
    assert [j["id"] for j in first.store.unfinished()] == [job.id]


def _invert(model, params, inputs):
    return ActionResult([ImageOps.invert(inputs["image"].convert("RGB"))])


def test_batch_dialog_runs_a_folder_and_can_stop_after_current_item(
    qtbot, window, home_model, registry, tmp_path
) -> None:
    action = Action(
        "invert-batch",
        "Invert (batch test)",
        _invert,
        requires=frozenset({"sample"}),
        input_kind="image",
        batchable=True,
    )
    if "gui-batch-test" not in registry.plugins:
        registry.add_plugin(PluginInfo("gui-batch-test", "test", "here"))
        registry.add("actions", "gui-batch-test", action)
    src = tmp_path / "in"
    src.mkdir()
    for i in range(6):
        Image.new("RGB", (16, 16), (i * 10, 0, 0)).save(src / f"{i}.png")
    (src / "broken.png").write_bytes(b"not an image")
    window.models.refresh()
    dialog = BatchDialog(window.registry, window.models.files, window.runner, window.cache, window)
    qtbot.addWidget(dialog)
    # other batchable actions may be listed (photo-to-sketch needs no model): pick ours
    dialog.action_combo.setCurrentIndex(dialog.action_combo.findData("invert-batch"))
    assert dialog.action_combo.currentData() == "invert-batch"
    dialog.in_dir[1].setText(str(src))
    dialog.out_dir[1].setText(str(tmp_path / "out"))
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(
        lambda: bool(window.runner.jobs) and window.runner.jobs[-1].status.finished, timeout=20000
    )
    job = window.runner.jobs[-1]
    assert job.status == JobStatus.DONE, job.error
    report = job.result
    assert len(report.done) == 6 and len(report.failed) == 1
    with Image.open(tmp_path / "out" / "1.png") as im:
        assert im.getpixel((0, 0)) == (245, 255, 255)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=5000)


_STOP_CLICKED = threading.Event()
_CALLS: list[int] = []


def _slow_invert(model, params, inputs):
    """Items after the first wait until the test has clicked Stop: however slow the
    machine, the batch cannot finish all its items before the click."""
    _CALLS.append(1)
    if len(_CALLS) > 1:
        _STOP_CLICKED.wait(10)
    return _invert(model, params, inputs)


def test_stop_after_current_item_ends_a_batch_early(
    qtbot, window, home_model, registry, tmp_path
) -> None:
    from ganstudio.gui.tasks import BatchSpec, batch_job

    action = Action(
        "slow-invert",
        "Slow invert (test)",
        _slow_invert,
        requires=frozenset({"sample"}),
        input_kind="image",
        batchable=True,
    )
    if "gui-slow-test" not in registry.plugins:
        registry.add_plugin(PluginInfo("gui-slow-test", "test", "here"))
        registry.add("actions", "gui-slow-test", action)
    src = tmp_path / "in"
    src.mkdir()
    for i in range(40):
        Image.new("RGB", (8, 8)).save(src / f"{i:02d}.png")
    _STOP_CLICKED.clear()
    _CALLS.clear()
    job = window.runner.submit(
        batch_job(
            window.cache,
            BatchSpec(str(home_model), "slow-invert", str(src), str(tmp_path / "out"), {}),
        )
    )
    qtbot.waitUntil(lambda: len(_CALLS) >= 2, timeout=20000)  # the second file waits
    select_job(window, job)
    assert window.jobs.stop_button.isEnabled()
    qtbot.mouseClick(window.jobs.stop_button, Qt.MouseButton.LeftButton)
    _STOP_CLICKED.set()
    qtbot.waitUntil(lambda: job.status.finished, timeout=20000)
    assert job.status == JobStatus.STOPPED  # with its result: the files done so far
    assert job.result.stopped and 0 < len(job.result.done) < 40
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=5000)
