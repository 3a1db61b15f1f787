"""The document side of the editor tools: strokes, masks, blend modes, crop, canvas size."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from ganstudio.core.document import Document, ProjectError
from ganstudio.core.paint import Brush, Stroke


def solid(color, size=(16, 8)) -> Image.Image:
    return Image.new("RGBA", size, color)


def stroke_on(doc: Document, index: int, points, target="image", **brush) -> None:
    layer = doc.layer(index)
    pixels = np.array(layer.image if target == "image" else layer.mask)
    mode = "value" if target == "mask" else brush.pop("mode", "paint")
    stroke = Stroke(pixels, Brush(**{"hardness": 1.0, **brush}), mode, value=0)
    for x, y in points:
        stroke.add_point(x, y)
    doc.apply_patch(index, stroke.finish(), stroke.pixels, target)


def test_a_stroke_is_one_undo_step_that_keeps_only_its_box() -> None:
    doc = Document()
    doc.add_layer(solid((255, 255, 255, 255), (400, 300)), "paper")
    stroke_on(doc, 0, [(10, 10), (30, 12), (40, 20)], size=6, color=(255, 0, 0))
    assert doc.layer(0).image.getpixel((30, 12)) == (255, 0, 0, 255)
    step = doc._undo[-1]
    assert step.title == "Brush stroke"
    assert step.nbytes < 400 * 300 * 4 / 20  # a small box, not the whole layer
    assert doc.undo()
    assert doc.layer(0).image.getpixel((30, 12)) == (255, 255, 255, 255)
    assert doc.redo()
    assert doc.layer(0).image.getpixel((30, 12)) == (255, 0, 0, 255)


def test_mask_hides_what_is_painted_out_in_composite_and_apply_bakes_it() -> None:
    doc = Document((16, 8))
    doc.add_layer(solid((0, 0, 255, 255)), "below")
    doc.add_layer(solid((255, 0, 0, 255)), "result")
    doc.add_mask(1)
    assert doc.composite().getpixel((4, 4)) == (255, 0, 0, 255)  # a white mask shows all
    stroke_on(doc, 1, [(4, 4)], target="mask", size=4)
    assert doc.composite().getpixel((4, 4)) == (0, 0, 255, 255)  # painted out: below shows
    assert doc.composite().getpixel((12, 4)) == (255, 0, 0, 255)
    doc.apply_layer_mask(1)
    assert doc.layer(1).mask is None and doc.layer(1).image.getpixel((4, 4))[3] == 0
    doc.undo()
    assert doc.layer(1).mask is not None and doc.layer(1).image.getpixel((4, 4))[3] == 255
    doc.remove_mask(1)
    assert doc.composite().getpixel((4, 4)) == (255, 0, 0, 255)
    doc.undo()
    doc.undo()  # the mask stroke
    doc.undo()  # add mask
    assert doc.layer(1).mask is None


def test_hide_all_mask_lets_a_result_be_painted_in() -> None:
    doc = Document((16, 8))
    doc.add_layer(solid((0, 0, 255, 255)), "below")
    doc.add_layer(solid((255, 0, 0, 255)), "result")
    doc.add_mask(1, reveal=False)
    assert doc.composite().getpixel((4, 4)) == (0, 0, 255, 255)
    layer = doc.layer(1)
    stroke = Stroke(np.array(layer.mask), Brush(size=4, hardness=1.0), "value", value=255)
    stroke.add_point(4, 4)
    doc.apply_patch(1, stroke.finish(), stroke.pixels, "mask")
    assert doc.composite().getpixel((4, 4)) == (255, 0, 0, 255)


def test_blend_mode_changes_the_composite_and_is_undoable() -> None:
    doc = Document((16, 8))
    doc.add_layer(solid((200, 200, 200, 255)), "below")
    doc.add_layer(solid((128, 128, 128, 255)), "top")
    doc.set_layer(1, blend="multiply")
    r = doc.composite().getpixel((1, 1))[0]
    assert abs(r - round(200 * 128 / 255)) <= 1
    doc.set_layer(1, blend="screen")
    assert doc.composite().getpixel((1, 1))[0] > 200
    doc.undo()
    doc.undo()
    assert doc.composite().getpixel((1, 1))[0] == 128
    with pytest.raises(ValueError):
        doc.set_layer(1, blend="dodge")


def test_masks_blend_modes_and_roles_survive_save_and_load(tmp_path) -> None:
    doc = Document((16, 8))
    doc.add_layer(solid((200, 200, 200, 255)), "below")
    doc.add_layer(solid((255, 0, 0, 255)), "top", blend="overlay", role="sketch")
    doc.add_mask(1)
    stroke_on(doc, 1, [(4, 4)], target="mask", size=4)
    path = doc.save(tmp_path / "p.gsproj")
    back = Document.load(path)
    assert back.layer(1).blend == "overlay" and back.layer(1).role == "sketch"
    assert back.layer(1).mask.getpixel((4, 4)) == 0 and back.layer(1).mask.getpixel((12, 4)) == 255
    assert back.composite().tobytes() == doc.composite().tobytes()
    assert back.find_role("sketch") == 1 and back.find_role("nothing") == -1


def test_plain_documents_stay_format_1_and_older_files_still_open(tmp_path) -> None:
    doc = Document((8, 8))
    doc.add_layer(solid((1, 2, 3, 255), (8, 8)), "a")
    path = doc.save(tmp_path / "plain.gsproj")
    with zipfile.ZipFile(path) as zf:
        meta = json.loads(zf.read("document.json"))
    assert meta["format"] == 1 and "mask" not in meta["layers"][0]
    # a file written before masks existed: no mask, blend or role keys at all
    old = tmp_path / "old.gsproj"
    buf = io.BytesIO()
    solid((9, 9, 9, 255), (8, 8)).save(buf, format="PNG")
    with zipfile.ZipFile(old, "w") as zf:
        zf.writestr(
            "document.json",
            json.dumps(
                {
                    "format": 1,
                    "size": [8, 8],
                    "active": 0,
                    "layers": [
                        {
                            "name": "x",
                            "visible": True,
                            "opacity": 1.0,
                            "offset": [0, 0],
                            "file": "layers/000.png",
                        }
                    ],
                }
            ),
        )
        zf.writestr("layers/000.png", buf.getvalue())
    back = Document.load(old)
    assert back.layer(0).mask is None and back.layer(0).blend == "normal"


def test_a_project_with_an_unknown_blend_mode_is_refused_clearly(tmp_path) -> None:
    doc = Document((8, 8))
    doc.add_layer(solid((1, 2, 3, 255), (8, 8)), "a", blend="screen")
    path = doc.save(tmp_path / "p.gsproj")
    with zipfile.ZipFile(path) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    meta = json.loads(files["document.json"])
    meta["layers"][0]["blend"] = "dodge"
    files["document.json"] = json.dumps(meta).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in files.items():
            zf.writestr(n, data)
    with pytest.raises(ProjectError, match="blend"):
        Document.load(path)


def test_crop_trims_layers_to_the_region_and_undo_restores_them() -> None:
    doc = Document((16, 8))
    base = Image.new("RGBA", (16, 8))
    base.putpixel((5, 3), (255, 0, 0, 255))
    doc.add_layer(base, "base")
    doc.add_layer(solid((0, 255, 0, 255), (4, 4)), "small", offset=(12, 4))
    doc.add_mask(0)
    doc.crop((4, 2, 10, 6))
    assert doc.size == (6, 4)
    assert doc.layer(0).size == (6, 4) and doc.layer(0).mask.size == (6, 4)
    assert doc.composite().getpixel((1, 1)) == (255, 0, 0, 255)
    assert doc.layer(1).size == (1, 1)  # wholly outside: an empty pixel
    doc.undo()
    assert doc.size == (16, 8) and doc.layer(0).size == (16, 8)
    assert doc.layer(1).offset == (12, 4) and doc.layer(1).size == (4, 4)
    with pytest.raises(ValueError):
        doc.crop((3, 3, 3, 3))


@pytest.mark.parametrize(
    ("anchor", "offset"),
    [
        ("top-left", (0, 0)),
        ("center", (2, 4)),
        ("bottom-right", (4, 8)),
        ("right", (4, 4)),
    ],
)
def test_canvas_size_places_the_old_page_at_its_anchor(anchor, offset) -> None:
    doc = Document((16, 8))
    doc.add_layer(solid((255, 0, 0, 255)), "a")
    doc.resize_canvas(20, 16, anchor)
    assert doc.size == (20, 16) and doc.layer(0).offset == offset
    assert doc.composite().getpixel(offset) == (255, 0, 0, 255)
    doc.undo()
    assert doc.size == (16, 8) and doc.layer(0).offset == (0, 0)
    with pytest.raises(ValueError):
        doc.resize_canvas(20, 16, "middle")


def test_shrinking_the_canvas_keeps_pixels_so_growing_it_back_shows_them() -> None:
    doc = Document((16, 8))
    doc.add_layer(solid((255, 0, 0, 255)), "a")
    doc.resize_canvas(8, 8, "top-left")
    assert doc.composite().size == (8, 8)
    doc.resize_canvas(16, 8, "top-left")
    assert doc.composite().getpixel((15, 4)) == (255, 0, 0, 255)


def test_upscaling_the_canvas_resizes_masks_with_their_layers() -> None:
    doc = Document((16, 8))
    doc.add_layer(solid((255, 0, 0, 255)), "a")
    doc.add_mask(0)
    doc.scale(2)
    assert doc.layer(0).size == (32, 16) and doc.layer(0).mask.size == (32, 16)
    doc.undo()
    assert doc.layer(0).mask.size == (16, 8)


def test_a_project_whose_mask_file_is_missing_is_refused_clearly(tmp_path) -> None:
    doc = Document((8, 8))
    doc.add_layer(solid((1, 2, 3, 255), (8, 8)), "a")
    doc.add_mask(0)
    path = doc.save(tmp_path / "p.gsproj")
    with zipfile.ZipFile(path) as zf:
        files = {n: zf.read(n) for n in zf.namelist() if not n.startswith("masks/")}
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in files.items():
            zf.writestr(n, data)
    with pytest.raises(ProjectError, match="could not open .*masks/000.png is missing"):
        Document.load(path)
