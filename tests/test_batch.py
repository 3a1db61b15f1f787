"""BatchRunner: nothing lost, bad files reported, resumable, shardable, stoppable."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageOps

from ganstudio.commands.batch import _drive
from ganstudio.core.batch import (
    BatchError,
    BatchOptions,
    BatchRunner,
    output_names,
    report_name,
    shard_from_env,
    shard_of,
)
from ganstudio.core.imaging import read_provenance
from ganstudio.core.models import LoadedModel
from ganstudio.core.specs import Action, ActionResult, BoolParam, Progress, Variant

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _mirror(model, params, inputs):
    image = inputs["image"]
    model.calls.append(image.mode)
    return ActionResult([ImageOps.mirror(image) if params["flip"] else image.copy()])


MIRROR = Action(
    "mirror",
    "Mirror",
    _mirror,
    params=(BoolParam("flip", True),),
    input_kind="image",
    batchable=True,
)


class _Model(LoadedModel):
    calls: list[str]


def make_model() -> LoadedModel:
    variant = Variant("tiny", "Tiny", object, lambda cfg: {})
    model = _Model(path=None, variant=variant, variant_id="tiny", config=None, modules={})
    model.calls = []
    return model


def image(w: int = 24, h: int = 16, mode: str = "RGB", seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8), "RGB").convert(mode)


def write_images(folder: Path, names: list[str]) -> None:
    for i, name in enumerate(names):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        image(seed=i).save(path)


def digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def batch_threads() -> list[threading.Thread]:
    """The pipeline's reader/writer threads still alive (other tests' threads don't count)."""
    return [t for t in threading.enumerate() if t.name.startswith("batch-")]


def run_all(runner: BatchRunner):
    gen = runner.run()
    events = []
    try:
        while True:
            events.append(next(gen))
    except StopIteration as stop:
        return stop.value, events


def runner_for(src: Path, dst: Path, **options) -> BatchRunner:
    return BatchRunner(MIRROR, make_model(), src, dst, {}, BatchOptions(**options))


def leftovers(folder: Path) -> list[str]:
    """Temporary files an interrupted atomic write would leave behind."""
    return [p.name for p in folder.rglob("*") if p.name.startswith(".") or ".part" in p.name]


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_bad_inputs_are_reported_and_the_batch_goes_on(tmp_path, monkeypatch):
    src, dst = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    good = image(32, 24)
    good.save(src / "good.png", icc_profile=SRGB)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    image(30, 20).save(src / "phone.jpg", exif=exif, icc_profile=SRGB)
    image().convert("CMYK").save(src / "scan.jpg")
    pal = image().convert("P")
    pal.save(src / "palette.png", transparency=0)
    Image.fromarray((np.arange(16 * 24).reshape(16, 24) * 150).astype(np.uint16)).save(
        src / "deep.png"
    )
    image().save(src / "café ☕ 猫.png")
    (src / "empty.png").write_bytes(b"")
    buf = io.BytesIO()
    image(30, 30).save(buf, format="PNG")
    (src / "truncated.png").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    (src / "notes.jpg").write_text("this is not a picture")
    image(64, 64).save(src / "bomb.png")  # > 2× the limit set below: Pillow refuses to open
    image(40, 40).save(src / "bomb2.png")  # over the limit, under 2×: our own check
    image().save(src / "locked.png")
    before = digest(src)

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    real_open = os.open

    def os_open(path, flags, *args, **kw):
        if Path(path).name == "locked.png":  # tests run as root: chmod 000 would not stop it
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(os, "open", os_open)
    runner = runner_for(src, dst)
    report, events = run_all(runner)

    failed = {p.name: reason for p, reason in report.failed}
    assert sorted(p.name for p in report.done) == sorted(
        ["good.png", "phone.jpg", "scan.jpg", "palette.png", "deep.png", "café ☕ 猫.png"]
    )
    assert set(failed) == {
        "empty.png",
        "truncated.png",
        "notes.jpg",
        "bomb.png",
        "bomb2.png",
        "locked.png",
    }
    assert "empty" in failed["empty.png"]
    assert "truncated" in failed["truncated.png"] or "corrupt" in failed["truncated.png"]
    assert "not a readable image" in failed["notes.jpg"]
    assert "too large" in failed["bomb.png"] and "too large" in failed["bomb2.png"]
    assert "Permission denied" in failed["locked.png"]
    assert not report.ok and len(events) == 12
    assert events[-1].fraction == 1.0
    monkeypatch.undo()
    assert before == digest(src)  # inputs untouched

    # EXIF orientation applied, ICC profile kept, provenance names the source
    with Image.open(dst / "phone.jpg") as out:
        assert out.size == (20, 30)
        assert out.info.get("icc_profile") == SRGB
    with Image.open(dst / "good.png") as out:
        assert out.info.get("icc_profile") == SRGB
        assert np.array_equal(np.asarray(out), np.asarray(ImageOps.mirror(good)))
    prov = read_provenance(dst / "café ☕ 猫.png")
    assert prov["action"] == "mirror" and prov["info"]["source"]["file"] == "café ☕ 猫.png"
    assert Image.open(dst / "scan.jpg").mode == "RGB"
    assert Image.open(dst / "palette.png").mode == "RGBA"
    assert Image.open(dst / "deep.png").mode.startswith("I")  # 16-bit kept in PNG

    saved = json.loads((dst / "batch-report.json").read_text())
    assert {Path(f["file"]).name: f["reason"] for f in saved["failed"]} == failed
    assert saved["counts"] == {"done": 6, "skipped": 0, "failed": 6, "not_started": 0}


