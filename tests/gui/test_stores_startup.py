"""Start-up with damaged stores: the window opens, says so once, and offers the jobs
(issue #12, items 2, 3, 15 and 20)."""

from __future__ import annotations

import json
import threading
import zipfile

from PIL import Image

from ganstudio.core import paths
from ganstudio.core.document import Document, autosave, find_recovery, recovery_path
from ganstudio.core.jobs import Job, JobStatus, JobStore


def _told(window) -> list[tuple[str, str]]:
    told: list[tuple[str, str]] = []
    window.tell = lambda title, text: told.append((title, text))
    return told


def test_a_damaged_job_list_does_not_stop_the_window(make_window):
    store = paths.user_dirs().data / "jobs.sqlite"
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_bytes(b"SQLite format 3\0" + b"\xff" * 2000)
    window = make_window()
    told = _told(window)
    window.startup_checks()
    assert len(told) == 1 and "set aside as jobs.sqlite.damaged-" in told[0][1]
    window.startup_checks()  # said once
    assert len(told) == 1
    assert list(store.parent.glob("jobs.sqlite.damaged-*"))


def test_a_stored_job_with_a_bad_spec_is_dropped_and_reported(make_window, tmp_path):
    store = JobStore(paths.user_dirs().data / "jobs.sqlite")

    def work(job):
        yield None

    bad = Job("Batch gone wrong", work, kind="batch", spec={"type": "batch", "model": 3})
    bad.status = JobStatus.RUNNING
    store.record(bad)
    window = make_window()
    told = _told(window)
    window.startup_checks()  # answers yes to "resume?"
    assert window.runner.jobs == []
    assert len(told) == 1 and "Batch gone wrong" in told[0][1] and "'model'" in told[0][1]
    assert JobStore(store.path).unfinished() == []


def test_a_damaged_autosave_still_offers_the_interrupted_jobs(make_window, tmp_path):
    data = paths.user_dirs().data
    path = recovery_path(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("document.json", json.dumps({"format": 1, "size": 5, "layers": "abc"}))
    store = JobStore(data / "jobs.sqlite")

    def work(job):
        yield None

    job = Job(
        "Train x",
        work,
        kind="train",
        spec={
            "type": "train",
            "variant": "dcgan",
            "data": "procedural:faces",
            "out": str(tmp_path / "run"),
        },
    )
    job.status, job.fraction = JobStatus.RUNNING, 0.37
    store.record(job)
    asked: list[str] = []
    window = make_window()
    told = _told(window)
    window.ask = lambda title, text: asked.append(text) or title == "Recover work"
    window.startup_checks()
    assert any(t == "Recovery failed" and "could not open" in m for t, m in told)
    assert any("interrupted at 37%" in q for q in asked)  # the real progress, not 0 %
    assert find_recovery(data) is None  # set aside, not offered again


def test_recovery_then_a_second_crash_keeps_the_layers(make_window):
    data = paths.user_dirs().data
    doc = Document((8, 8))
    doc.add_layer(Image.new("RGB", (8, 8), (0, 200, 0)), "keep me")
    autosave(doc, data)
    first = make_window()
    first.startup_checks()  # answers yes to "recover?", then "crashes"
    assert [layer.name for layer in first.document.layers] == ["keep me"]
    second = make_window()
    second.startup_checks()
    assert [layer.name for layer in second.document.layers] == ["keep me"]


def test_progress_reaches_the_store_while_a_job_runs(qtbot, make_window):
    window = make_window()
    seen: list[float | None] = []
    store_progress = window.store.progress
    window.store.progress = lambda job: seen.append(job.fraction) or store_progress(job)

    def work(job):
        from ganstudio.core.specs import Progress

        yield Progress(fraction=0.5, message="half")
        go.wait(10)

    go = threading.Event()
    job = Job("Half", work, kind="batch", spec={"type": "batch"})
    window.runner.submit(job)
    qtbot.waitUntil(lambda: bool(seen), timeout=10000)
    go.set()
    qtbot.waitUntil(lambda: job.status.finished, timeout=10000)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=5000)
    assert 0.5 in seen
