"""The photo pipeline (ganstudio.core.photo): detect, align and its inverse, blend back.

Synthetic photos only: drawn dots, and scikit-image's bundled astronaut portrait.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from ganstudio.cli import main
from ganstudio.core.imaging import read_provenance
from ganstudio.core.latents import load_latents
from ganstudio.core.photo import (
    PROCEDURAL_TEMPLATE,
    FaceNotFoundError,
    Landmarks,
    align,
    blend_into_photo,
    face_region,
    locate_face,
    photo_arrays,
    warp_to_aligned,
)
from ganstudio.core.photo.align import warp_to_photo

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "resources/models/stylegan-faces-32.safetensors"


@pytest.fixture(scope="module")
def astronaut() -> Image.Image:
    from skimage import data

    return Image.fromarray(data.astronaut())


def _centroid(gray: np.ndarray, x: float, y: float, r: int = 6) -> np.ndarray:
    """The intensity centroid near (x, y), in continuous coordinates (centres at i + 0.5)."""
    x0, y0 = int(x) - r, int(y) - r
    win = gray[y0 : y0 + 2 * r + 1, x0 : x0 + 2 * r + 1].astype(np.float64)
    win = np.clip(win - np.median(gray), 0, None)
    ys, xs = np.mgrid[y0 : y0 + win.shape[0], x0 : x0 + win.shape[1]]
    return np.array([(xs * win).sum(), (ys * win).sum()]) / win.sum() + 0.5


def _dots(size: tuple[int, int], points: np.ndarray, sigma: float = 1.6) -> Image.Image:
    ys, xs = np.mgrid[0 : size[1], 0 : size[0]] + 0.5
    img = sum(np.exp(-((xs - px) ** 2 + (ys - py) ** 2) / (2 * sigma**2)) for px, py in points)
    return Image.fromarray(np.clip(img * 255, 0, 255).astype(np.uint8)).convert("RGB")


def test_alignment_round_trips_within_half_a_pixel():
    """A tilted face's eyes and mouth land where the alignment says, and back."""
    marks = Landmarks((61.3, 80.2), (118.7, 92.9), (77.3, 143.95), (40, 50, 100, 100), "test")
    photo = _dots((200, 220), marks.points())
    for template, size in ((None, 256), (PROCEDURAL_TEMPLATE, 256), (None, 64)):
        alignment = align(marks, size, photo.size, template)
        aligned = np.asarray(warp_to_aligned(photo, alignment).convert("L"))
        expected = alignment.to_aligned(marks.points())
        if template is None:  # FFHQ's recipe levels the eyes (mouth square to them here)
            assert abs(expected[0, 1] - expected[1, 1]) < 1e-6
        for x, y in expected:
            found = _centroid(aligned, x, y, r=int(3 * alignment.scale * 1.6) + 2)
            assert np.hypot(*(found - (x, y))) <= 0.1  # aligned pixels
        back = warp_to_photo(
            Image.fromarray(aligned).convert("RGB"), alignment, (0, 0, *photo.size)
        )
        gray = back.mean(2)
        for x, y in marks.points():
            assert np.hypot(*(_centroid(gray, x, y) - (x, y))) <= 0.5
        assert np.allclose(alignment.to_photo(expected), marks.points())


def test_eyes_are_found_and_the_face_is_aligned_upright(astronaut):
    face = locate_face(astronaut, 256)
    assert face.method == "opencv-eyes"
    left, right, _ = face.alignment.landmarks
    assert np.hypot(*(left - (202, 101))) < 8 and np.hypot(*(right - (246, 103))) < 8
    eyes = face.alignment.to_aligned(face.alignment.landmarks[:2])
    assert abs(eyes[0, 1] - eyes[1, 1]) < 1e-6  # level
    assert 0.3 < eyes[0, 0] / 256 < 0.45 and 0.55 < eyes[1, 0] / 256 < 0.7  # FFHQ framing


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L"])
def test_the_blend_changes_the_face_and_no_pixel_outside_it(astronaut, mode):
    photo = astronaut.convert(mode)
    face = locate_face(astronaut, 64)
    edit = ImageOps.invert(warp_to_aligned(astronaut, face.alignment))
    latents = photo_arrays(photo, face.alignment)
    out, info = blend_into_photo([edit], latents, photo)
    result = np.asarray(out[0])
    assert out[0].size == photo.size and out[0].mode == photo.mode
    region = face_region(face.alignment)
    inside = np.zeros(photo.size[::-1], bool)
    x0, y0, x1, y1 = region.box
    inside[y0:y1, x0:x1] = region.alpha > 0
    before = np.asarray(photo)
    assert np.array_equal(result[~inside], before[~inside])  # bit-identical outside
    changed = (result != before).reshape(*inside.shape, -1).any(-1)
    assert changed[inside].mean() > 0.9
    assert info["blended"] == 1


