"""Deterministic procedural stylised faces: the demo and test data of GAN Studio.

Every face is drawn from labelled attributes (smile, glasses, hair colour ...)
sampled *independently*, so conditional models, attribute sliders and
sketch-to-photo all get ground truth without a download, and a collapsed GAN
visibly misses attribute combinations. Face ``i`` of a set seeded ``seed`` is a
pure function of ``(seed, i)`` -- no shared RNG state -- so DataLoader workers,
shards and random access all see the same pixels.

Geometry and colour jitter are sampled before anything size-dependent, so the
same ``(seed, i)`` gives the same face at 32, 64 or 128 px. Faces are drawn
at ``supersample(size)`` times the size and box-downsampled (antialiased edges and
lines); the skin is shaded as a lit ellipsoid with a touch of blush, and the
hair carries strands and a sheen, so a 64 px face is not a set of flat
cut-outs. All of it is a function of the geometry: no extra random draws.

No torch here; the Dataset adapters live in ``tensors.py``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw

__all__ = [
    "ATTRIBUTES",
    "AttributeSpec",
    "FaceSample",
    "ProceduralFaces",
    "encode_labels",
    "label_names",
    "render",
    "sample_attributes",
]

AttributeKind = Literal["binary", "continuous", "categorical"]
AttributeValue = float | int
RGB = tuple[int, int, int]
Point = tuple[float, float]

#: faces up to 64 px are drawn this many times larger, then box-downsampled
#: (antialiasing); larger faces twice as large, which their pixels allow
SUPERSAMPLE = 4


def supersample(size: int) -> int:
    """The drawing scale of a ``size`` px face."""
    return SUPERSAMPLE if size <= 64 else 2


#: light direction for the skin shading (x right, y down, z towards the viewer)
_LIGHT = np.array([-0.35, -0.45, 0.82]) / np.linalg.norm([-0.35, -0.45, 0.82])


@dataclass(frozen=True)
class AttributeSpec:
    """One labelled attribute: how it is sampled, validated and encoded."""

    name: str
    kind: AttributeKind
    description: str
    low: float = 0.0
    high: float = 1.0
    categories: tuple[str, ...] = ()
    default: AttributeValue = 0
    probability: float = 0.5  # binary only: chance of 1 when sampling

    @property
    def width(self) -> int:
        """Number of entries this attribute takes in the label vector."""
        return len(self.categories) if self.kind == "categorical" else 1

    def label_names(self) -> list[str]:
        if self.kind == "categorical":
            return [f"{self.name}={c}" for c in self.categories]
        return [self.name]

    def normalise(self, value: object) -> AttributeValue:
        """Validate a user-given value; category names become indices."""
        if self.kind == "categorical":
            if isinstance(value, str):
                if value not in self.categories:
                    raise ValueError(
                        f"{self.name}: unknown category {value!r}; choose from {self.categories}"
                    )
                return self.categories.index(value)
            index = _as_int(self.name, value)
            if not 0 <= index < len(self.categories):
                raise ValueError(f"{self.name}: index {index} out of range 0..{self.width - 1}")
            return index
        if self.kind == "binary":
            if isinstance(value, bool):
                return int(value)
            index = _as_int(self.name, value)
            if index not in (0, 1):
                raise ValueError(f"{self.name}: binary attribute must be 0 or 1, got {value!r}")
            return index
        if not isinstance(value, int | float | np.integer | np.floating):
            raise ValueError(f"{self.name}: expected a number, got {value!r}")
        number = float(value)
        if not self.low <= number <= self.high:
            raise ValueError(f"{self.name}: {number} outside {self.low}..{self.high}")
        return number

    def encode(self, value: AttributeValue) -> list[float]:
        """Label-vector entries: raw value, or a one-hot row for categories."""
        if self.kind == "categorical":
            row = [0.0] * self.width
            row[int(value)] = 1.0
            return row
        return [float(value)]

    def sample(self, rng: np.random.Generator) -> AttributeValue:
        if self.kind == "categorical":
            return int(rng.integers(len(self.categories)))
        if self.kind == "binary":
            return int(rng.random() < self.probability)
        return float(rng.uniform(self.low, self.high))


def _as_int(name: str, value: object) -> int:
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return int(value)
    raise ValueError(f"{name}: expected an integer, got {value!r}")


HAIR_COLOURS: dict[str, RGB] = {
    "black": (38, 32, 32),
    "brown": (105, 66, 36),
    "blonde": (226, 192, 112),
    "red": (178, 68, 34),
    "grey": (168, 168, 172),
}
BACKGROUNDS: dict[str, RGB] = {
    "blue": (92, 140, 210),
    "green": (110, 180, 110),
    "yellow": (232, 210, 110),
    "pink": (230, 150, 180),
    "purple": (150, 110, 190),
    "grey": (150, 150, 150),
}
# Light to dark; skin_tone interpolates along this ramp.
_SKIN_RAMP = np.array(
    [(255, 226, 200), (236, 188, 150), (198, 140, 96), (140, 90, 56), (88, 56, 36)],
    dtype=np.float64,
)
_EYE_COLOURS: tuple[RGB, ...] = ((70, 45, 25), (60, 110, 170), (70, 120, 70), (110, 80, 40))
_FRAME_COLOURS: tuple[RGB, ...] = ((20, 20, 24), (90, 50, 25), (30, 40, 110), (140, 30, 30))

ATTRIBUTES: dict[str, AttributeSpec] = {
    spec.name: spec
    for spec in (
        AttributeSpec(
            "smile", "continuous", "mouth curvature: 0 frown, 0.5 flat, 1 open smile", default=0.5
        ),
        AttributeSpec("glasses", "binary", "glasses: two rims, bridge and arms", probability=0.4),
        AttributeSpec(
            "hair_colour",
            "categorical",
            "hair (and brow/beard) colour",
            categories=tuple(HAIR_COLOURS),
            default=1,
        ),
        AttributeSpec(
            "hair_length", "continuous", "0 cropped, 1 falls below the shoulders", default=0.3
        ),
        AttributeSpec("skin_tone", "continuous", "0 light to 1 dark", default=0.3),
        AttributeSpec("age", "continuous", "wrinkles, greying hair, longer face", default=0.2),
        AttributeSpec(
            "head_turn",
            "continuous",
            "-1 left to 1 right: features shift sideways, face narrows",
            low=-1.0,
            high=1.0,
            default=0.0,
        ),
        AttributeSpec(
            "background",
            "categorical",
            "background colour",
            categories=tuple(BACKGROUNDS),
            default=0,
        ),
        AttributeSpec("eye_open", "continuous", "0 nearly closed, 1 wide open", default=0.8),
        AttributeSpec("beard", "binary", "full beard around the jaw", probability=0.3),
    )
}


def label_names() -> list[str]:
    """The label-vector order: attributes in ATTRIBUTES order, categories one-hot."""
    return [n for spec in ATTRIBUTES.values() for n in spec.label_names()]


def sample_attributes(rng: np.random.Generator) -> dict[str, AttributeValue]:
    """Draw every attribute independently (so classifiers can separate them)."""
    return {name: spec.sample(rng) for name, spec in ATTRIBUTES.items()}


def _complete(attributes: Mapping[str, object]) -> dict[str, AttributeValue]:
    unknown = set(attributes) - set(ATTRIBUTES)
    if unknown:
        raise ValueError(f"unknown attributes {sorted(unknown)}; known: {list(ATTRIBUTES)}")
    return {
        name: spec.normalise(attributes[name]) if name in attributes else spec.default
        for name, spec in ATTRIBUTES.items()
    }


def encode_labels(attributes: Mapping[str, object]) -> np.ndarray:
    """Label vector (float32, order of ``label_names()``); missing attributes take defaults."""
    full = _complete(attributes)
    return np.array(
        [v for name, spec in ATTRIBUTES.items() for v in spec.encode(full[name])],
        dtype=np.float32,
    )


@dataclass
class FaceSample:
    """One face: the photo, its line drawing, raw attributes and the label vector."""

    image: Image.Image  # RGB
    sketch: Image.Image  # L, black lines on white, same geometry as ``image``
    attributes: dict[str, AttributeValue]
    label_vector: np.ndarray = field(repr=False)  # float32, order of label_names()


@dataclass(frozen=True)
class _Style:
    """Nuisance variation (not labelled): position, scale, shades, small shape choices."""

    cx: float
    cy: float
    scale: float
    skin_jitter: float
    hair_shade: float
    bg_shade: RGB
    bg_gradient: tuple[float, float]
    eye_colour: RGB
    frame_colour: RGB
    round_frames: bool
    clothes: RGB
    fringe: int  # 0 flat, 1 swept, 2 parted
    fringe_side: float
    brow_lift: float
    noise_sigma: float


def _sample_style(rng: np.random.Generator) -> _Style:
    hue = rng.random()
    clothes = tuple(
        int(80 + 120 * (0.5 + 0.5 * math.cos(2 * math.pi * (hue + k / 3)))) for k in range(3)
    )
    shade = rng.integers(-14, 15, size=3)
    return _Style(
        cx=0.5 + rng.uniform(-0.035, 0.035),
        cy=0.46 + rng.uniform(-0.03, 0.03),
        scale=rng.uniform(0.92, 1.08),
        skin_jitter=rng.uniform(-0.06, 0.06),
        hair_shade=rng.uniform(0.85, 1.12),
        bg_shade=(int(shade[0]), int(shade[1]), int(shade[2])),
        bg_gradient=(rng.uniform(-35, 35), rng.uniform(-20, 20)),
        eye_colour=_EYE_COLOURS[int(rng.integers(len(_EYE_COLOURS)))],
        frame_colour=_FRAME_COLOURS[int(rng.integers(len(_FRAME_COLOURS)))],
        round_frames=bool(rng.random() < 0.5),
        clothes=(clothes[0], clothes[1], clothes[2]),
        fringe=int(rng.integers(3)),
        fringe_side=float(rng.choice((-1.0, 1.0))),
        brow_lift=rng.uniform(-0.04, 0.04),
        noise_sigma=rng.uniform(1.5, 4.0),
    )


def _mix(a: Sequence[float], b: Sequence[float], t: float) -> RGB:
    return (
        int(round(a[0] + (b[0] - a[0]) * t)),
        int(round(a[1] + (b[1] - a[1]) * t)),
        int(round(a[2] + (b[2] - a[2]) * t)),
    )


def _scaled(c: Sequence[float], k: float) -> RGB:
    return (min(255, int(c[0] * k)), min(255, int(c[1] * k)), min(255, int(c[2] * k)))


def _skin_colour(tone: float) -> RGB:
    pos = min(max(tone, 0.0), 1.0) * (len(_SKIN_RAMP) - 1)
    i = min(int(pos), len(_SKIN_RAMP) - 2)
    return _mix(_SKIN_RAMP[i], _SKIN_RAMP[i + 1], pos - i)


class _Pen:
    """Draws every shape on the photo and, as outlines, on the sketch at once."""

    def __init__(self, image: Image.Image, sketch: Image.Image, w: int, ss: int) -> None:
        self.image = image
        self.img = ImageDraw.Draw(image)
        self.sk = ImageDraw.Draw(sketch)
        self.ss = ss
        self.lw = max(ss, round(w / 64))  # sketch lines: >= 1 px after the reduce

    def ellipse(
        self,
        box: Sequence[float],
        fill: RGB,
        sketch: bool = True,
        outline: RGB | None = None,
        width: int = 0,
    ) -> None:
        self.img.ellipse(box, fill=fill, outline=outline, width=width)
        if sketch:
            self.sk.ellipse(box, fill=255, outline=0, width=self.lw)

    def polygon(self, pts: Sequence[Point], fill: RGB, sketch: bool = True) -> None:
        self.img.polygon(pts, fill=fill)
        if sketch:
            self.sk.polygon(pts, fill=255, outline=0, width=self.lw)

    def line(self, pts: Sequence[Point], fill: RGB, width: float, sketch: int | None = 0) -> None:
        """``sketch`` is the grey level of the line in the drawing, or None for none."""
        w = max(1, round(width))
        self.img.line(pts, fill=fill, width=w, joint="curve")
        if sketch is not None:
            self.sk.line(pts, fill=sketch, width=self.lw, joint="curve")


def _arc_points(
    cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int
) -> list[Point]:
    """Points on an ellipse from angle a0 to a1 (radians, y down like PIL)."""
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in np.linspace(a0, a1, n)]


def _curve(x0: float, x1: float, y: float, bend: float, n: int = 9) -> list[Point]:
    """A parabola from x0 to x1 whose middle sits ``bend`` below the ends (y down)."""
    mid, half = (x0 + x1) / 2, (x1 - x0) / 2
    return [(x, y + bend * (1 - ((x - mid) / half) ** 2)) for x in np.linspace(x0, x1, n)]


def render(
    attributes: Mapping[str, object],
    size: int = 64,
    rng_or_seed: np.random.Generator | int | Sequence[int] | None = 0,
) -> FaceSample:
    """Draw one face with the given attributes (missing ones take their defaults).

    The RNG only drives unlabelled nuisance (position, shades, fringe style,
    noise); the same attributes with another seed give a different-looking
    face with the same labels.
    """
    if size < 32:
        raise ValueError(f"size must be at least 32, got {size}")
    attrs = _complete(attributes)
    rng = (
        rng_or_seed
        if isinstance(rng_or_seed, np.random.Generator)
        else np.random.default_rng(rng_or_seed)
    )
    style = _sample_style(rng)
    noise_rng = np.random.default_rng(rng.integers(2**63))  # size-dependent draws go last
    image, sketch = _draw(attrs, style, size, noise_rng)
    return FaceSample(image, sketch, attrs, encode_labels(attrs))


def _background(
    attrs: Mapping[str, AttributeValue], style: _Style, size: int, rng: np.random.Generator
) -> Image.Image:
    base = np.add(
        BACKGROUNDS[ATTRIBUTES["background"].categories[int(attrs["background"])]], style.bg_shade
    )
    ramp = np.linspace(-0.5, 0.5, size, dtype=np.float32)
    gy, gx = style.bg_gradient
    grad = gy * ramp[:, None] + gx * ramp[None, :]
    noise = rng.normal(0.0, style.noise_sigma, size=(size, size)).astype(np.float32)
    arr = base[None, None, :].astype(np.float32) + (grad - noise)[:, :, None]
    small = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    ss = supersample(size)
    return small.resize((ss * size, ss * size), Image.Resampling.NEAREST)


@dataclass(frozen=True)
class _Face:
    """Geometry (canvas pixels) and colours shared by the drawing steps."""

    cx: float
    cy: float
    rx0: float  # face half-width before turning: the unit of most offsets
    rx: float
    ry: float
    dx: float  # sideways shift of the features with head turn
    turn: float
    ey: float  # eye line
    mx: float
    my: float
    mw: float  # mouth half-width
    bend: float  # mouth curvature; > 0 means corners up (y grows downwards)
    nx: float
    nose_y: float
    skin: RGB
    line: RGB
    hair: RGB
    hair_dark: RGB
    wrinkle: float
    eyes: tuple[tuple[float, float], tuple[float, float]]  # (centre x, half-width) left, right


def _layout(attrs: Mapping[str, AttributeValue], style: _Style, w: int) -> _Face:
    smile, age, turn = float(attrs["smile"]), float(attrs["age"]), float(attrs["head_turn"])
    wrinkle = min(max((age - 0.35) / 0.65, 0.0), 1.0)
    skin = _skin_colour(float(attrs["skin_tone"]) + style.skin_jitter)
    hair_name = ATTRIBUTES["hair_colour"].categories[int(attrs["hair_colour"])]
    hair = _mix(
        _scaled(HAIR_COLOURS[hair_name], style.hair_shade), (190, 190, 194), 0.45 * wrinkle**1.5
    )  # greying with age, mild so hair_colour stays readable
    cx, cy = style.cx * w, style.cy * w
    rx0 = 0.2 * w * style.scale
    rx = rx0 * (1 - 0.16 * abs(turn))  # a turned head shows a narrower face
    ry = rx0 * (1.24 + 0.14 * age)  # faces lengthen with age
    dx = turn * 0.32 * rx0
    spacing = 0.42 * rx0 * (1 - 0.18 * abs(turn))
    # The far eye is foreshortened.
    eyes = tuple(
        (cx + dx + side * spacing, 0.2 * rx0 * (1 - 0.35 * max(0.0, side * turn)))
        for side in (-1, 1)
    )
    return _Face(
        cx=cx,
        cy=cy,
        rx0=rx0,
        rx=rx,
        ry=ry,
        dx=dx,
        turn=turn,
        ey=cy - 0.1 * ry,
        mx=cx + 1.05 * dx,
        my=cy + 0.56 * ry,
        mw=0.36 * rx0 * (1 - 0.22 * abs(turn)) * (0.85 + 0.3 * smile),
        bend=(smile * 1.4 - 0.45) * 0.2 * rx0,
        nx=cx + 1.35 * dx,
        nose_y=cy + 0.3 * ry,
        skin=skin,
        line=_scaled(skin, 0.55),
        hair=hair,
        hair_dark=_scaled(hair, 0.72),
        wrinkle=wrinkle,
        eyes=(eyes[0], eyes[1]),
    )


def _draw(
    attrs: Mapping[str, AttributeValue], style: _Style, size: int, rng: np.random.Generator
) -> tuple[Image.Image, Image.Image]:
    ss = supersample(size)
    w = ss * size
    image = _background(attrs, style, size, rng)
    sketch = Image.new("L", (w, w), 255)
    pen = _Pen(image, sketch, w, ss)
    f = _layout(attrs, style, w)
    hair_len = float(attrs["hair_length"])
    # Back to front: filled sketch shapes occlude the outlines behind them.
    _draw_body(pen, f, style, hair_len)
    _draw_wrinkles(pen, f)
    if attrs["beard"]:
        _draw_beard(pen, f)
    _draw_fringe(pen, f, style)
    _draw_eyes(pen, f, style, float(attrs["eye_open"]))
    _draw_nose(pen, f)
    _draw_mouth(pen, f, float(attrs["smile"]))
    if attrs["glasses"]:
        _draw_glasses(pen, f, style)
    return _finish(image, f, style, ss), sketch.reduce(ss)


def _vec(colour: RGB) -> np.ndarray:
    return np.array(colour, dtype=np.float32)


def _is_colour(region: np.ndarray, colour: RGB) -> np.ndarray:
    """Pixels of exactly ``colour`` (a flat fill, as drawn)."""
    r, g, b = colour
    return (region[:, :, 0] == r) & (region[:, :, 1] == g) & (region[:, :, 2] == b)


def _finish(image: Image.Image, f: _Face, style: _Style, ss: int) -> Image.Image:
    """Box-downsample the canvas, then shade the skin and texture the hair at the output
    size: where a pixel is a fraction ``c`` of a flat colour C on the canvas, adding
    ``c·(shaded(C) − C)`` to it is exactly what shading the canvas and then
    downsampling would give, at a sixteenth of the work."""
    canvas = np.asarray(image)
    out = np.asarray(image.reduce(ss), dtype=np.float32)  # (s, s, 3)
    n = out.shape[0]

    def coverage(colour: RGB) -> np.ndarray:
        mask = Image.fromarray(_is_colour(canvas, colour).astype(np.uint8) * 255, "L")
        return np.asarray(mask.reduce(ss), dtype=np.float32) / 255.0  # (n, n)

    skin = coverage(f.skin)
    if skin.any():
        out += skin[:, :, None] * (_shaded_skin(f, _grid(n, ss, 1)) - _vec(f.skin))
    covers = [(colour, coverage(colour)) for colour in (f.hair, f.hair_dark)]
    if any(c.any() for _, c in covers):
        gain, sheen = _hair_maps(f, style, n, ss)
        for colour, c in covers:
            rgb = _vec(colour) * gain[:, :, None] + 255.0 * sheen[:, :, None]
            out += c[:, :, None] * (rgb - _vec(colour))
    return Image.fromarray(np.clip(out + 0.5, 0, 255).astype(np.uint8), "RGB")


def _grid(n: int, ss: int, sub: int) -> tuple[np.ndarray, np.ndarray]:
    """Canvas coordinates (ys (N, 1), xs (1, N)) of ``sub``×``sub`` samples per output
    pixel, N = n·sub."""
    centres = (np.arange(n * sub, dtype=np.float32) + 0.5) * (ss / sub)
    return centres[:, None], centres[None, :]


def _shaded_skin(f: _Face, grid: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The skin lit as an ellipsoid (light from the upper left, an ambient fill, the
    side turned away darker) with a soft blush on the cheeks: (N, N, 3)."""
    ys, xs = grid
    u = (xs - f.cx - 0.5 * f.dx) / f.rx  # the bulge follows the turned features
    v = (ys - f.cy) / f.ry
    nz = np.sqrt(np.clip(1.0 - u**2 - v**2, 0.0, 1.0))
    lit = (_LIGHT[0] * u + _LIGHT[1] * v + _LIGHT[2] * nz) / np.sqrt(u**2 + v**2 + nz**2).clip(1e-3)
    light = 0.72 + 0.36 * np.clip(lit, 0.0, 1.0)  # about 1.05 at the lit centre
    rgb = _vec(f.skin) * light[:, :, None].astype(np.float32)
    blush = np.zeros(rgb.shape[:2], np.float32)
    for side in (-1, 1):
        bx, by = f.cx + f.dx + side * 0.5 * f.rx, f.cy + 0.28 * f.ry
        blush += np.exp(-(((xs - bx) ** 2 + (ys - by) ** 2) / (0.2 * f.rx0) ** 2))
    return rgb + 0.16 * blush[:, :, None] * (_vec((205, 95, 95)) - rgb)


