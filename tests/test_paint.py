"""Brush maths on NumPy arrays: dabs, spacing, hardness, opacity, eraser, mask values, blends."""

from __future__ import annotations

import numpy as np
import pytest

from ganstudio.core.paint import Brush, Stroke, apply_mask, blend, dab


def blank(w: int = 64, h: int = 32, color=(255, 255, 255, 255)) -> np.ndarray:
    out = np.zeros((h, w, 4), np.uint8)
    out[:] = color
    return out


def test_hard_dab_is_a_solid_disc_and_soft_one_fades_from_the_centre() -> None:
    hard, soft = dab(16, 1.0), dab(16, 0.0)
    c = hard.shape[0] // 2
    assert hard[c, c] == 1.0 and hard[c, c + 6] == 1.0  # inside the radius: full
    assert hard[0, 0] == 0.0  # corners of the box: nothing
    assert soft[c, c] > 0.9 and 0.0 < soft[c, c + 5] < 0.5  # fades towards the edge
    assert soft.sum() < hard.sum()


def test_stroke_draws_a_continuous_line_in_the_brush_colour_and_reports_its_box() -> None:
    brush = Brush(size=6, hardness=1.0, color=(255, 0, 0))
    stroke = Stroke(blank(), brush)
    stroke.add_point(5, 16)
    box = stroke.add_point(55, 16)
    assert box is not None
    row = stroke.pixels[16]
    assert (row[6:54, 0] == 255).all() and (row[6:54, 1] == 0).all()  # no gaps between dabs
    assert (stroke.pixels[2, :, :3] == 255).all()  # far rows untouched
    x0, y0, x1, y1 = stroke.finish()
    assert x0 <= 2 and x1 >= 58 and y0 <= 13 and y1 >= 19 and (y1 - y0) <= 10
    assert (stroke.original((0, 0, 64, 32)) == 255).all()  # the original is kept for undo


def test_opacity_caps_one_stroke_even_where_it_crosses_itself() -> None:
    stroke = Stroke(blank(), Brush(size=10, hardness=1.0, opacity=0.5, color=(0, 0, 0)))
    for x, y in [(10, 16), (50, 16), (10, 16), (50, 16)]:
        stroke.add_point(x, y)
    # white under 50 % black: ~128, not darker where the stroke overlaps itself
    assert abs(int(stroke.pixels[16, 30, 0]) - 128) <= 1


def test_pressure_makes_thinner_and_lighter_dabs() -> None:
    full = Stroke(blank(), Brush(size=12, hardness=1.0))
    light = Stroke(blank(), Brush(size=12, hardness=1.0))
    full.add_point(30, 16, 1.0)
    light.add_point(30, 16, 0.3)
    assert (light.pixels[..., 0] < 255).sum() < (full.pixels[..., 0] < 255).sum()
    assert light.pixels[16, 30, 0] > full.pixels[16, 30, 0]


def test_eraser_reduces_alpha_and_keeps_colour() -> None:
    stroke = Stroke(blank(color=(10, 20, 30, 255)), Brush(size=8, hardness=1.0), mode="erase")
    stroke.add_point(30, 16)
    assert stroke.pixels[16, 30, 3] == 0
    assert tuple(stroke.pixels[16, 30, :3]) == (10, 20, 30)
    assert stroke.pixels[2, 2, 3] == 255


def test_painting_on_transparency_gives_the_brush_colour_not_a_dark_fringe() -> None:
    stroke = Stroke(blank(color=(0, 0, 0, 0)), Brush(size=10, hardness=0.0, color=(0, 255, 0)))
    stroke.add_point(30, 16)
    soft_edge = stroke.pixels[16, 34]
    assert 0 < soft_edge[3] < 255 and tuple(soft_edge[:3]) == (0, 255, 0)


def test_value_stroke_moves_a_mask_towards_its_value() -> None:
    mask = np.full((32, 64), 255, np.uint8)
    stroke = Stroke(mask, Brush(size=8, hardness=1.0), mode="value", value=0)
    stroke.add_point(30, 16)
    assert stroke.pixels[16, 30] == 0 and stroke.pixels[0, 0] == 255
    with pytest.raises(ValueError):
        Stroke(blank(), Brush(), mode="value")


def test_apply_mask_scales_alpha() -> None:
    rgba = blank()
    mask = np.zeros((32, 64), np.uint8)
    mask[:, 32:] = 255
    out = apply_mask(rgba, mask, 0.5)
    assert out[0, 0, 3] == 0 and out[0, 40, 3] == 128


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # backdrop 0.5 grey, source 0.2 grey: the W3C formulas worked by hand
        ("normal", 0.2),
        ("multiply", 0.5 * 0.2),
        ("screen", 0.5 + 0.2 - 0.5 * 0.2),
        ("overlay", 2 * 0.5 * 0.2),
    ],
)
def test_blend_modes_follow_the_w3c_formulas(mode: str, expected: float) -> None:
    backdrop = blank(4, 4, (127, 127, 127, 255))
    source = blank(4, 4, (51, 51, 51, 255))
    out = blend(backdrop, source, mode)
    assert abs(int(out[0, 0, 0]) - expected * 255) <= 1.5
    assert out[0, 0, 3] == 255


def test_overlay_lightens_over_a_light_backdrop_and_darkens_over_a_dark_one() -> None:
    light = blend(blank(2, 2, (230, 230, 230, 255)), blank(2, 2, (128, 128, 128, 255)), "overlay")
    dark = blend(blank(2, 2, (30, 30, 30, 255)), blank(2, 2, (100, 100, 100, 255)), "overlay")
    assert light[0, 0, 0] >= 229 and dark[0, 0, 0] < 30


def test_blend_over_transparency_shows_the_source_as_it_is() -> None:
    source = blank(4, 4, (200, 100, 50, 255))
    for mode in ("multiply", "screen", "overlay"):
        out = blend(blank(4, 4, (0, 0, 0, 0)), source, mode)
        assert tuple(out[0, 0]) == (200, 100, 50, 255)
    with pytest.raises(ValueError):
        blend(source, source, "dodge")
