"""Stores on disk survive damage: the job list, temporaries, atomic writes (issue #12)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ganstudio.core.atomic import atomic_path, atomic_write_text, is_temp_name, remove_stale_temps
from ganstudio.core.jobs import Job, JobStatus, JobStore


def _job(title: str = "Train x", spec: dict | None = None) -> Job:
    def work(job):
        yield None

    return Job(title, work, kind="train", spec=spec or {"type": "train", "out": "runs/x"})


def _store_with_jobs(path: Path, n: int = 40) -> None:
    """A store of several pages, written in one transaction (fast)."""
    JobStore(path)
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO jobs VALUES (?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    f"id{i}",
                    f"job {i} " + "x" * 200,
                    "train",
                    '{"type": "train"}',
                    "running",
                    0.5,
                    "",
                    "",
                    float(i),
                    float(i),
                )
                for i in range(n)
            ],
        )


# --------------------------------------------------------------------------- job store


@pytest.mark.parametrize(
    "damage", ["garbage", "truncated", "zeroed-first-page", "zeroed-page", "folder"]
)
def test_damaged_job_store_is_set_aside_and_the_queue_starts_empty(tmp_path, damage):
    path = tmp_path / "jobs.sqlite"
    if damage == "folder":
        path.mkdir()
        (path / "x").write_text("x")
    elif damage == "garbage":
        path.write_bytes(os.urandom(3000))
    else:
        _store_with_jobs(path)
        data = bytearray(path.read_bytes())
        page = 4096
        if damage == "truncated":
            data = data[: len(data) // 2 + 100]
        elif damage == "zeroed-first-page":
            data[:page] = bytes(page)
        else:
            data[page : 2 * page] = bytes(page)
        path.write_bytes(bytes(data))
    store = JobStore(path)
    assert store.available
    assert len(store.notices) == 1 and "set aside as jobs.sqlite.damaged-" in store.notices[0]
    assert store.unfinished() == []
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("jobs.sqlite.damaged-")]
    assert len(aside) == 1
    # the fresh store works, and says nothing on the next start
    store.record(_job())
    again = JobStore(path)
    assert again.notices == [] and len(again.unfinished()) == 1


def test_locked_job_store_is_waited_for_then_reported(tmp_path):
    path = tmp_path / "jobs.sqlite"
    _store_with_jobs(path, 1)
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        store = JobStore(path, busy_timeout_s=0.1)
        assert not store.available
        assert len(store.notices) == 1 and "locked" in store.notices[0]
        store.record(_job())  # nothing raises while it stays locked
        assert store.unfinished() == []
    finally:
        holder.rollback()
        holder.close()
    assert path.is_file() and not list(tmp_path.glob("*.damaged-*"))  # locked is not damaged
    assert len(JobStore(path).unfinished()) == 1


@pytest.mark.parametrize("spec_text", ["{not json", "[1, 2]", '"abc"', '{"out": 1}', "null"])
def test_a_job_with_a_bad_spec_is_skipped_and_reported_once(tmp_path, spec_text):
    path = tmp_path / "jobs.sqlite"
    store = JobStore(path)
    good = _job("good")
    store.record(good)
    bad = _job("bad")
    store.record(bad)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE jobs SET spec=? WHERE id=?", (spec_text, bad.id))
    items = store.unfinished()
    assert [i["title"] for i in items] == ["good"]
    assert len(store.notices) == 1 and "'bad'" in store.notices[0]
    reopened = JobStore(path)
    assert [i["title"] for i in reopened.unfinished()] == ["good"] and reopened.notices == []


def test_interrupted_job_keeps_its_real_progress(tmp_path):
    path = tmp_path / "jobs.sqlite"
    store = JobStore(path)
    job = _job()
    job.status = JobStatus.RUNNING
    store.record(job)
    job.fraction, job.message = 0.42, "step 42/100"
    assert store.progress(job, every_s=0)
    # the app is killed here: the next start reads what was stored
    (item,) = JobStore(path).unfinished()
    assert item["fraction"] == pytest.approx(0.42) and item["message"] == "step 42/100"


def test_progress_writes_are_throttled(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite")
    job = _job()
    store.record(job)
    job.fraction = 0.1
    assert not store.progress(job, every_s=3600)  # just recorded: not again so soon


# --------------------------------------------------------------------------- atomic writes


def test_a_name_at_the_file_system_limit_is_written(tmp_path):
    target = tmp_path / ("n" * 240 + ".png")
    assert len(target.name) == 244
    atomic_write_text(target, "ok")
    assert target.read_text() == "ok"
    assert os.listdir(tmp_path) == [target.name]


def test_a_name_of_multibyte_characters_at_the_limit_is_written(tmp_path):
    target = tmp_path / ("é" * 125 + ".json")  # 250 + 5 bytes
    atomic_write_text(target, "ok")
    assert target.read_text() == "ok"


def test_temporary_names_are_recognised_and_user_names_are_not(tmp_path):
    with atomic_path(tmp_path / "photo.png") as tmp:
        assert is_temp_name(tmp.name)
    for name in ("photo.png", "photo.part.png", ".hidden.png", "a.part", ".x.part.png"):
        assert not is_temp_name(name)


_KILLED_WRITER = """
import os, sys
from ganstudio.core.atomic import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    tmp.write_bytes(b"half")
    os._exit(9)  # killed mid-write: the temporary stays behind