def _hair_maps(f: _Face, style: _Style, n: int, ss: int) -> tuple[np.ndarray, np.ndarray]:
    """Hair texture as (gain, lift), both (n, n): a hair pixel of colour C becomes
    ``C·gain + 255·lift``.  Strands fan out from the crown, the ends are darker, a sheen
    crosses the top; 2×2 samples per pixel keep the strands from aliasing."""
    ys, xs = _grid(n, ss, 2)
    ry = f.ry
    crown_x, crown_y = f.cx - f.turn * 0.12 * f.rx0, f.cy - 1.6 * ry
    angle = np.arctan2(xs - crown_x, ys - crown_y)
    dist = np.hypot(xs - crown_x, ys - crown_y) / ry
    phase = 7.0 * style.hair_shade + 3.0 * style.fringe_side  # per face, no new draws
    gain = 1.0 + 0.15 * np.sin(40.0 * angle + 2.5 * np.sin(9.0 * dist + phase) + phase)
    gain = gain * (1.12 - 0.22 * np.clip((ys - (f.cy - ry)) / (2.2 * ry), 0.0, 1.0))
    sheen = 0.25 * np.exp(-(((ys - (f.cy - 0.95 * ry)) / (0.12 * ry)) ** 2))  # (2n, 1)
    gain = gain * (1.0 - sheen)  # C·g + s·(255 − C·g) = C·g(1 − s) + 255·s

    def pool(m: np.ndarray) -> np.ndarray:
        m = np.broadcast_to(m, angle.shape)
        return ((m[0::2, 0::2] + m[1::2, 0::2] + m[0::2, 1::2] + m[1::2, 1::2]) / 4).astype(
            np.float32
        )

    return pool(gain), pool(sheen)


