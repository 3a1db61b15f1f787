"""The Qt-free document: layers, undo groups, bounded history, project files."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from PIL import Image

from ganstudio.core.document import (
    Document,
    ProjectError,
    autosave,
    discard_recovery,
    find_recovery,
    resample_layers,
    uniform_scale,
)


def solid(color: tuple[int, int, int, int], size: tuple[int, int] = (8, 8)) -> Image.Image:
    return Image.new("RGBA", size, color)


def test_first_layer_sets_canvas_size_and_composite_stacks_visible_layers() -> None:
    doc = Document()
    doc.add_layer(solid((255, 0, 0, 255), (16, 8)), "red")
    doc.add_layer(solid((0, 0, 255, 255), (4, 4)), "blue", offset=(2, 2))
    assert doc.size == (16, 8)
    out = doc.composite()
    assert out.getpixel((0, 0)) == (255, 0, 0, 255)
    assert out.getpixel((3, 3)) == (0, 0, 255, 255)
    doc.set_layer(1, visible=False)
    assert doc.composite().getpixel((3, 3)) == (255, 0, 0, 255)


def test_opacity_blends_over_lower_layer() -> None:
    doc = Document((4, 4))
    doc.add_layer(solid((0, 0, 0, 255), (4, 4)))
    doc.add_layer(solid((255, 255, 255, 255), (4, 4)), opacity=0.5)
    r, g, b, a = doc.composite().getpixel((1, 1))
    assert 120 <= r <= 135 and a == 255


def test_undo_redo_restore_every_change_and_redo_clears_on_new_edit() -> None:
    doc = Document((8, 8))
    doc.add_layer(solid((1, 2, 3, 255)), "a")
    doc.set_layer(0, name="renamed", opacity=0.3)
    assert doc.layer(0).name == "renamed"
    assert doc.undo()  # both properties in one step
    assert doc.layer(0).name == "a" and doc.layer(0).opacity == 1.0
    assert doc.redo()
    assert doc.layer(0).opacity == 0.3
    doc.undo()
    doc.undo()
    assert len(doc) == 0 and not doc.can_undo
    doc.redo()
    doc.add_layer(solid((0, 0, 0, 255)), "b")
    assert not doc.can_redo


def test_group_makes_one_undo_step() -> None:
    doc = Document((8, 8))
    with doc.group("Apply"):
        doc.add_layer(solid((9, 9, 9, 255)), "generated")
        doc.set_layer(0, offset=(1, 1))
        doc.move_layer(0, 0)  # no-op is not recorded
    assert doc.undo_title == "Apply"
    doc.undo()
    assert len(doc) == 0
    doc.redo()
    assert doc.layer(0).offset == (1, 1)


def test_remove_and_move_layers_undo() -> None:
    doc = Document((8, 8))
    for name in "abc":
        doc.add_layer(solid((0, 0, 0, 255)), name)
    doc.move_layer(0, 2)
    assert [layer.name for layer in doc.layers] == ["b", "c", "a"]
    doc.remove_layer(1)
    assert [layer.name for layer in doc.layers] == ["b", "a"]
    doc.undo()
    doc.undo()
    assert [layer.name for layer in doc.layers] == ["a", "b", "c"]


def test_history_is_bounded_by_memory() -> None:
    one = 64 * 64 * 4
    doc = Document((64, 64), max_history_bytes=3 * one)
    for i in range(6):
        doc.add_layer(solid((i, 0, 0, 255), (64, 64)), f"l{i}")
    assert doc.history_bytes <= 3 * one
    undone = 0
    while doc.undo():
        undone += 1
    assert undone == 3 and len(doc) == 3  # the oldest steps were dropped, not the layers


def test_listeners_hear_changes() -> None:
    doc = Document((8, 8))
    seen: list[str] = []
    doc.connect(lambda e: seen.append(e.kind))
    doc.add_layer(solid((0, 0, 0, 255)))
    doc.set_layer(0, visible=False)
    assert "layers" in seen and "layer" in seen and "history" in seen


def test_project_round_trip_keeps_layers_provenance_and_latents(tmp_path) -> None:
    doc = Document((8, 8))
    doc.add_layer(solid((10, 20, 30, 255)), "photo")
    prov = {"app": "GAN Studio", "action": "generate", "params": {"seed": 7}}
    z = np.arange(6, dtype=np.float32).reshape(1, 6)
    doc.add_layer(
        solid((1, 2, 3, 128)), "gen", opacity=0.5, offset=(1, 2), provenance=prov, latents={"z": z}
    )
    path = doc.save(tmp_path / "p.gsproj")
    assert zipfile.is_zipfile(path)
    back = Document.load(path)
    assert [layer.name for layer in back.layers] == ["photo", "gen"]
    gen = back.layer(1)
    assert gen.provenance == prov and gen.opacity == 0.5 and gen.offset == (1, 2)
    np.testing.assert_array_equal(gen.latents["z"], z)
    assert back.layer(0).image.getpixel((0, 0)) == (10, 20, 30, 255)


def test_damaged_project_is_a_clear_error(tmp_path) -> None:
    bad = tmp_path / "bad.gsproj"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ProjectError, match="not a readable"):
        Document.load(bad)


def test_autosave_and_recovery_detection(tmp_path) -> None:
    assert find_recovery(tmp_path) is None
    doc = Document((8, 8))
    doc.add_layer(solid((5, 5, 5, 255)))
    autosave(doc, tmp_path)
    found = find_recovery(tmp_path)
    assert found is not None and len(Document.load(found)) == 1
    discard_recovery(tmp_path)
    assert find_recovery(tmp_path) is None


def test_scaling_resamples_every_layer_and_undoes_in_one_step() -> None:
    doc = Document()
    photo = Image.new("RGB", (40, 30), (200, 40, 40))
    sticker = Image.new("RGBA", (10, 6), (0, 0, 255, 128))
    doc.add_layer(photo, "photo")
    doc.add_layer(sticker, "sticker", offset=(5, 7))
    heard: list[str] = []
    doc.connect(lambda ev: heard.append(ev.kind))
    doc.scale(2)
    assert doc.size == (80, 60)
    assert doc.layer(0).size == (80, 60) and doc.layer(1).size == (20, 12)
    assert doc.layer(1).offset == (10, 14)  # the composition stays aligned
    assert doc.layer(1).image.getpixel((10, 6)) == (0, 0, 255, 128)  # alpha kept, not darkened
    assert "reset" in heard  # the canvas re-reads the size
    assert doc.undo()
    assert doc.size == (40, 30) and doc.layer(1).offset == (5, 7)
    assert doc.layer(0).image.tobytes() == photo.convert("RGBA").tobytes()
    assert doc.redo() and doc.size == (80, 60)
    with pytest.raises(ValueError):
        doc.scale(0)


def test_layers_resampled_ahead_are_used_unless_they_changed_since() -> None:
    doc = Document()
    doc.add_layer(Image.new("RGB", (20, 10), "red"), "a")
    doc.add_layer(Image.new("RGB", (4, 4), "blue"), "b", offset=(2, 3))
    ahead = resample_layers(doc.layer_snapshot(), 3, 3)  # as a worker thread would
    doc.set_layer(1, image=Image.new("RGB", (4, 4), "green"))  # edited meanwhile
    doc.scale(3, resampled=ahead)
    assert doc.layer(0).image is ahead[doc.layer(0).id][1]
    assert doc.layer(1).image is not ahead[doc.layer(1).id][1]
    assert doc.layer(1).image.getpixel((5, 5))[:3] == (0, 128, 0)  # the edit, scaled
    assert doc.layer(1).offset == (6, 9) and doc.size == (60, 30)


@pytest.mark.parametrize(
    "source, result, factor",
    [
        ((40, 30), (80, 60), (2.0, 2.0)),
        ((41, 31), (62, 46), (62 / 41, 46 / 31)),  # ×1.5 with rounding is still one scale
        ((40, 30), (40, 30), None),  # an edit
        ((40, 30), (20, 30), None),  # another shape: placed as it is
    ],
)
def test_uniform_scale_recognises_upscaled_results(source, result, factor) -> None:
    assert uniform_scale(source, result) == factor
