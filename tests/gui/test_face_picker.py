"""A photo with several faces: the artist clicks the face to edit instead of typing an index."""

from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton

from ganstudio.gui.face_picker import OUTLINE_TAG, FacePicker


@pytest.fixture
def two_faces() -> Image.Image:
    """scikit-image's astronaut twice, the second smaller (the detector finds both)."""
    from skimage import data

    astronaut = Image.fromarray(data.astronaut())
    photo = Image.new("RGB", (900, 512), (128, 128, 128))
    photo.paste(astronaut, (0, 0))
    photo.paste(astronaut.resize((330, 330)), (560, 90))
    return photo


def outlines_on(window) -> list:
    return [i for i in window.canvas.scene().items() if i.data(0) == OUTLINE_TAG]


def click_scene(qtbot, window, x: float, y: float) -> None:
    view = window.canvas
    pos = view.mapFromScene(x, y)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_clicking_an_outlined_face_sets_which_face_is_projected(
    qtbot, window, two_faces, use_model
):
    window.document.add_layer(two_faces, "photo", offset=(40, 30))
    window.document.set_active(0)
    window.canvas.fit()
    form = use_model(window, "stylegan-faces-32.safetensors", "project")
    face = form.editors["face"]
    assert face.editor.text() == "Largest"
    tool_before = window.canvas.tool

    pick = face.findChild(QToolButton, "pick_face")
    assert pick is not None, "a FaceParam shows a pick button"
    pick.click()
    picker: FacePicker = window.face_picker
    assert picker.active and len(picker.boxes) == 2
    assert len(outlines_on(window)) == 4  # two boxes, two numbers
    assert "2 face(s) found" in window.statusBar().currentMessage()
    # the outlines sit on the photo where it is on the page, the largest first
    big, small = picker.boxes
    assert big.width() > small.width()
    assert big.left() >= 40 and small.left() >= 40 + 560 - 20

    click_scene(qtbot, window, 5, 5)  # outside every face: nothing is picked yet
    assert picker.active and face.value() == -1
    click_scene(qtbot, window, small.center().x(), small.center().y())
    assert face.value() == 1
    assert not picker.active and window.canvas.tool is tool_before
    outlines = outlines_on(window)
    assert not outlines, "the outlines are gone once a face is picked"


def test_escape_gives_up_and_keeps_the_value(qtbot, window, two_faces, use_model):
    window.document.add_layer(two_faces, "photo")
    form = use_model(window, "stylegan-faces-32.safetensors", "project")
    face = form.editors["face"]
    face.set_value(0)
    window.face_picker.start(face)
    assert window.face_picker.active
    window.face_picker.cancel()
    assert not window.face_picker.active and face.value() == 0
    assert not outlines_on(window)


def test_a_photo_without_faces_says_so(qtbot, window, use_model):
    window.document.add_layer(Image.new("RGB", (200, 160), (90, 120, 200)), "sky")
    form = use_model(window, "stylegan-faces-32.safetensors", "project")
    window.face_picker.start(form.editors["face"])
    assert not window.face_picker.active
    assert "No face found" in window.statusBar().currentMessage()