def _draw_body(pen: _Pen, f: _Face, style: _Style, hair_len: float) -> None:
    """Shoulders, hair volume and long hair, neck, ears, face."""
    cx, cy, rx0, rx, ry = f.cx, f.cy, f.rx0, f.rx, f.ry
    hcx = cx - f.turn * 0.12 * rx0  # the hair mass lags behind the turn
    skin_dark = _scaled(f.skin, 0.82)
    pen.ellipse((cx - 2.3 * rx0, cy + 1.2 * ry, cx + 2.3 * rx0, cy + 2.9 * ry), style.clothes)
    vol = 1.06 + 0.1 * hair_len
    pen.ellipse((hcx - vol * rx0, cy - 1.13 * ry, hcx + vol * rx0, cy + 0.25 * ry), f.hair)
    hair_bottom = cy + ry * (-0.4 + 2.1 * hair_len)
    if hair_bottom > cy:
        box = (hcx - 1.12 * rx0, cy - 0.4 * ry, hcx + 1.12 * rx0, hair_bottom)
        pen.img.rounded_rectangle(box, radius=0.4 * rx0, fill=f.hair)
        pen.sk.rounded_rectangle(box, radius=0.4 * rx0, fill=255, outline=0, width=pen.lw)
    pen.polygon(
        [
            (cx - 0.4 * rx, cy + 0.5 * ry),
            (cx + 0.4 * rx, cy + 0.5 * ry),
            (cx + 0.46 * rx, cy + 1.35 * ry),
            (cx - 0.46 * rx, cy + 1.35 * ry),
        ],
        skin_dark,
    )
    if hair_len < 0.45:  # longer hair covers the ears
        for side in (-1, 1):
            ex = cx + side * rx * 0.97 - f.turn * 0.2 * rx0
            pen.ellipse(
                (ex - 0.13 * rx0, f.ey - 0.05 * ry, ex + 0.13 * rx0, f.ey + 0.28 * ry), skin_dark
            )
    pen.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), f.skin)


