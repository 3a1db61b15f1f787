"""User image folders: scanning, decoding odd files, skipping bad ones."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganstudio.core.data.folder import ImageFolder, load_image, scan_images


def save(path: Path, image: Image.Image, **params: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, **params)
    return path


def solid(colour: tuple[int, int, int] = (200, 40, 40), size: tuple[int, int] = (24, 16)):
    return Image.new("RGB", size, colour)


def test_scan_is_recursive_sorted_and_case_insensitive(tmp_path: Path) -> None:
    save(tmp_path / "b.PNG", solid())
    save(tmp_path / "a.JpG", solid(), format="JPEG")
    save(tmp_path / "sub" / "c.webp", solid())
    save(tmp_path / "sub" / "deeper" / "d.TIFF", solid())
    save(tmp_path / ".hidden" / "e.png", solid())
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "model.safetensors").write_bytes(b"\0" * 8)
    rel = [p.relative_to(tmp_path).as_posix() for p in scan_images(tmp_path)]
    assert rel == ["a.JpG", "b.PNG", "sub/c.webp", "sub/deeper/d.TIFF"]
    assert [p.name for p in scan_images(tmp_path, recursive=False)] == ["a.JpG", "b.PNG"]
    assert [p.name for p in scan_images(tmp_path, pattern="sub/*")] == ["c.webp"]
    assert [p.name for p in scan_images(tmp_path, pattern="*.png")] == ["b.PNG"]


def test_exif_orientation_is_honoured(tmp_path: Path) -> None:
    # Stored wide: red left half, blue right half. Orientation 6 means "rotate
    # 90 degrees clockwise to display", so the viewer sees it tall, red on top.
    stored = Image.new("RGB", (40, 20), (0, 0, 255))
    stored.paste((255, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    path = save(tmp_path / "phone.jpg", stored, exif=exif, quality=95)
    upright = load_image(path)
    assert upright.size == (20, 40)
    top, bottom = upright.getpixel((10, 5)), upright.getpixel((10, 35))
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60


def test_odd_modes_become_rgb(tmp_path: Path) -> None:
    transparent = Image.new("RGBA", (16, 16), (255, 0, 0, 0))
    transparent.paste((0, 0, 255, 255), (0, 0, 8, 16))
    save(tmp_path / "rgba.png", transparent)
    save(tmp_path / "p.png", solid((10, 120, 30)).convert("P"))
    save(tmp_path / "l.png", Image.new("L", (16, 16), 77))
    save(tmp_path / "la.png", Image.new("LA", (16, 16), (77, 255)))
    save(tmp_path / "cmyk.jpg", Image.new("CMYK", (16, 16), (0, 255, 255, 0)))
    save(tmp_path / "one_bit.bmp", Image.new("1", (16, 16), 1))
    deep = np.full((16, 16), 65535, dtype=np.uint16)
    deep[:, :8] = 32768
    save(tmp_path / "deep.png", Image.fromarray(deep))
    save(tmp_path / "deep.tif", Image.fromarray(deep))
    for path in sorted(tmp_path.iterdir()):
        image = load_image(path, 8)
        assert image.mode == "RGB" and image.size == (8, 8), path.name
    rgba = load_image(tmp_path / "rgba.png")
    assert rgba.getpixel((2, 2)) == (0, 0, 255)
    assert rgba.getpixel((14, 2)) == (255, 255, 255)  # transparency on white, not black
    for name in ("deep.png", "deep.tif"):
        image = load_image(tmp_path / name)  # 16-bit is rescaled, not clipped to white
        assert image.getpixel((2, 2))[0] == pytest.approx(128, abs=2), name
        assert image.getpixel((14, 2))[0] == 255, name
    red = load_image(tmp_path / "cmyk.jpg").getpixel((4, 4))
    assert red[0] > 200 and red[1] < 60 and red[2] < 60


def test_resize_is_a_centred_square_crop(tmp_path: Path) -> None:
    wide = Image.new("RGB", (300, 100), (0, 0, 0))
    wide.paste((255, 255, 255), (100, 0, 200, 100))  # white centre third
    image = load_image(save(tmp_path / "wide.png", wide), 32)
    assert image.size == (32, 32)
    assert np.asarray(image)[4:-4, 4:-4].min() > 240


def test_large_jpeg_decodes_via_draft(tmp_path: Path) -> None:
    big = Image.linear_gradient("L").resize((1024, 768)).convert("RGB")
    image = load_image(save(tmp_path / "big.jpg", big, quality=90), 64)
    assert image.size == (64, 64)


def write_corrupt_files(root: Path) -> dict[str, Path]:
    buffer = io.BytesIO()
    solid(size=(64, 64)).save(buffer, format="PNG")
    truncated = buffer.getvalue()[: len(buffer.getvalue()) // 2]
    files = {
        "empty": root / "empty.png",
        "truncated": root / "truncated.png",
        "text": root / "text.jpg",
    }
    files["empty"].write_bytes(b"")
    files["truncated"].write_bytes(truncated)
    files["text"].write_text("this is not a photo", encoding="utf-8")
    return files


def test_corrupt_files_are_skipped_with_reasons(tmp_path: Path) -> None:
    save(tmp_path / "good1.png", solid((255, 0, 0)))
    save(tmp_path / "good2.jpg", solid((0, 255, 0)))
    bad = write_corrupt_files(tmp_path)
    folder = ImageFolder(tmp_path, size=16)
    assert [p.name for p in folder.paths] == ["good1.png", "good2.jpg"]
    reasons = dict(folder.skipped)
    assert set(reasons) == set(bad.values())
    assert "empty" in reasons[bad["empty"]]
    assert all(reason and "\n" not in reason for reason in reasons.values())
    assert len(folder) == 2
    assert all(folder[i].size == (16, 16) and folder[i].mode == "RGB" for i in range(2))


def test_late_decode_failure_falls_through_to_the_next_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for name, colour in (("a.png", (255, 0, 0)), ("b.png", (0, 255, 0)), ("c.png", (0, 0, 255))):
        save(tmp_path / name, solid(colour))
    folder = ImageFolder(tmp_path, size=8)
    (tmp_path / "b.png").write_bytes(b"gone bad after the scan")
    with caplog.at_level(logging.WARNING, logger="ganstudio.data"):
        replacement = folder[1]
    assert replacement.getpixel((4, 4)) == (0, 0, 255)  # deterministically the next one
    assert any("b.png" in record.getMessage() for record in caplog.records)
    assert [p.name for p, _ in folder.skipped] == ["b.png"]
    assert folder[1].getpixel((4, 4)) == (0, 0, 255)
    assert len(folder.skipped) == 1  # remembered, not retried and re-logged
    with pytest.raises(IndexError):
        folder[3]


def test_missing_empty_or_useless_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        ImageFolder(tmp_path / "nope", size=16)
    file = tmp_path / "file.png"
    save(file, solid())
    with pytest.raises(ValueError, match="not a folder"):
        ImageFolder(file, size=16)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no usable images") as info:
        ImageFolder(empty, size=16)
    assert str(empty) in str(info.value)
    broken = tmp_path / "broken"
    broken.mkdir()
    write_corrupt_files(broken)
    with pytest.raises(ValueError, match="3 unreadable"):
        ImageFolder(broken, size=16)


def test_unicode_file_names(tmp_path: Path) -> None:
    names = ["café.png", "猫の写真.jpg", "фото/ёж.webp"]
    for name in names:
        save(tmp_path / name, solid())
    folder = ImageFolder(tmp_path, size=8)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in folder.paths) == sorted(names)
    assert all(folder[i].size == (8, 8) for i in range(len(folder)))


def test_torch_folder_adapter(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    from ganstudio.core.data.tensors import ImageFolderDataset

    save(tmp_path / "x.png", solid((255, 0, 0)))
    data = ImageFolderDataset(tmp_path, size=16)
    image = data[0]["image"]
    assert len(data) == 1
    assert image.shape == (3, 16, 16) and image.dtype == torch.float32
    assert torch.allclose(image[:, 0, 0], torch.tensor([1.0, -1.0, -1.0]))
