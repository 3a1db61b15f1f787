"""Playable layers in the Qt-free document: frames, playback, undo, projects, hostile files."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from ganstudio.core.document import Document, ProjectError


def _frames(n: int = 4, size: int = 8) -> list[Image.Image]:
    return [Image.new("RGBA", (size, size), (40 * k, 100, 200 - 30 * k, 255)) for k in range(n)]


def _doc_with_clip(n: int = 4) -> Document:
    doc = Document((8, 8))
    frames = _frames(n)
    doc.add_layer(frames[0], "Animate", frames=frames, fps=12)
    return doc


def test_show_frame_is_playback_not_an_edit() -> None:
    doc = _doc_with_clip()
    doc.dirty = False
    seen = []
    doc.connect(lambda e: seen.append(e.kind))
    assert doc.show_frame(0, 2)
    assert doc.layer(0).frame == 2 and doc.composite().getpixel((0, 0))[0] == 80
    assert doc.show_frame(0, 5)  # wraps round: 5 mod 4
    assert doc.layer(0).frame == 1
    assert seen == ["layer", "layer"] and not doc.dirty
    assert doc.undo_title == "Add layer"  # playback left no undo step
    doc.undo()
    assert len(doc) == 0  # undo removes the playable layer, frames and all


def test_an_edited_frame_stops_playback_rather_than_losing_the_edit() -> None:
    doc = _doc_with_clip()
    doc.set_layer(0, image=Image.new("RGBA", (8, 8), (1, 2, 3, 255)))
    assert not doc.layer(0).playable
    assert not doc.show_frame(0, 1)
    assert doc.layer(0).image.getpixel((0, 0)) == (1, 2, 3, 255)
    doc.undo()  # the shown frame back as it was made: it plays again
    assert doc.layer(0).playable and doc.show_frame(0, 1)


def test_project_keeps_the_frames(tmp_path: Path) -> None:
    doc = _doc_with_clip(5)
    doc.show_frame(0, 3)
    doc.set_layer(0, fps=24)
    path = doc.save(tmp_path / "clip.gsproj")
    again = Document.load(path)
    layer = again.layer(0)
    assert len(layer.frames) == 5 and layer.frame == 3 and layer.fps == 24
    assert [f.tobytes() for f in layer.frames] == [f.tobytes() for f in doc.layer(0).frames]
    assert layer.playable and again.show_frame(0, 4)
    meta = json.loads(zipfile.ZipFile(path).read("document.json"))
    assert meta["format"] == 3
    still = Document((8, 8))
    still.add_layer(_frames(1)[0])
    assert (
        json.loads(zipfile.ZipFile(still.save(tmp_path / "s.gsproj")).read("document.json"))[
            "format"
        ]
        == 1
    )  # older versions still open projects without clips


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"frames": "frames/000_000.png"}, "not a list of file names"),
        ({"fps": 0}, "'fps'"),
        ({"fps": "fast"}, "'fps'"),
        ({"frame": 9}, "'frame'"),
        ({"frames": ["nowhere.png"]}, "nowhere.png is missing"),
        ({"frames": [f"f{k}.png" for k in range(2000)]}, "at most"),
    ],
)
def test_hostile_frames_are_one_line(tmp_path: Path, change: dict, reason: str) -> None:
    path = _doc_with_clip(2).save(tmp_path / "clip.gsproj")
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    meta = json.loads(members["document.json"])
    meta["layers"][0].update(change)
    members["document.json"] = json.dumps(meta).encode()
    bad = tmp_path / "bad.gsproj"
    with zipfile.ZipFile(bad, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ProjectError, match=reason):
        Document.load(bad)


def test_frames_of_other_sizes_are_refused(tmp_path: Path) -> None:
    path = _doc_with_clip(2).save(tmp_path / "clip.gsproj")
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    import io

    buf = io.BytesIO()
    Image.new("RGBA", (9, 8)).save(buf, format="PNG")
    members["frames/000_001.png"] = buf.getvalue()
    bad = tmp_path / "bad.gsproj"
    with zipfile.ZipFile(bad, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ProjectError, match="one size"):
        Document.load(bad)