"""

_LIVE_WRITER = """
import sys, time
from ganstudio.core.atomic import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    tmp.write_bytes(b"busy")
    print("writing", flush=True)
    sys.stdin.readline()
"""


def _python(code: str, *args: str, **kw):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, text=True, **kw)


def test_stale_temporaries_of_a_killed_process_are_removed(tmp_path):
    keep = tmp_path / ".notes.txt"
    keep.write_text("user file")
    (tmp_path / "photo.part.png").write_text("user file")
    _python(_KILLED_WRITER, str(tmp_path / "out.png")).wait()
    left = [p for p in tmp_path.iterdir() if is_temp_name(p.name)]
    assert len(left) == 1
    old = time.time() - 3600  # the next run starts after the kill
    os.utime(left[0], (old, old))
    removed = remove_stale_temps(tmp_path)
    assert removed == left and not left[0].exists()
    assert keep.exists() and (tmp_path / "photo.part.png").exists()


@pytest.mark.skipif(os.name == "nt", reason="POSIX lock semantics")
def test_a_temporary_another_process_is_writing_is_kept(tmp_path):
    proc = _python(
        _LIVE_WRITER, str(tmp_path / "out.png"), stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert proc.stdout.readline().strip() == "writing"
        (tmp,) = [p for p in tmp_path.iterdir() if is_temp_name(p.name)]
        old = time.time() - 3600  # older than this process, like a kill -9 leftover
        os.utime(tmp, (old, old))
        assert remove_stale_temps(tmp_path) == []
        assert tmp.exists()
    finally:
        proc.stdin.write("\n")
        proc.stdin.close()
        proc.wait()
    assert (tmp_path / "out.png").read_bytes() == b"busy"


def test_the_job_store_spec_is_json(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite")
    store.record(_job(spec={"type": "batch", "in_dir": "a"}))
    assert json.dumps(store.unfinished()[0]["spec"]) == '{"type": "batch", "in_dir": "a"}'


def test_a_running_job_stores_its_progress_from_the_worker(tmp_path):
    from ganstudio.core.specs import Progress

    store = JobStore(tmp_path / "jobs.sqlite")
    seen = []

    def work(job):
        yield Progress(fraction=0.25, message="a quarter")
        seen.extend(JobStore(store.path).unfinished())  # what a crash here would leave
        yield Progress(fraction=0.5)

    job = Job("Batch", work, kind="batch", spec={"type": "batch"})
    job.status = JobStatus.RUNNING
    store.record(job)
    job.progress_sink = lambda j: store.progress(j, every_s=0)
    job.run()
    assert seen[0]["fraction"] == 0.25 and seen[0]["message"] == "a quarter"


def test_run_writes_an_output_whose_name_is_244_characters(tmp_path, capsys):
    from ganstudio.cli import main

    target = tmp_path / ("g" * 240 + ".png")
    code = main(
        [
            "run",
            "generate",
            "--model",
            "stylegan-faces-32",
            "-o",
            str(target),
            "--no-progress",
            "--device",
            "cpu",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert target.is_file() and [p.name for p in tmp_path.iterdir()] == [target.name]
