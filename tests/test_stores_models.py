"""Rewriting a model file (issue #12 item 16, issue #11 services): two fits at once both
keep their directions; a bundled demo is never rewritten, from the CLI or the GUI."""

from __future__ import annotations

import threading

import pytest
import torch

from ganstudio.core import checkpoints
from ganstudio.core.model_files import BUNDLED_DIR
from ganstudio.errors import UserError
from ganstudio.services.models import store_tensors


def test_two_fits_at_once_both_keep_their_directions(tmp_path, monkeypatch):
    model = tmp_path / "m.safetensors"
    checkpoints.save_model(model, {"G.w": torch.zeros(2)}, {"variant": "x", "config": {}})
    real_load = checkpoints.load_model_file
    inside = threading.Event()
    second_came = threading.Event()
    calls = 0
    lock = threading.Lock()

    def slow_load(path):
        nonlocal calls
        with lock:
            calls += 1
            first = calls == 1
        if not first:
            second_came.set()
        read = real_load(path)
        if first:  # hold what it read until the other fit has read too (if it can)
            inside.set()
            second_came.wait(0.5)
        return read

    monkeypatch.setattr(checkpoints, "load_model_file", slow_load)
    a = threading.Thread(target=store_tensors, args=(model, {"directions.smile": torch.ones(2)}))
    a.start()
    inside.wait(5)
    store_tensors(model, {"directions.age": torch.ones(2)})
    a.join()
    names = set(checkpoints.tensor_names(model))
    assert {"G.w", "directions.smile", "directions.age"} <= names


def test_a_bundled_demo_is_not_rewritten_in_place(tmp_path):
    bundled = sorted(BUNDLED_DIR.glob("*.safetensors"))[0]
    before = bundled.stat().st_mtime_ns
    with pytest.raises(UserError, match="bundled demo and is not rewritten"):
        store_tensors(bundled, {"directions.x": torch.ones(2)})
    assert bundled.stat().st_mtime_ns == before
    copy = store_tensors(bundled, {"directions.x": torch.ones(2)}, tmp_path / "c.safetensors")
    assert "directions.x" in checkpoints.tensor_names(copy)


def test_the_gui_fit_of_a_bundled_demo_writes_a_copy_in_the_models_folder(registry, isolated_home):
    """The GUI has no -o to ask for: the fit goes into a copy in the user's models folder
    (selected there), and nothing under resources/ changes."""
    from ganstudio.core.specs import Action, ActionResult
    from ganstudio.gui.tasks import ActionRequest, ModelCache, action_job

    bundled = sorted(BUNDLED_DIR.glob("*.safetensors"))[0]
    before = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in BUNDLED_DIR.iterdir()}

    def fit(model, params, inputs):
        return ActionResult([], tensors={"directions.x": torch.ones(2)})

    action = Action("fake-fit", "Fit", fit, output_kind="model")
    cache = ModelCache(registry, "cpu")
    job = action_job(cache, ActionRequest(bundled, action, {}))
    job.run()
    assert job.status.value == "done", job.error
    stored = job.result.stored
    assert stored.parent == isolated_home / "models" and stored.stem == bundled.stem
    assert "directions.x" in checkpoints.tensor_names(stored)
    assert {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in BUNDLED_DIR.iterdir()} == before


def test_the_cli_fit_refuses_a_bundled_demo_before_any_work(registry, capsys):
    from ganstudio.cli import main

    bundled = sorted(BUNDLED_DIR.glob("stylegan*.safetensors"))[0]
    assert main(["directions", "fit", "--model", str(bundled)]) == 2
    assert "bundled demo and is not rewritten" in capsys.readouterr().err
