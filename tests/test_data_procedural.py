"""Procedural faces: determinism, attribute effects, sketches, variety, torch adapter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ganstudio
from ganstudio.core.data.procedural import (
    ATTRIBUTES,
    ProceduralFaces,
    encode_labels,
    label_names,
    render,
)


def pixels(image) -> np.ndarray:
    return np.asarray(image, dtype=np.int16)


def test_same_seed_and_index_gives_identical_pixels() -> None:
    a, b = ProceduralFaces(seed=3)[7], ProceduralFaces(seed=3)[7]
    assert np.array_equal(pixels(a.image), pixels(b.image))
    assert np.array_equal(pixels(a.sketch), pixels(b.sketch))
    assert a.attributes == b.attributes
    assert np.array_equal(a.label_vector, b.label_vector)


def test_different_index_or_seed_differs() -> None:
    faces = ProceduralFaces(seed=0)
    assert not np.array_equal(pixels(faces[0].image), pixels(faces[1].image))
    assert not np.array_equal(pixels(faces[0].image), pixels(ProceduralFaces(seed=1)[0].image))


def test_access_order_does_not_matter() -> None:
    forward = ProceduralFaces(seed=5)
    backward = ProceduralFaces(seed=5)
    first = [pixels(forward[i].image) for i in range(6)]
    last = {i: pixels(backward[i].image) for i in reversed(range(6))}
    assert all(np.array_equal(first[i], last[i]) for i in range(6))
    assert np.array_equal(pixels(forward[-1].image), pixels(forward[len(forward) - 1].image))


def test_index_out_of_range() -> None:
    with pytest.raises(IndexError):
        ProceduralFaces(count=4)[4]


@pytest.mark.parametrize("size", [32, 64, 128, 48])
def test_sizes(size: int) -> None:
    face = ProceduralFaces(size=size)[0]
    assert face.image.mode == "RGB" and face.image.size == (size, size)
    assert face.sketch.mode == "L" and face.sketch.size == (size, size)


def test_too_small_size_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        ProceduralFaces(size=16)


def region_diff(a, b, box: tuple[float, float, float, float]) -> float:
    """Mean absolute pixel difference inside a box given as fractions of the size."""
    size = a.size[0]
    x0, y0, x1, y1 = (round(v * size) for v in box)
    return float(np.abs(pixels(a)[y0:y1, x0:x1] - pixels(b)[y0:y1, x0:x1]).mean())


MOUTH = (0.3, 0.58, 0.7, 0.78)
EYES = (0.2, 0.3, 0.8, 0.48)


def test_smile_changes_the_mouth_only() -> None:
    frown = render({"smile": 0.0, "head_turn": 0.0}, 64, 1).image
    grin = render({"smile": 1.0, "head_turn": 0.0}, 64, 1).image
    assert region_diff(frown, grin, MOUTH) > 3
    assert region_diff(frown, grin, EYES) < 0.5


def test_glasses_change_the_eye_region() -> None:
    off = render({"glasses": 0}, 64, 2).image
    on = render({"glasses": 1}, 64, 2).image
    assert region_diff(off, on, EYES) > 5
    assert region_diff(off, on, MOUTH) < 0.5


def test_hair_colour_and_background_change_colours() -> None:
    black = render({"hair_colour": "black", "background": "blue"}, 64, 4).image
    blonde = render({"hair_colour": "blonde", "background": "yellow"}, 64, 4).image
    assert region_diff(black, blonde, (0.3, 0.1, 0.7, 0.2)) > 40  # top of the hair
    assert region_diff(black, blonde, (0.0, 0.0, 0.08, 0.08)) > 40  # background corner


def test_label_vector_matches_attributes() -> None:
    face = render({"smile": 0.25, "glasses": 1, "hair_colour": "red", "head_turn": -0.5}, 32, 0)
    names = label_names()
    assert len(names) == len(face.label_vector) == sum(s.width for s in ATTRIBUTES.values())
    assert face.label_vector.dtype == np.float32
    labels = dict(zip(names, face.label_vector.tolist(), strict=True))
    assert labels["smile"] == pytest.approx(0.25)
    assert labels["glasses"] == 1.0
    assert labels["head_turn"] == pytest.approx(-0.5)
    one_hot = [labels[f"hair_colour={c}"] for c in ATTRIBUTES["hair_colour"].categories]
    assert one_hot == [0.0, 0.0, 0.0, 1.0, 0.0]
    assert face.attributes["hair_colour"] == 3
    sample = ProceduralFaces(seed=9)[3]
    assert np.array_equal(sample.label_vector, encode_labels(sample.attributes))


def test_bad_attributes_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown attributes"):
        render({"smiley": 1.0})
    with pytest.raises(ValueError, match="outside"):
        render({"smile": 2.0})
    with pytest.raises(ValueError, match="unknown category"):
        render({"hair_colour": "green"})
    with pytest.raises(ValueError, match="0 or 1"):
        render({"glasses": 2})


def test_sketch_is_white_with_dark_lines_on_the_face() -> None:
    for i in range(4):
        face = ProceduralFaces(size=64, seed=11)[i]
        sketch = np.asarray(face.sketch)
        assert (sketch > 200).mean() > 0.7  # mostly paper
        dark = sketch < 100
        assert 0.02 < dark.mean() < 0.3  # but with real lines
        # The drawing lines up with the photo: dark sketch pixels sit where the
        # photo is not background (the background colour is the corner colour).
        photo = pixels(face.image)
        corner = photo[:3, :3].reshape(-1, 3).mean(axis=0)
        foreground = np.abs(photo - corner).sum(axis=2) > 40
        ys, xs = np.nonzero(dark)
        near = foreground[np.clip(ys, 0, 63), np.clip(xs, 0, 63)]
        for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            near |= foreground[np.clip(ys + dy, 0, 63), np.clip(xs + dx, 0, 63)]
        assert near.mean() > 0.9


def test_sketch_shows_glasses() -> None:
    off = render({"glasses": 0}, 64, 6).sketch
    on = render({"glasses": 1}, 64, 6).sketch
    assert region_diff(off, on, EYES) > 10


def test_variety() -> None:
    faces = ProceduralFaces(size=32, count=200, seed=0)
    samples = [faces[i] for i in range(200)]
    stack = np.stack([pixels(s.image).astype(np.float32) for s in samples[:60]])
    flat = stack.reshape(len(stack), -1)
    dists = np.abs(flat[:, None, :] - flat[None, :, :]).mean(axis=2)
    off_diagonal = dists[~np.eye(len(flat), dtype=bool)]
    assert off_diagonal.mean() > 20 and off_diagonal.min() > 2
    for name in ("hair_colour", "background"):
        seen = {s.attributes[name] for s in samples}
        assert seen == set(range(len(ATTRIBUTES[name].categories)))
    glasses = np.mean([s.attributes["glasses"] for s in samples])
    assert 0.2 < glasses < 0.6
    smiles = [s.attributes["smile"] for s in samples]
    assert min(smiles) < 0.1 and max(smiles) > 0.9


def test_importing_the_generator_does_not_import_torch() -> None:
    code = (
        "import sys, ganstudio.core.data.procedural, ganstudio.core.data.folder; "
        "sys.exit('torch' in sys.modules)"
    )
    root = str(Path(ganstudio.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    assert subprocess.run([sys.executable, "-c", code], env=env, check=False).returncode == 0


def test_torch_dataset_adapter() -> None:
    torch = pytest.importorskip("torch")
    from ganstudio.core.data.tensors import ProceduralFacesDataset, pil_to_tensor, tensor_to_pil

    data = ProceduralFacesDataset(size=32, count=5, seed=0)
    assert len(data) == 5
    item = data[2]
    assert item["image"].shape == (3, 32, 32) and item["image"].dtype == torch.float32
    assert item["sketch"].shape == (1, 32, 32)
    assert item["labels"].shape == (len(label_names()),)
    for key in ("image", "sketch"):
        assert item[key].min() >= -1 and item[key].max() <= 1
    assert item["sketch"].max() == 1  # white paper
    face = ProceduralFaces(size=32, count=5, seed=0)[2]
    assert np.array_equal(np.asarray(tensor_to_pil(item["image"])), np.asarray(face.image))
    assert np.array_equal(
        np.asarray(tensor_to_pil(pil_to_tensor(face.sketch))), np.asarray(face.sketch)
    )
    assert tensor_to_pil(torch.full((3, 4, 4), 5.0)).getpixel((0, 0)) == (255, 255, 255)