def _draw_wrinkles(pen: _Pen, f: _Face) -> None:
    """Age: forehead lines, crow's feet, smile lines; faint grey in the sketch."""
    if f.wrinkle <= 0:
        return
    rx0 = f.rx0
    colour = _mix(f.skin, (70, 40, 30), 0.25 + 0.35 * f.wrinkle)
    grey = int(255 - 150 * f.wrinkle) if f.wrinkle > 0.3 else None
    lw = 0.025 * rx0 * (0.6 + f.wrinkle)
    for k in range(1 + int(f.wrinkle * 2.99)):
        y = f.cy - 0.36 * f.ry - k * 0.08 * f.ry
        x0, x1 = f.cx + f.dx - 0.45 * f.rx, f.cx + f.dx + 0.45 * f.rx
        pen.line(_curve(x0, x1, y, -0.03 * rx0, 7), colour, lw, grey)
    for (ex, ew), side in zip(f.eyes, (-1, 1), strict=True):
        ox = ex + side * (ew + 0.05 * rx0)
        for k in (-1, 0, 1):
            pen.line(
                [(ox, f.ey + k * 0.03 * rx0), (ox + side * 0.1 * rx0, f.ey + k * 0.08 * rx0)],
                colour,
                lw,
                None,
            )
    for side in (-1, 1):
        pen.line(
            [
                (f.nx + side * 0.18 * rx0, f.nose_y - 0.03 * f.ry),
                (f.mx + side * (f.mw + 0.14 * rx0), f.my + 0.02 * f.ry),
            ],
            colour,
            lw,
            grey,
        )