def test_a_layer_showing_an_edit_still_blends_over_the_original_photo(astronaut):
    """An edit of an edited/projected layer starts from the photo's own pixels."""
    face = locate_face(astronaut, 64)
    latents = photo_arrays(astronaut, face.alignment)
    aligned = warp_to_aligned(astronaut, face.alignment)
    first, _ = blend_into_photo([ImageOps.invert(aligned)], latents, astronaut)
    again, _ = blend_into_photo([aligned.rotate(90)], latents, first[0])
    direct, _ = blend_into_photo([aligned.rotate(90)], latents, astronaut)
    assert np.array_equal(np.asarray(again[0]), np.asarray(direct[0]))


def _two_faces(astronaut: Image.Image) -> Image.Image:
    photo = Image.new("RGB", (900, 512), (128, 128, 128))
    photo.paste(astronaut, (0, 0))
    photo.paste(astronaut.resize((330, 330)), (560, 90))
    return photo


def test_several_faces_one_is_chosen_and_a_wrong_number_lists_them(astronaut):
    photo = _two_faces(astronaut)
    first, second = locate_face(photo, 32), locate_face(photo, 32, face=1)
    assert len(first.boxes) == 2 and first.boxes[0][2] > first.boxes[1][2]
    assert first.alignment.landmarks[0][0] < 400 < second.alignment.landmarks[0][0]
    with pytest.raises(FaceNotFoundError, match=r"face=2: the photo has 2 face\(s\) — 0: x="):
        locate_face(photo, 32, face=2)


def _cli(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().err


def test_one_command_edits_the_photo_and_reuses_a_saved_projection(capsys, tmp_path, astronaut):
    if not DEMO.is_file():
        pytest.skip("no bundled demo model")
    photo = tmp_path / "me.png"
    astronaut.resize((200, 200)).save(photo)
    npz = tmp_path / "me.npz"
    base = [
        "run",
        "attributes",
        "--model",
        str(DEMO),
        "--input",
        str(photo),
        "--no-progress",
        "--latents",
        str(npz),
    ]
    code, err = _cli(
        capsys, *base, "--param", "smile=1.5", "--param", "steps=4", "-o", str(tmp_path / "out.png")
    )
    assert code == 0, err
    with Image.open(tmp_path / "out.png") as out:
        assert out.size == (200, 200)
    prov = read_provenance(tmp_path / "out.png")
    assert prov["action"] == "attributes" and prov["params"]["source"] == "me.npz"
    assert prov["photo"]["projection_source"] == "projected now, saved as me.npz"
    assert prov["photo"]["projection"]["detector"] == "opencv-eyes"
    assert "photo_align" in load_latents(npz)

    # the second edit reuses the projection: not projected again, the file is untouched
    saved = npz.read_bytes()
    first = prov["photo"]["projection"]
    code, err = _cli(capsys, *base, "--param", "smile=-1", "-o", str(tmp_path / "out2.png"))
    assert code == 0, err
    prov = read_provenance(tmp_path / "out2.png")
    assert prov["photo"]["projection_source"] == "me.npz"
    assert prov["photo"]["projection"] == first and npz.read_bytes() == saved
    assert json.dumps(prov)  # all of it is plain JSON

    code, err = _cli(capsys, *base[:-2], "--param", "face=4", "-o", str(tmp_path / "x.png"))
    assert code == 2 and "face=4: the photo has 1 face(s) — 0: x=" in err


def test_a_damaged_or_foreign_projection_is_one_clear_error(astronaut):
    from ganstudio.core.photo import photo_alignment, restore_photo
    from ganstudio.core.specs import ParamError

    face = locate_face(astronaut, 32)
    latents = photo_arrays(astronaut, face.alignment)
    with pytest.raises(ParamError, match="alignment is damaged"):
        photo_alignment({**latents, "photo_align": np.zeros((2, 2))})
    with pytest.raises(ParamError, match="from a 512×512 photo, not this 100×80 one"):
        restore_photo(Image.new("RGB", (100, 80)), latents)