def test_a_crash_mid_write_leaves_no_partial_file(tmp_path, monkeypatch):
    src, dst = tmp_path / "in", tmp_path / "out"
    write_images(src, ["a.png", "b.png", "c.png"])
    real_save = Image.Image.save

    def crashing_save(self, fp, format=None, **kw):
        if ".b." in Path(fp).name:
            Path(fp).write_bytes(b"\x89PNG\r\n\x1a\n half an image")
            raise OSError(28, "No space left on device")
        return real_save(self, fp, format, **kw)

    monkeypatch.setattr(Image.Image, "save", crashing_save)
    report, _ = run_all(runner_for(src, dst))
    assert [p.name for p, _ in report.failed] == ["b.png"]
    assert "No space left" in report.failed[0][1]
    assert sorted(p.name for p in dst.iterdir()) == ["a.png", "batch-report.json", "c.png"]


def test_resume_skips_complete_outputs_and_redoes_the_rest(tmp_path):
    src, dst = tmp_path / "in", tmp_path / "out"
    write_images(src, ["a.png", "b.png", "c.png", "d.png"])
    first, _ = run_all(runner_for(src, dst))
    assert len(first.done) == 4
    (dst / "b.png").unlink()
    (dst / "c.png").write_bytes(b"garbage from somewhere else")
    untouched = (dst / "a.png").stat().st_mtime_ns
    report, _ = run_all(runner_for(src, dst, resume=True))
    assert sorted(p.name for p in report.done) == ["b.png", "c.png"]
    assert sorted(p.name for p in report.skipped) == ["a.png", "d.png"]
    assert (dst / "a.png").stat().st_mtime_ns == untouched
    with Image.open(dst / "c.png") as im:
        im.load()
    again, _ = run_all(runner_for(src, dst))  # without resume, everything is redone
    assert len(again.done) == 4


def test_subfolders_are_mirrored_and_out_dir_inside_in_dir_is_not_rescanned(tmp_path):
    src = tmp_path / "in"
    write_images(src, ["top.png", "a/one.png", "a/b/two.jpg", ".hidden/x.png"])
    flat, _ = run_all(runner_for(src, tmp_path / "flat"))
    assert [p.name for p in flat.done] == ["top.png"]
    dst = src / "results"
    for _ in range(2):
        report, _ = run_all(runner_for(src, dst, recursive=True))
        assert sorted(p.relative_to(src).as_posix() for p in report.done) == [
            "a/b/two.jpg",
            "a/one.png",
            "top.png",
        ]
    assert (dst / "a" / "b" / "two.jpg").is_file() and (dst / "a" / "one.png").is_file()


def test_pattern_selects_files(tmp_path):
    src = tmp_path / "in"
    write_images(src, ["cat_1.png", "dog_1.png", "cats/cat_2.png"])
    report, _ = run_all(runner_for(src, tmp_path / "o", recursive=True, pattern="cat*.png"))
    assert sorted(p.name for p in report.done) == ["cat_1.png", "cat_2.png"]