def _draw_beard(pen: _Pen, f: _Face) -> None:
    """Jaw and chin in hair colour, up to the cheeks, with a moustache and a mouth gap."""
    rx0, mx, my, mw = f.rx0, f.mx, f.my, f.mw
    jaw = _arc_points(f.cx, f.cy, f.rx * 1.04, f.ry * 1.04, math.radians(8), math.radians(172), 21)
    cheeks = [
        (f.cx - 0.72 * f.rx, f.cy + 0.22 * f.ry),
        (mx - 1.2 * mw, f.nose_y + 0.02 * f.ry),
        (mx + 1.2 * mw, f.nose_y + 0.02 * f.ry),
        (f.cx + 0.72 * f.rx, f.cy + 0.22 * f.ry),
    ]
    pen.polygon(jaw + cheeks, f.hair_dark)
    gap = (mx - 1.0 * mw, my - 0.07 * rx0, mx + 1.0 * mw, my + 0.12 * rx0 + max(f.bend, 0.0))
    pen.ellipse(gap, f.skin, sketch=False)


def _draw_fringe(pen: _Pen, f: _Face, style: _Style) -> None:
    """The top of an ellipse over the forehead, with a flat, swept or parted edge."""
    fx, fy = f.cx + 0.35 * f.dx, f.cy - 0.6 * f.ry
    frx, fry, ry = f.rx * 1.05, 0.5 * f.ry, f.ry
    top = _arc_points(fx, fy, frx, fry, math.pi, 2 * math.pi, 17)
    xs = np.linspace(fx + frx, fx - frx, 11)
    if style.fringe == 0:
        lower = [(x, fy + 0.02 * ry) for x in xs]
    elif style.fringe == 1:
        lower = [(x, fy + style.fringe_side * (x - fx) / frx * 0.16 * ry) for x in xs]
    else:
        px = fx + style.fringe_side * 0.35 * frx
        lower = [(x, fy + 0.18 * ry * min(1.0, abs(x - px) / frx) - 0.1 * ry) for x in xs]
    pen.polygon(top + lower, f.hair)


