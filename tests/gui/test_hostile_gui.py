"""The window with hostile files (issue 12): it starts, and a bad image is one message."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width: int, height: int, *extra: bytes) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + b"".join(extra)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("bomb.png", _png(30000, 30000), "bomb.png: image too large to open safely"),
        (
            "ztxt.png",
            _png(4, 4, _chunk(b"zTXt", b"k\x00\x00" + zlib.compress(b" " * 4_000_000))),
            "ztxt.png: corrupt image (ValueError: Decompressed data too large",
        ),
        ("trunc.png", _png(64, 64)[:60], "trunc.png:"),
    ],
)
def test_a_hostile_image_is_a_message_not_a_crash(
    window, tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert not window.open_path(path)
    assert len(window.document) == 0
    assert message.lower() in window.statusBar().currentMessage().lower()


def test_the_window_starts_with_a_malformed_model_in_the_models_folder(
    make_window, isolated_home: Path
) -> None:
    models = isolated_home / "models"
    models.mkdir(parents=True)
    (models / "broken.safetensors").write_bytes(struct.pack("<Q", 7) + b"[1,2,3]")
    window = make_window()
    labels = [item.text(0) for item in window.models._items()]
    assert "broken (unreadable)" in labels
    assert "sr-compact-x2" in labels
