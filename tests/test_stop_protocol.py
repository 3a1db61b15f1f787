"""One stop protocol: ``request_stop`` keeps the item in hand, ``cancel`` discards it.

Actions, batch and projection through the services, as the GUI's jobs drive them
(the Trainer's side is in test_training.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganstudio.core.batch import BatchOptions, BatchRunner
from ganstudio.core.jobs import Job, JobStatus, StopSignal
from ganstudio.core.specs import Action, ActionResult, IntParam, Progress, StopRequested
from ganstudio.services.actions import ActionRequest, ActionRun, iterate_request, run_request
from ganstudio.services.models import ModelCache

DEMO = Path(__file__).resolve().parents[1] / "resources/models/stylegan-faces-32.safetensors"


def _count(model, params, inputs):
    """A model-less generator action: one image whose grey level is the steps done."""
    done = 0
    try:
        for done in range(1, params["steps"] + 1):
            yield Progress(done, params["steps"], fraction=done / params["steps"])
    except StopRequested:
        pass
    return ActionResult([Image.new("L", (4, 4), done)], info={"steps_done": done})


def counting(stoppable: bool) -> Action:
    return Action(
        "count", "Count", _count, params=(IntParam("steps", 10, 1, 100),), stoppable=stoppable
    )


def job_for(cache: ModelCache, request: ActionRequest, stop_at: int, how: str) -> Job:
    stoppable = request.action.stoppable
    job = Job("count", lambda j: iterate_request(cache, request, j.control), stoppable=stoppable)
    for event in job.events():
        if event.step == stop_at:
            getattr(job, how)()
    return job


def test_a_stoppable_action_returns_what_it_has_when_asked_to_stop(registry) -> None:
    cache = ModelCache(registry, "cpu")
    job = job_for(cache, ActionRequest(None, counting(True), {"steps": 10}), 3, "request_stop")
    assert job.status == JobStatus.STOPPED
    run: ActionRun = job.result
    assert run.stopped and run.output.result.info["steps_done"] == 3
    assert run.images[0].getpixel((0, 0)) == 3


def test_an_action_that_is_one_item_finishes_on_a_stop_request(registry) -> None:
    cache = ModelCache(registry, "cpu")
    job = job_for(cache, ActionRequest(None, counting(False), {"steps": 10}), 3, "request_stop")
    assert job.status == JobStatus.DONE and not job.result.stopped
    assert job.result.output.result.info["steps_done"] == 10  # it was never interrupted


def test_cancel_discards_the_result(registry) -> None:
    cache = ModelCache(registry, "cpu")
    job = job_for(cache, ActionRequest(None, counting(True), {"steps": 10}), 3, "cancel")
    assert job.status == JobStatus.CANCELLED and job.result is None


def test_a_model_less_action_runs_without_the_model_it_was_handed(registry) -> None:
    """The GUI hands the picked model's path along; the service drops it: the provenance
    names no model, exactly as `ganstudio run` without --model."""
    cache = ModelCache(registry, "cpu")
    action = counting(False)
    picked = run_request(cache, ActionRequest(DEMO, action, {"steps": 2}))
    none = run_request(cache, ActionRequest(None, action, {"steps": 2}))
    assert picked.provenance["model"] is None
    assert picked.provenance == none.provenance
    assert cache.loaded(DEMO) is None  # the model was not even loaded


# --------------------------------------------------------------------------- batch


def _slow_invert(model, params, inputs):
    for i in range(4):
        yield Progress(i, 4, fraction=i / 4, message="working")
    return ActionResult([Image.eval(inputs["image"], lambda v: 255 - v)])


SLOW = Action("slow-invert", "Invert", _slow_invert, input_kind="image", batchable=True)


def _batch_until(tmp_path: Path, how: str) -> tuple[object, list[str]]:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for i in range(6):
        Image.new("RGB", (8, 8), (i * 10, 0, 0)).save(src / f"{i}.png")
    control = StopSignal()
    runner = BatchRunner(SLOW, None, src, out, {}, BatchOptions(), writers=1, control=control)
    gen = runner.run()
    try:
        while True:
            event = next(gen)
            working = event.data.get("status") == "working"
            if working and event.data["file"].endswith("1.png"):  # mid second file
                getattr(control, how)()
    except StopIteration as stop:
        report = stop.value
    except Exception as exc:  # a cancel ends the run with Cancelled
        report = exc
    return report, sorted(p.name for p in out.glob("*.png"))


def test_a_stop_request_finishes_the_batch_file_in_hand(tmp_path: Path) -> None:
    report, written = _batch_until(tmp_path, "request_stop")
    assert written == ["0.png", "1.png"]  # the second file was finished and written
    assert report.stopped and len(report.not_started) == 4


def test_a_cancel_drops_the_batch_file_in_hand(tmp_path: Path) -> None:
    from ganstudio.core.jobs import Cancelled

    report, written = _batch_until(tmp_path, "cancel")
    assert isinstance(report, Cancelled)
    assert "1.png" not in written and set(written) <= {"0.png"}  # the file in hand is dropped
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")] == []
    saved = (tmp_path / "out" / "batch-report.json").read_text()
    assert '"stopped": true' in saved


# --------------------------------------------------------------------------- projection


@pytest.mark.skipif(not DEMO.is_file(), reason="no bundled StyleGAN demo")
def test_stopping_a_projection_keeps_the_best_latent_so_far(registry) -> None:
    from ganstudio.core.photo import photo_alignment

    cache = ModelCache(registry, "cpu")
    model = cache.get(DEMO)
    project = registry.action_for("project", model.capabilities, model.variant_id)
    assert project.stoppable
    photo = Image.new("RGB", (48, 48), (180, 140, 120))
    params = {"steps": 20, "align": "none", "pivotal_tuning": True}
    request = ActionRequest(DEMO, project, params, {"image": photo}, commit=True)
    job = Job("project", lambda j: iterate_request(cache, request, j.control), stoppable=True)
    seen = []
    for event in job.events():
        seen.append(event)
        if event.step == 15:  # in W+, past the start of the quiet end
            job.request_stop()
    assert job.status == JobStatus.STOPPED and seen[-1].step == 15
    run: ActionRun = job.result
    info = run.output.result.info
    assert run.stopped and info["stopped_early"] and info["steps_done"] < 20
    assert "psnr_pivotal_tuning" not in info  # nothing runs after the stop
    latents = run.output.result.latents
    np.testing.assert_array_equal(latents["ws"], seen[-1].data["ws"])  # the best so far
    assert photo_alignment(latents) is not None  # a projected layer: it can be edited on
    assert run.images[0].size == photo.size
    edit = registry.action_for("attributes", model.capabilities, model.variant_id)
    layer = {"p": {**latents, "image": run.images[0]}}  # as the GUI hands a layer over
    edited = run_request(cache, ActionRequest(DEMO, edit, {"source": "p"}, layer_latents=layer))
    assert edited.images[0].size == photo.size


# --------------------------------------------------------------------------- the CLI

STOPPABLE_PLUGIN = """
import os, signal
from PIL import Image
from ganstudio.core.specs import Action, ActionResult, Progress, StopRequested
GANSTUDIO_API = 1

def _count(model, params, inputs):
    done = 0
    try:
        for done in range(1, 50):
            if done == 3:
                os.kill(os.getpid(), signal.SIGINT)  # the user presses Ctrl-C
            yield Progress(done, 50, fraction=done / 50)
    except StopRequested:
        pass
    return ActionResult([Image.new("L", (4, 4), done)])

def ganstudio_actions():
    return [Action("count-to-50", "Count", _count, stoppable=True)]
"""


def test_the_first_ctrl_c_writes_a_stoppable_actions_best_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ganstudio import plugins
    from ganstudio.cli import main

    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "stopper.py").write_text(STOPPABLE_PLUGIN, encoding="utf-8")
    monkeypatch.setenv("GANSTUDIO_PLUGIN_PATH", str(folder))
    plugins.set_registry(None)
    try:
        out = tmp_path / "o.png"
        assert main(["run", "count-to-50", "-o", str(out), "--no-progress"]) == 130
    finally:
        plugins.set_registry(None)
    with Image.open(out) as im:
        assert im.getpixel((0, 0)) == 3  # stopped at the third step, and written