def test_folders_that_would_overwrite_inputs_are_refused(tmp_path):
    src = tmp_path / "in"
    write_images(src, ["a.png"])
    with pytest.raises(BatchError, match="differ"):
        runner_for(src, src)
    with pytest.raises(BatchError, match="contains the input"):
        runner_for(src, tmp_path)
    with pytest.raises(BatchError, match="no images"):
        run_all(runner_for(src, tmp_path / "o", pattern="*.webp"))
    stamp = Action("stamp", "Stamp", _mirror, input_kind="none", batchable=True)
    with pytest.raises(BatchError, match="cannot run in a batch"):
        BatchRunner(stamp, make_model(), src, tmp_path / "o", {}, BatchOptions())


def test_output_names_never_collide():
    rels = ["a.png", "a.jpg", "a.tif", "b.jpeg", "sub/a.bmp", "sub/a.png", "a.jpg.png"]
    as_png = output_names(rels, "png")
    assert as_png["a.png"] == "a.png" and as_png["b.jpeg"] == "b.png"
    assert as_png["a.jpg"] == "a.jpg-2.png"  # a.jpg.png is an input's own name
    assert as_png["a.tif"] == "a.tif.png" and as_png["sub/a.bmp"] == "sub/a.bmp.png"
    kept = output_names(rels, None)
    assert kept["a.jpg"] == "a.jpg" and kept["b.jpeg"] == "b.jpeg" and kept["a.tif"] == "a.tif.png"
    for names in (as_png, kept, output_names(["X.png", "x.png", "x.PNG"], None)):
        lowered = [n.lower() for n in names.values()]
        assert len(set(lowered)) == len(lowered)


def test_collisions_end_to_end(tmp_path):
    src, dst = tmp_path / "in", tmp_path / "out"
    write_images(src, ["a.png", "a.jpg", "a.webp"])
    report, _ = run_all(runner_for(src, dst, fmt="png"))
    assert len(report.done) == 3
    sources = {p.name: read_provenance(p)["info"]["source"]["file"] for p in dst.glob("*.png")}
    assert sources == {"a.png": "a.png", "a.jpg.png": "a.jpg", "a.webp.png": "a.webp"}


def test_shards_are_disjoint_and_complete(tmp_path):
    src = tmp_path / "in"
    names = [f"d{i % 3}/img_{i:02d}.png" for i in range(30)]
    write_images(src, names)
    shares = [
        {j.rel for j in runner_for(src, tmp_path / "o", recursive=True, shard=(i, 3)).plan()}
        for i in range(3)
    ]
    assert set().union(*shares) == set(names)
    assert sum(len(s) for s in shares) == len(names)
    assert all(shares)
    assert shard_of("d0/img_00.png", 3) == shard_of("d0/img_00.png", 3)
    assert shard_from_env({"RANK": "2", "WORLD_SIZE": "4"}) == (2, 4)
    assert shard_from_env({}) is None
    assert report_name((2, 4)) == "batch-report.rank-2.json"
    report, _ = run_all(runner_for(src, tmp_path / "o", recursive=True, shard=(1, 3)))
    assert (tmp_path / "o" / "batch-report.rank-1.json").is_file()
    assert {p.relative_to(src).as_posix() for p in report.done} == shares[1]


def test_stop_after_current_finishes_cleanly(tmp_path):
    src, dst = tmp_path / "in", tmp_path / "out"
    write_images(src, [f"img_{i:02d}.png" for i in range(20)])
    runner = runner_for(src, dst)
    gen = runner.run()
    next(gen)
    runner.stop_after_current()
    report, _ = run_all_from(gen)
    assert report.stopped and not report.ok and report.not_started
    assert len(report.done) == len(runner.model.calls)  # everything computed was written
    assert len(report.done) + len(report.not_started) == 20
    assert sorted(p.name for p in dst.glob("*.png")) == sorted(p.name for p in report.done)
    assert not leftovers(dst)
    resumed, _ = run_all(runner_for(src, dst, resume=True))
    assert len(resumed.skipped) == len(report.done) and resumed.ok


def run_all_from(gen):
    try:
        while True:
            next(gen)
    except StopIteration as stop:
        return stop.value, None


