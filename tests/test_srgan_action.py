"""super-resolve through run_action on a loaded model: modes, alpha, 16-bit, ICC, EXIF."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio.core import checkpoints
from ganstudio.core.actions import run_action
from ganstudio.core.jobs import Cancelled
from ganstudio.core.models import load_model, model_meta


def _save(registry, path, *, zero_body: bool = True, weak: bool = False, seed: int = 0):
    """A tiny x2 compact model; with a zero body it is exactly nearest-neighbour x2."""
    cfg = registry.variant("srvgg").config(scale=2, num_feat=8, num_conv=2)
    torch.manual_seed(seed)
    G = registry.variant("srvgg").build(cfg)["G"]
    if zero_body:
        with torch.no_grad():
            for p in G.parameters():
                p.zero_()
    roles = {"G": G.state_dict()}
    if weak:
        torch.manual_seed(seed + 1)
        roles["G_weak"] = registry.variant("srvgg").build(cfg)["G"].state_dict()
    checkpoints.save_model(path, checkpoints.join_roles(roles), model_meta("srvgg", "srgan", cfg))
    return load_model(path, registry)


@pytest.fixture
def nearest(registry, tmp_path):
    return _save(registry, tmp_path / "nearest.safetensors")


def _run(registry, model, image, **params):
    return run_action(registry.action("super-resolve"), model, params, {"image": image})


def _nearest2(arr: np.ndarray) -> np.ndarray:
    return arr.repeat(2, axis=0).repeat(2, axis=1)


def _rgb(h=21, w=17, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_rgb_output_is_the_model_output_at_twice_the_size(registry, nearest) -> None:
    arr = _rgb()
    out = _run(registry, nearest, Image.fromarray(arr)).images[0]
    assert out.mode == "RGB" and out.size == (34, 42)
    assert np.array_equal(np.asarray(out), _nearest2(arr))


def test_tiled_action_matches_untiled_and_reports_each_tile(registry, tmp_path) -> None:
    model = _save(registry, tmp_path / "m.safetensors", zero_body=False)
    image = Image.fromarray(_rgb(40, 30))
    whole = _run(registry, model, image, tile=512).images[0]
    events = []
    out = run_action(
        registry.action("super-resolve"),
        model,
        {"tile": 16},
        {"image": image},
        on_progress=events.append,
    )
    tiles = [e for e in events if e.total]
    assert len(tiles) == 6 and tiles[-1].fraction == 1.0
    assert out.provenance["info"]["tiles"] == 6
    diff = np.abs(np.asarray(out.images[0], np.int16) - np.asarray(whole, np.int16))
    assert diff.max() <= 1


def test_cancel_between_tiles(registry, nearest) -> None:
    with pytest.raises(Cancelled):
        run_action(
            registry.action("super-resolve"),
            nearest,
            {"tile": 8},
            {"image": Image.fromarray(_rgb(32, 32))},
            should_stop=lambda: True,
        )


def test_alpha_is_kept_and_upscaled_separately(registry, nearest) -> None:
    arr = _rgb()
    alpha = np.random.default_rng(1).integers(0, 256, arr.shape[:2], dtype=np.uint8)
    image = Image.fromarray(np.dstack([arr, alpha]))
    out = _run(registry, nearest, image).images[0]
    assert out.mode == "RGBA"
    assert np.array_equal(np.asarray(out)[:, :, :3], _nearest2(arr))
    expected = Image.fromarray(alpha).resize((34, 42), Image.BICUBIC)
    assert np.array_equal(np.asarray(out.getchannel("A")), np.asarray(expected))


@pytest.mark.parametrize("mode", ["L", "LA"])
def test_greyscale_stays_greyscale(registry, nearest, mode: str) -> None:
    grey = _rgb()[:, :, 0]
    image = Image.fromarray(grey).convert(mode)
    out = _run(registry, nearest, image).images[0]
    assert out.mode == mode
    assert np.array_equal(np.asarray(out.getchannel(0)), _nearest2(grey))


@pytest.mark.parametrize("mode", ["I;16", "I;16B", "I"])
def test_16_bit_greyscale_keeps_16_bit_precision(registry, nearest, mode: str) -> None:
    values = np.random.default_rng(2).integers(0, 65536, (12, 10)).astype(np.uint16)
    image = Image.fromarray(values)  # I;16
    if mode == "I;16B":
        image = Image.frombytes("I;16B", (10, 12), values.astype(">u2").tobytes())
    elif mode == "I":
        image = image.convert("I")
    assert image.mode == mode
    out = _run(registry, nearest, image).images[0]
    assert out.mode == "I;16"
    got = np.asarray(out).astype(np.int64)
    assert np.abs(got - _nearest2(values)).max() <= 1  # 8-bit would be off by up to 128


@pytest.mark.parametrize("mode", ["P", "CMYK"])
def test_palette_and_cmyk_become_rgb(registry, nearest, mode: str) -> None:
    image = Image.fromarray(_rgb()).convert(mode)
    out = _run(registry, nearest, image).images[0]
    assert out.mode == "RGB" and out.size == (34, 42)
    assert np.array_equal(np.asarray(out), _nearest2(np.asarray(image.convert("RGB"))))


def test_icc_profile_is_carried_to_the_output(registry, nearest) -> None:
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buf = io.BytesIO()
    Image.fromarray(_rgb()).save(buf, "PNG", icc_profile=icc)
    out = _run(registry, nearest, Image.open(buf)).images[0]
    assert out.info.get("icc_profile") == icc


def test_exif_orientation_is_applied(registry, nearest) -> None:
    arr = _rgb(20, 10)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise for display
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", exif=exif, quality=95)
    out = _run(registry, nearest, Image.open(buf)).images[0]
    assert out.size == (40, 20)  # the displayed (turned) image, doubled


def test_outscale_resizes_the_result(registry, nearest) -> None:
    out = _run(registry, nearest, Image.fromarray(_rgb()), outscale=3.0).images[0]
    assert out.size == (51, 63)


def test_denoise_blends_with_the_weak_twin_when_the_model_has_one(registry, tmp_path) -> None:
    image = Image.fromarray(_rgb())
    plain = _save(registry, tmp_path / "a.safetensors", zero_body=False)
    result = _run(registry, plain, image, denoise=0.2)
    assert result.provenance["info"]["denoise"] == "not supported by this model"
    twin = _save(registry, tmp_path / "b.safetensors", zero_body=False, weak=True)
    strong = np.asarray(_run(registry, twin, image, denoise=1.0).images[0])
    assert np.array_equal(strong, np.asarray(result.images[0]))  # denoise=1 is G itself
    weak = np.asarray(_run(registry, twin, image, denoise=0.0).images[0])
    assert not np.array_equal(weak, strong)
    assert _run(registry, twin, image, denoise=0.0).provenance["info"]["denoise"] == 0.0