def _draw_eyes(pen: _Pen, f: _Face, style: _Style, eye_open: float) -> None:
    """Whites, iris, pupil, highlight, lid line and brow for each eye."""
    rx0, ey = f.rx0, f.ey
    eye_h = 0.13 * rx0 * (0.15 + 0.85 * eye_open)
    iris_r = 0.105 * rx0
    gaze = f.turn * 0.04 * rx0
    for ex, ew in f.eyes:
        sx = ew / (0.2 * rx0)
        pen.ellipse((ex - ew, ey - eye_h, ex + ew, ey + eye_h), (250, 250, 250))
        ih = min(iris_r, eye_h * 0.95)  # the lids cut the iris of a half-closed eye
        ix = ex + gaze
        pen.img.ellipse(
            (ix - iris_r * sx, ey - ih, ix + iris_r * sx, ey + ih), fill=style.eye_colour
        )
        ph = min(iris_r * 0.5, eye_h * 0.8)
        pupil = (ix - 0.5 * iris_r * sx, ey - ph, ix + 0.5 * iris_r * sx, ey + ph)
        pen.img.ellipse(pupil, fill=(15, 12, 12))
        pen.sk.ellipse(pupil, fill=0)
        if eye_h > 0.05 * rx0:
            g, gx, gy = 0.035 * rx0, ix - 0.3 * iris_r, ey - 0.35 * ih
            pen.img.ellipse((gx - g, gy - g, gx + g, gy + g), fill=(255, 255, 255))
        lid = _arc_points(ex, ey, ew, eye_h, math.pi, 2 * math.pi, 9)
        pen.line(lid, _scaled(f.line, 0.7), 0.05 * rx0, sketch=None)
        by = ey - (0.3 + style.brow_lift) * rx0 - eye_h * 0.3
        pen.line(
            _curve(ex - 1.15 * ew, ex + 1.15 * ew, by, -0.06 * rx0, 5), f.hair_dark, 0.065 * rx0
        )