def test_closing_the_generator_stops_its_threads(tmp_path):
    src, dst = tmp_path / "in", tmp_path / "out"
    write_images(src, [f"img_{i:02d}.png" for i in range(12)])
    gen = runner_for(src, dst).run()
    next(gen)
    assert batch_threads()
    gen.close()
    assert not batch_threads()
    assert not leftovers(dst)
    run_all(runner_for(src, dst))
    assert not batch_threads()


def _interrupting(times: int):
    """An action that presses Ctrl-C ``times`` times while the model runs on the 2nd file."""

    def run(model, params, inputs):
        model.calls.append(inputs["image"].mode)
        if len(model.calls) == 2:
            for _ in range(times):  # the handler runs between the two presses
                os.kill(os.getpid(), signal.SIGINT)
        return ActionResult([inputs["image"].copy()])

    return Action("interrupt", "Interrupt", run, input_kind="image", batchable=True)


def test_ctrl_c_stops_after_the_current_file(tmp_path, capsys):
    src, dst = tmp_path / "in", tmp_path / "out"
    write_images(src, [f"img_{i:02d}.png" for i in range(20)])
    runner = BatchRunner(_interrupting(1), make_model(), src, dst, {}, BatchOptions())
    report = _drive(runner, show_bar=False)
    assert report.stopped and report.not_started
    assert len(report.done) == len(runner.model.calls) >= 2
    assert "stopping after the current file" in capsys.readouterr().err
    assert not leftovers(dst)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_second_ctrl_c_aborts_and_leaves_the_folder_clean(tmp_path):
    src, dst = tmp_path / "in", tmp_path / "out"
    write_images(src, [f"img_{i:02d}.png" for i in range(20)])
    runner = BatchRunner(_interrupting(2), make_model(), src, dst, {}, BatchOptions())
    with pytest.raises(KeyboardInterrupt):
        _drive(runner, show_bar=False)
    assert not batch_threads()
    assert not leftovers(dst)
    for out in dst.glob("*.png"):
        with Image.open(out) as im:
            im.load()  # whatever was written is complete


def test_model_runs_on_the_cores_the_writers_leave_free(tmp_path: Path) -> None:
    """The model gets its thread budget during the batch; the caller's setting comes back."""
    import torch

    src = tmp_path / "in"
    write_images(src, ["a.png", "b.png"])
    seen: list[int] = []

    def record(model, params, inputs):
        seen.append(torch.get_num_threads())
        return ActionResult([inputs["image"].copy()])

    action = Action("record", "Record", record, input_kind="image", batchable=True)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        runner = BatchRunner(
            action,
            make_model(),
            src,
            tmp_path / "out",
            {},
            BatchOptions(),
            writers=1,
            model_threads=1,
        )
        report, _ = run_all(runner)
        assert report.ok and seen == [1, 1]
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def _tiled(closed: list[str]):
    """An action that reports four steps per image, like tiled super-resolution."""

    def run(model, params, inputs):
        model.calls.append(inputs["image"].mode)
        try:
            for i in range(4):
                yield Progress(i + 1, 4, f"tile {i + 1}/4", fraction=(i + 1) / 4)
            return ActionResult([inputs["image"].copy()])
        finally:
            closed.append("closed")

    return Action("tiled", "Tiled", run, input_kind="image", batchable=True)


def test_progress_inside_a_large_file_and_cancel_between_its_steps(tmp_path):
    src, dst = tmp_path / "in", tmp_path / "out"
    write_images(src, ["a.png", "b.png", "c.png"])
    closed: list[str] = []
    report, events = run_all(
        BatchRunner(_tiled(closed), make_model(), src, dst, {}, BatchOptions())
    )
    assert report.ok and len(report.done) == 3
    working = [e for e in events if e.data["status"] == "working"]
    assert [e.message for e in working[:4]] == [f"a.png: tile {i}/4" for i in range(1, 5)]
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0  # never goes back
    assert working[1].fraction == pytest.approx(2 / 4 / 3)  # half of the first of three files
    # closing mid-file stops at the action's next step: that file is not written
    closed.clear()
    model = make_model()
    gen = BatchRunner(_tiled(closed), model, src, tmp_path / "out2", {}, BatchOptions()).run()
    event = next(gen)
    assert event.data["status"] == "working" and event.message == "a.png: tile 1/4"
    gen.close()
    assert closed == ["closed"] and len(model.calls) == 1
    assert not batch_threads()
    assert not list((tmp_path / "out2").glob("*.png"))
