"""Every running job shows in the status bar; a click opens the Jobs dock."""

from __future__ import annotations

import threading

from PIL import Image
from PySide6.QtCore import Qt

from ganstudio.core.jobs import Job
from ganstudio.core.specs import Progress


def test_a_running_job_shows_name_percentage_and_time_left(qtbot, window) -> None:
    half, done = threading.Event(), threading.Event()

    def work(job: Job):
        yield Progress(message="working", fraction=0.5, preview=Image.new("RGB", (32, 32)))
        half.set()
        done.wait(10)
        yield Progress(fraction=1.0)

    status = window.job_status
    assert not status.isVisible()
    job = window.runner.submit(Job("Project a photo", work))
    try:
        qtbot.waitUntil(lambda: half.is_set() and "50%" in status.button.text(), timeout=5000)
        text = status.button.text()
        assert status.isVisible() and text.startswith("Project a photo")
        assert "left" in text
        assert status.thumb.isVisible()  # the job's preview (a projection converging)
        window.docks["Jobs"].hide()
        qtbot.mouseClick(status.button, Qt.MouseButton.LeftButton)
        assert window.docks["Jobs"].isVisible()
        assert not window.tabifiedDockWidgets(window.docks["Jobs"]), "not a hidden tab"
    finally:
        done.set()
    qtbot.waitUntil(lambda: job.status.finished and not window.runner.busy, timeout=5000)
    qtbot.waitUntil(lambda: not status.isVisible(), timeout=5000)