def _draw_nose(pen: _Pen, f: _Face) -> None:
    rx0, nx, ny1 = f.rx0, f.nx, f.nose_y
    ny0 = f.ey + 0.12 * f.ry
    tip = nx + 0.05 * rx0 * (f.turn if f.turn else 1.0)
    pen.line([(nx - 0.02 * rx0, ny0), (tip, ny1)], f.line, 0.04 * rx0)
    pen.line(_curve(nx - 0.12 * rx0, nx + 0.12 * rx0, ny1, 0.05 * rx0, 5), f.line, 0.04 * rx0)


def _draw_mouth(pen: _Pen, f: _Face, smile: float) -> None:
    """A parabola; past smile 0.55 it opens and shows teeth."""
    mx, my, mw, bend, rx0 = f.mx, f.my, f.mw, f.bend, f.rx0
    opening = min(max((smile - 0.55) / 0.45, 0.0), 1.0)
    lip = _mix(f.skin, (150, 50, 60), 0.55)
    if opening <= 0:
        pen.line(_curve(mx - mw, mx + mw, my, bend), lip, 0.07 * rx0)
        return
    upper = _curve(mx - mw, mx + mw, my, bend * 0.35)
    lower = _curve(mx - mw, mx + mw, my, bend + opening * 0.12 * rx0)
    pen.img.polygon(upper + lower[::-1], fill=(110, 25, 35))
    teeth = [(x, y + (yl - y) * 0.45) for (x, y), (_, yl) in zip(upper, lower, strict=True)]
    pen.img.polygon(upper + teeth[::-1], fill=(245, 245, 240))
    pen.line(upper, lip, 0.045 * rx0)
    pen.line(lower, lip, 0.06 * rx0)


