"""A clip from Animate is one playable layer: play, scrub, speed, save/load, undo, export."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt

TINY = {"resolution": 16, "width": 8, "content_dim": 8, "motion_dim": 4, "frames": 4}


@pytest.fixture(scope="module")
def clip_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny temporal model trained one step (a second)."""
    from ganstudio import plugins
    from ganstudio.testing import train_steps_with

    run = tmp_path_factory.mktemp("clip") / "run"
    train_steps_with(plugins.discover(safe_mode=True), "temporal", run, steps=1, overrides=TINY)
    return run / "checkpoints" / "latest.safetensors"


def _apply_animate(qtbot, window, isolated_home: Path, clip_model: Path, frames: int = 6) -> None:
    dest = isolated_home / "models" / "clip.safetensors"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(clip_model, dest)
    window.models.refresh()
    item = window.models.item_for(dest)
    window.models.tree.scrollToItem(item)  # more plugins: it may be below
    rect = window.models.tree.visualItemRect(item)
    qtbot.mouseClick(window.models.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.cache.loaded(dest) is not None, timeout=20000)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20000)
    panel = window.actions_panel
    assert panel.select_action("animate")
    panel.form.editors["frames"].editor.setValue(frames)
    panel.form.editors["seed"].editor.setValue(3)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20000)
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.document) == 1, timeout=20000)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20000)


def test_animate_applies_one_playable_layer_that_plays_and_scrubs(
    qtbot, window, isolated_home, clip_model, tmp_path
) -> None:
    _apply_animate(qtbot, window, isolated_home, clip_model)
    doc, bar = window.document, window.playback
    layer = doc.layer(0)
    assert len(layer.frames) == 6 and layer.size == (16, 16)  # one layer, not a strip
    assert layer.provenance["action"] == "animate"
    assert bar.play_button.isEnabled() and bar.scrubber.maximum() == 5
    distinct = {f.tobytes() for f in layer.frames}
    assert len(distinct) > 1
    # play: the timer moves the frames on, and the canvas shows them
    qtbot.mouseClick(bar.play_button, Qt.MouseButton.LeftButton)
    assert bar.playing
    qtbot.waitUntil(lambda: doc.layer(0).frame >= 2, timeout=5000)
    qtbot.mouseClick(bar.play_button, Qt.MouseButton.LeftButton)
    assert not bar.playing
    # the scrubber sets the frame; the label follows
    bar.scrubber.setValue(4)
    assert doc.layer(0).frame == 4 and bar.frame_label.text() == "5 / 6"
    assert doc.composite().tobytes() == layer.frames[4].tobytes()
    assert window.canvas._items[0].pixmap().toImage().pixel(0, 0) == _argb(layer.frames[4])
    # the speed is a layer property: undoable, saved
    bar.fps.setValue(15)
    assert doc.layer(0).fps == 15
    doc.undo()
    assert doc.layer(0).fps == 8 and bar.fps.value() == 8
    # export from the GUI: a GIF of every frame
    out = bar.export(tmp_path / "clip.gif")
    with Image.open(out) as im:
        assert im.n_frames == 6 or im.n_frames == len(distinct) > 1  # GIF merges equal frames
    # save and open again: the frames come back and still play
    path = tmp_path / "clip.gsproj"
    window.save_project_to(path)
    assert window.open_path(path)
    again = window.document
    assert window.playback.document is again
    assert len(again.layer(0).frames) == 6 and again.layer(0).frame == 4
    bar.scrubber.setValue(1)
    assert again.layer(0).frame == 1
    # painting over the shown frame makes it a still: playback stops rather than lose it
    again.set_layer(0, image=Image.new("RGBA", (16, 16), (255, 0, 0, 255)))
    assert not bar.play_button.isEnabled() and "edited" in bar.note.text()
    bar.set_playing(True)
    assert not bar.playing
    # undo of the Apply removes the layer; the bar has nothing to play
    window.set_document(doc)
    doc.undo()
    assert len(doc) == 0 and not bar.play_button.isEnabled()


def _argb(image: Image.Image) -> int:
    r, g, b, a = image.getpixel((0, 0))
    return (a << 24) | (r << 16) | (g << 8) | b
