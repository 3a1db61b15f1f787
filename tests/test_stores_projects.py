"""Damaged or hostile projects and autosaves: "could not open: reason", never a crash;
a recovered autosave survives a second crash (issue #12, items 3 and 15)."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib

import numpy as np
import pytest
from PIL import Image

from ganstudio.core.document import (
    Document,
    ProjectError,
    autosave,
    find_recovery,
    open_recovery,
    recovery_path,
)


def _png(w: int = 4, h: int = 4) -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", (w, h), (1, 2, 3, 255)).save(buf, "PNG")
    return buf.getvalue()


def _bomb_png(w: int, h: int) -> bytes:
    """A tiny PNG that declares w×h pixels (its data is a few bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def _layer(**changes) -> dict:
    return {
        "id": "a",
        "name": "L",
        "visible": True,
        "opacity": 1.0,
        "offset": [0, 0],
        "file": "layers/000.png",
        "provenance": None,
        "latents": {},
        **changes,
    }


def _project(path, meta, members=None) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("document.json", meta if isinstance(meta, str) else json.dumps(meta))
        for name, data in (members if members is not None else {"layers/000.png": _png()}).items():
            zf.writestr(name, data)


DEEP = "[" * 200_000 + "]" * 200_000

CASES = {
    "size-is-a-number": ({"format": 1, "size": 5, "layers": []}, "size"),
    "document-is-a-list": ([1, 2, 3], "a list"),
    "layers-is-a-string": ({"format": 1, "size": [4, 4], "layers": "abc"}, "'layers'"),
    "deeply-nested": (DEEP, "nested too deeply"),
    "deep-provenance": (
        {
            "format": 1,
            "size": [4, 4],
            "layers": [_layer(provenance=json.loads('{"a":' * 100 + "1" + "}" * 100))],
        },
        "nested too deeply",
    ),
    "layer-is-a-number": ({"format": 1, "size": [4, 4], "layers": [7]}, "layer 0"),
    "opacity-is-nan": ({"format": 1, "size": [4, 4], "layers": [_layer(opacity="NaN")]}, "opacity"),
    "offset-is-huge": (
        {"format": 1, "size": [4, 4], "layers": [_layer(offset=[10**30, 0])]},
        "offset",
    ),
    "format-is-text": ({"format": "abc", "size": [4, 4], "layers": []}, "format"),
    "canvas-is-huge": ({"format": 1, "size": [60000, 60000], "layers": []}, "larger"),
    "missing-layer-file": (
        {"format": 1, "size": [4, 4], "layers": [_layer(file="nope.png")]},
        "missing",
    ),
    "not-json": ("{oops", "not valid JSON"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_damaged_project_is_one_clear_error(tmp_path, case):
    meta, words = CASES[case]
    path = tmp_path / "bad.gsproj"
    _project(path, meta)
    with pytest.raises(ProjectError) as info:
        Document.load(path)
    text = str(info.value)
    assert "could not open" in text and words in text and "\n" not in text


def test_a_decompression_bomb_layer_is_refused_before_decoding(tmp_path):
    path = tmp_path / "bomb.gsproj"
    _project(
        path,
        {"format": 1, "size": [4, 4], "layers": [_layer()]},
        {"layers/000.png": _bomb_png(30000, 30000)},
    )
    with pytest.raises(ProjectError, match="decompression bomb"):
        Document.load(path)


def test_a_latent_whose_header_lies_is_refused(tmp_path):
    # an honest .npy header that claims 16 TB of data, followed by 16 bytes
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4000000000000,), }"
    header = header.ljust(118) + "\n"
    data = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + b"\0" * 16
    path = tmp_path / "lat.gsproj"
    _project(
        path,
        {"format": 1, "size": [4, 4], "layers": [_layer(latents={"z": "l/z.npy"})]},
        {"layers/000.png": _png(), "l/z.npy": data},
    )
    with pytest.raises(ProjectError, match="latent l/z.npy is damaged"):
        Document.load(path)


def test_a_folder_in_place_of_a_project(tmp_path):
    (tmp_path / "dir.gsproj").mkdir()
    with pytest.raises(ProjectError, match="folder"):
        Document.load(tmp_path / "dir.gsproj")


def test_a_good_project_still_opens(tmp_path):
    path = tmp_path / "ok.gsproj"
    doc = Document((4, 4))
    doc.add_layer(Image.new("RGB", (4, 4), (9, 8, 7)), "one", latents={"z": np.ones(3)})
    doc.save(path)
    back = Document.load(path)
    assert back.layer(0).image.getpixel((0, 0)) == (9, 8, 7, 255)
    np.testing.assert_array_equal(back.layer(0).latents["z"], np.ones(3))


# --------------------------------------------------------------------------- recovery


def test_recovered_work_survives_a_second_crash(tmp_path):
    doc = Document((8, 8))
    doc.add_layer(Image.new("RGB", (8, 8), (200, 0, 0)), "precious")
    autosave(doc, tmp_path)  # then the app crashes
    first = open_recovery(tmp_path)  # the user accepts recovery …
    assert [layer.name for layer in first.layers] == ["precious"] and first.dirty
    # … and the app crashes again before any save or autosave
    assert find_recovery(tmp_path) is not None
    second = open_recovery(tmp_path)
    assert [layer.name for layer in second.layers] == ["precious"]


def test_a_damaged_autosave_is_set_aside_with_the_reason(tmp_path):
    path = recovery_path(tmp_path)
    path.parent.mkdir(parents=True)
    _project(path, {"format": 1, "size": 5, "layers": []})
    with pytest.raises(ProjectError, match="set aside as autosave.gsproj.damaged-"):
        open_recovery(tmp_path)
    assert find_recovery(tmp_path) is None  # not offered again on every start


def test_an_autosave_killed_mid_write_leaves_no_temporary(tmp_path):
    import os
    import time

    folder = recovery_path(tmp_path).parent
    folder.mkdir(parents=True)
    stale = folder / ".autosave.abcd1234.part.gsproj"
    stale.write_bytes(b"half")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    assert find_recovery(tmp_path) is None and not stale.exists()