def _draw_glasses(pen: _Pen, f: _Face, style: _Style) -> None:
    """Two rims (round or rectangular), a bridge and the arms to the face edge."""
    rx0, ey, fc = f.rx0, f.ey, style.frame_colour
    fw = 0.08 * rx0
    rims = []
    for ex, ew in f.eyes:
        box = (ex - ew * 1.45, ey - 0.24 * rx0, ex + ew * 1.45, ey + 0.22 * rx0)
        rims.append(box)
        if style.round_frames:
            pen.img.ellipse(box, outline=fc, width=round(fw))
            pen.sk.ellipse(box, outline=0, width=pen.lw)
        else:
            pen.img.rounded_rectangle(box, radius=0.08 * rx0, outline=fc, width=round(fw))
            pen.sk.rounded_rectangle(box, radius=0.08 * rx0, outline=0, width=pen.lw)
    bridge_y = ey - 0.05 * rx0
    pen.line(_curve(rims[0][2], rims[1][0], bridge_y, -0.04 * rx0, 4), fc, fw)
    left_edge, right_edge = f.cx - f.rx * 0.98, f.cx + f.rx * 0.98
    if rims[0][0] > left_edge:
        pen.line([(rims[0][0], bridge_y), (left_edge, bridge_y - 0.03 * rx0)], fc, fw)
    if rims[1][2] < right_edge:
        pen.line([(rims[1][2], bridge_y), (right_edge, bridge_y - 0.03 * rx0)], fc, fw)


class ProceduralFaces:
    """A virtual, labelled face data set: ``faces[i]`` depends only on ``(seed, i)``.

    Cheap to construct and to pickle (nothing is cached), so it can be handed
    to DataLoader workers or sharded as is.
    """

    def __init__(self, size: int = 64, count: int = 10000, seed: int = 0) -> None:
        if size < 32:
            raise ValueError(f"size must be at least 32, got {size}")
        if count < 0:
            raise ValueError(f"count must be >= 0, got {count}")
        self.size = size
        self.count = count
        self.seed = seed

    def __len__(self) -> int:
        return self.count

    def _rng(self, index: int) -> np.random.Generator:
        if not -self.count <= index < self.count:
            raise IndexError(f"face {index} out of range for {self.count} faces")
        return np.random.default_rng([self.seed, index % self.count])

    def attributes(self, index: int) -> dict[str, AttributeValue]:
        """The labels of face ``index`` without drawing it."""
        return sample_attributes(self._rng(index))

    def __getitem__(self, index: int) -> FaceSample:
        rng = self._rng(index)
        return render(sample_attributes(rng), self.size, rng)

    def __repr__(self) -> str:
        return f"ProceduralFaces(size={self.size}, count={self.count}, seed={self.seed})"
