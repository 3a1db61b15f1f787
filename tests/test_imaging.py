"""Every image we write says how it was made, in each writable format."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from ganstudio.core.imaging import ImageWriteError, make_grid, read_provenance, save_image

PROV = {"app": "GAN Studio", "action": "generate", "params": {"seed": 7}, "model": {"sha256": "ab"}}


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".webp", ".gif"])
def test_provenance_round_trip(tmp_path: Path, suffix: str) -> None:
    path = save_image(tmp_path / f"out{suffix}", Image.new("RGB", (8, 8), (200, 10, 10)), PROV)
    assert read_provenance(path) == PROV


def test_gif_animation_has_all_frames(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (8, 8), (i * 40, 0, 0)) for i in range(5)]
    path = save_image(tmp_path / "a.gif", frames, PROV)
    with Image.open(path) as im:
        assert im.n_frames == 5


def test_foreign_image_has_no_provenance(tmp_path: Path) -> None:
    Image.new("RGB", (4, 4)).save(tmp_path / "x.png")
    assert read_provenance(tmp_path / "x.png") is None


def test_unknown_extension_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImageWriteError, match="cannot write .tga"):
        save_image(tmp_path / "x.tga", Image.new("RGB", (4, 4)))
    assert not list(tmp_path.iterdir())


def test_grid_layout() -> None:
    grid = make_grid([Image.new("RGB", (10, 10))] * 5, pad=2)
    assert grid.size == (3 * 10 + 4 * 2, 2 * 10 + 3 * 2)


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".webp"])
def test_icc_profile_is_kept(tmp_path: Path, suffix: str) -> None:
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = save_image(tmp_path / f"c{suffix}", Image.new("RGB", (8, 8)), PROV, icc_profile=icc)
    with Image.open(path) as im:
        assert im.info.get("icc_profile") == icc


def test_written_files_get_ordinary_permissions(tmp_path: Path) -> None:
    import os
    import stat

    from ganstudio.core.atomic import _UMASK

    path = save_image(tmp_path / "p.png", Image.new("RGB", (4, 4)))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~_UMASK
    os.chmod(path, 0o640)
    save_image(path, Image.new("RGB", (4, 4)))  # replacing keeps the user's choice
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
