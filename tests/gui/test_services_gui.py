"""The GUI and the CLI go through the same services: same provenance, model-less actions
without a model, Stop that keeps a projection's best result so far."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt

from ganstudio import plugins
from ganstudio.cli import main
from ganstudio.core.imaging import read_provenance
from ganstudio.core.jobs import JobStatus
from ganstudio.core.model_files import BUNDLED_DIR

MODELLESS = """
from ganstudio.core.specs import Action, ActionResult, IntParam
GANSTUDIO_API = 1
__version__ = "2.0"

def _blank(model, params, inputs):
    from PIL import Image
    assert model is None, "a model-less action never receives a model"
    return ActionResult(images=[Image.new("RGB", (8, 8), (params["level"],) * 3)])

def ganstudio_actions():
    return [Action("blank", "Blank", _blank, params=(IntParam("level", 9, min=0, max=255),))]
"""


def apply(qtbot, window, action_id: str, values: dict) -> None:
    panel = window.actions_panel
    assert panel.select_action(action_id)
    qtbot.waitUntil(lambda: panel.form is not None, timeout=20000)
    panel.form.set_values(values)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20000)
    before = len(window.document)
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.document) == before + 1, timeout=60000)


def test_gui_and_cli_record_the_same_provenance(
    qtbot, window, home_model, pick_model, tmp_path
) -> None:
    window.models.refresh()
    pick_model(window, home_model)
    apply(qtbot, window, "generate", {"seed": 7})
    gui = dict(window.document.layer(0).provenance)
    assert gui["model"].pop("path") == str(home_model)  # the GUI's own note, for Edit again
    out = tmp_path / "cli.png"
    assert (
        main(["run", "generate", "--model", str(home_model), "--param", "seed=7", "-o", str(out)])
        == 0
    )
    cli = read_provenance(out)
    assert gui == cli
    assert cli["plugin"]["name"] == "dcgan" and cli["plugin"]["version"]


@pytest.fixture
def modelless_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "mless.py").write_text(MODELLESS, encoding="utf-8")
    monkeypatch.setenv("GANSTUDIO_PLUGIN_PATH", str(folder))
    return plugins.discover()  # (not purged after: the session registry's plugins stay)


def test_a_model_less_action_runs_without_the_picked_model(
    qtbot, modelless_registry, home_model, pick_model, tmp_path, monkeypatch
) -> None:
    from ganstudio.gui.app import make_app
    from ganstudio.gui.main_window import MainWindow

    make_app([])
    monkeypatch.setattr(MainWindow, "ask_save", lambda self, t, q: "discard")
    window = MainWindow(modelless_registry)
    qtbot.addWidget(window)
    window.show()
    try:
        panel = window.actions_panel
        assert panel.model_file is None and panel.select_action("blank")  # offered with none
        window.models.refresh()
        pick_model(window, home_model)
        apply(qtbot, window, "blank", {"level": 40})
        prov = window.document.layer(0).provenance
        assert prov["model"] is None  # not the model picked in the browser
        assert prov["plugin"] == {"name": "mless", "version": "2.0"}
        out = tmp_path / "cli.png"
        plugins.set_registry(modelless_registry)
        assert (
            main(
                ["run", "blank", "--model", str(home_model), "--param", "level=40", "-o", str(out)]
            )
            == 0
        )
        assert read_provenance(out) == prov  # the CLI drops the model too
    finally:
        plugins.set_registry(None)
        window.runner.shutdown()
        window.close()


def test_stop_keeps_a_projection_as_a_layer_to_edit(qtbot, window, pick_model) -> None:
    demo = BUNDLED_DIR / "stylegan-faces-32.safetensors"
    if not demo.is_file():
        pytest.skip("no bundled StyleGAN demo")
    window.add_image(Image.new("RGB", (48, 48), (180, 140, 120)), "photo")
    window.models.refresh()
    pick_model(window, demo)
    panel = window.actions_panel
    assert panel.select_action("project")
    qtbot.waitUntil(lambda: panel.form is not None, timeout=20000)
    panel.form.set_values({"steps": 400, "align": "none"})
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(j.kind == "action" for j in window.runner.jobs), timeout=20000)
    job = next(j for j in window.runner.jobs if j.kind == "action")
    qtbot.waitUntil(lambda: (job.fraction or 0) > 0.1, timeout=60000)
    window.jobs.tree.setCurrentItem(window.jobs._items[job.id])
    assert window.jobs.stop_button.isEnabled()  # a projection keeps something when stopped
    qtbot.mouseClick(window.jobs.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.document) == 2, timeout=60000)
    assert job.status == JobStatus.STOPPED
    layer = window.document.layer(1)
    assert "ws" in layer.latents and "photo_align" in layer.latents  # editable further
    assert layer.provenance["info"]["stopped_early"] and layer.size == (48, 48)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20000)
