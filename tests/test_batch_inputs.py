"""Hostile batch inputs and resumed runs (issue #12, items 5, 6 and 19): only regular
files are read, sizes are checked first, every odd entry is reported and the batch goes
on; --resume redoes what changed; an earlier run's temporaries are cleaned up."""

from __future__ import annotations

import json
import os
import time

import pytest
from PIL import Image

from ganstudio.core.atomic import is_temp_name
from ganstudio.core.batch import BatchOptions, BatchRunner, InputError, read_input
from tests.test_batch import MIRROR, image, make_model, run_all, runner_for, write_images

posix_only = pytest.mark.skipif(os.name == "nt", reason="FIFOs, /dev and symlinks")


@posix_only
def test_fifos_devices_link_loops_and_huge_files_are_skipped_and_reported(tmp_path):
    src, dst = tmp_path / "in", tmp_path / "out"
    write_images(src, ["good.png"])
    (src / "zero.png").symlink_to("/dev/zero")
    (src / "random.png").symlink_to("/dev/urandom")
    os.mkfifo(src / "pipe.png")
    with open(src / "huge.png", "wb") as fh:  # 40 GB, sparse: nothing is really written
        fh.truncate(40 * 2**30)
    (src / "loop1.png").symlink_to(src / "loop2.png")
    (src / "loop2.png").symlink_to(src / "loop1.png")
    report, _ = run_all(runner_for(src, dst))
    failed = {p.name: reason for p, reason in report.failed}
    assert [p.name for p in report.done] == ["good.png"]
    assert set(failed) == {
        "zero.png",
        "random.png",
        "pipe.png",
        "huge.png",
        "loop1.png",
        "loop2.png",
    }
    assert "character device" in failed["zero.png"] and "FIFO" in failed["pipe.png"]
    assert "40.0 GB, over the input limit" in failed["huge.png"]
    assert "--max-input-mb" in failed["huge.png"]
    assert "link loop" in failed["loop1.png"]
    saved = json.loads((dst / "batch-report.json").read_text())
    assert saved["counts"] == {"done": 1, "skipped": 0, "failed": 6, "not_started": 0}


def test_the_size_limit_can_be_raised(tmp_path):
    src, dst = tmp_path / "in", tmp_path / "out"
    write_images(src, ["a.png"])
    size = (src / "a.png").stat().st_size
    report, _ = run_all(runner_for(src, dst, max_input_bytes=size - 1))
    assert "over the input limit" in report.failed[0][1]
    report, _ = run_all(runner_for(src, dst, max_input_bytes=size))
    assert [p.name for p in report.done] == ["a.png"]


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_the_pixel_limit_can_be_set(tmp_path):
    src, dst = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    image(40, 30).save(src / "a.png")
    report, _ = run_all(runner_for(src, dst, max_pixels=1000))
    assert "1200 pixels, limit 1000" in report.failed[0][1]
    report, _ = run_all(runner_for(src, dst, max_pixels=1200))
    assert report.ok and len(report.done) == 1


@posix_only
def test_run_input_refuses_a_fifo_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "in.png")
    with pytest.raises(InputError, match="FIFO"):
        read_input(tmp_path / "in.png")


# --------------------------------------------------------------------------- resume


def test_resume_redoes_outputs_whose_input_params_or_model_changed(tmp_path):
    src, dst = tmp_path / "in", tmp_path / "out"
    write_images(src, ["a.png", "b.png", "c.png"])
    assert len(run_all(runner_for(src, dst))[0].done) == 3
    image(seed=99).save(src / "b.png")  # the input changed
    report, _ = run_all(runner_for(src, dst, resume=True))
    assert [p.name for p in report.skipped] == ["a.png", "c.png"]
    assert [(p.name, r) for p, r in report.redone] == [("b.png", "the input changed")]
    with Image.open(dst / "b.png") as out, Image.open(src / "b.png") as new:
        assert out.transpose(Image.Transpose.FLIP_LEFT_RIGHT).tobytes() == new.tobytes()

    # other params: everything is redone
    runner = BatchRunner(MIRROR, make_model(), src, dst, {"flip": False}, BatchOptions(resume=True))
    report, _ = run_all(runner)
    assert len(report.done) == 3 and {r for _, r in report.redone} == {"the params changed"}

    # another model (same variant, other weights): everything is redone
    model = make_model()
    model.sha256 = "f" * 64
    report, _ = run_all(
        BatchRunner(MIRROR, model, src, dst, {"flip": False}, BatchOptions(resume=True))
    )
    assert {r for _, r in report.redone} == {"the model changed"}


def test_resume_redoes_an_output_without_provenance(tmp_path):
    src, dst = tmp_path / "in", tmp_path / "out"
    write_images(src, ["a.png"])
    dst.mkdir()
    image(seed=5).save(dst / "a.png")  # made elsewhere
    report, _ = run_all(runner_for(src, dst, resume=True))
    assert [r for _, r in report.redone] == ["the existing output records no provenance"]


# --------------------------------------------------------------------------- temporaries


def test_temporaries_of_a_killed_run_are_removed_on_the_next_run(tmp_path):
    src, dst = tmp_path / "in", tmp_path / "out"
    write_images(src, ["a.png", "sub/b.png"])
    (dst / "sub").mkdir(parents=True)
    stale = [dst / ".a.k3j4h5g6.part.png", dst / "sub" / ".b.zzzzzzzz.part.png"]
    old = time.time() - 3600
    for path in stale:
        path.write_bytes(b"half an image")
        os.utime(path, (old, old))
    mine = dst / "notes.part.png"  # not our pattern: kept
    mine.write_bytes(b"user file")
    report, _ = run_all(runner_for(src, dst, recursive=True))
    assert report.ok and report.stale_temps_removed == 2
    assert not any(is_temp_name(p.name) for p in dst.rglob("*")) and mine.exists()


@posix_only
def test_a_training_folder_with_a_fifo_does_not_block(tmp_path):
    from ganstudio.core.data.folder import check_image

    os.mkfifo(tmp_path / "pipe.png")
    assert check_image(tmp_path / "pipe.png") == "not a regular file; only files are read"
