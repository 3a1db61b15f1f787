"""Deterministic procedural 3-D shapes: the demo and test data of the 3D-GAN.

Every shape is a labelled piece of furniture or tableware (chair, table, stool,
cup, lamp, shelf) built from parametric primitives -- boxes, cylinders and
tubes -- whose proportions are drawn from ``(seed, index)`` alone, so shape
``i`` is the same in every worker, shard and run, and the same geometry
voxelises at 16, 32 or 64 voxels.  Grids follow :mod:`ganstudio.core.voxels`:
``(X, Y, Z)``, z up, occupancy 0 or 1.  No torch here (see ``tensors.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["CLASSES", "ProceduralShapes", "ShapeSample", "make_shape"]

CLASSES = ("chair", "table", "stool", "cup", "lamp", "shelf")

Coords = tuple[np.ndarray, np.ndarray, np.ndarray]


def _box(p: Coords, lo: tuple[float, float, float], hi: tuple[float, float, float]) -> np.ndarray:
    x, y, z = p
    return (x >= lo[0]) & (x <= hi[0]) & (y >= lo[1]) & (y <= hi[1]) & (z >= lo[2]) & (z <= hi[2])


def _cylinder(
    p: Coords, cx: float, cy: float, r: float, z0: float, z1: float, inner: float = 0.0
) -> np.ndarray:
    x, y, z = p
    d2 = (x - cx) ** 2 + (y - cy) ** 2
    return (d2 <= r * r) & (d2 >= inner * inner) & (z >= z0) & (z <= z1)


def _legs(
    p: Coords, rng: np.random.Generator, half: float, height: float, thick: float
) -> np.ndarray:
    c = 0.5
    out = np.zeros(p[0].shape, bool)
    for sx in (-1, 1):
        for sy in (-1, 1):
            lx, ly = c + sx * (half - thick), c + sy * (half - thick)
            out |= _box(p, (lx - thick, ly - thick, 0.04), (lx + thick, ly + thick, height))
    return out


def _chair(p: Coords, rng: np.random.Generator) -> np.ndarray:
    half = rng.uniform(0.2, 0.3)
    seat = rng.uniform(0.35, 0.5)
    thick = rng.uniform(0.03, 0.05)
    back = rng.uniform(0.78, 0.95)
    shape = _legs(p, rng, half, seat, thick)
    shape |= _box(p, (0.5 - half, 0.5 - half, seat), (0.5 + half, 0.5 + half, seat + 0.06))
    shape |= _box(p, (0.5 - half, 0.5 + half - 0.07, seat), (0.5 + half, 0.5 + half, back))
    return shape


def _table(p: Coords, rng: np.random.Generator) -> np.ndarray:
    half_x, half_y = rng.uniform(0.3, 0.44), rng.uniform(0.22, 0.4)
    top = rng.uniform(0.5, 0.7)
    thick = rng.uniform(0.03, 0.05)
    x, y, z = p
    legs = np.zeros(x.shape, bool)
    for sx in (-1, 1):
        for sy in (-1, 1):
            lx, ly = 0.5 + sx * (half_x - thick), 0.5 + sy * (half_y - thick)
            legs |= _box(p, (lx - thick, ly - thick, 0.04), (lx + thick, ly + thick, top))
    slab = _box(p, (0.5 - half_x, 0.5 - half_y, top), (0.5 + half_x, 0.5 + half_y, top + 0.06))
    return legs | slab


def _stool(p: Coords, rng: np.random.Generator) -> np.ndarray:
    r = rng.uniform(0.16, 0.26)
    top = rng.uniform(0.4, 0.65)
    leg = rng.uniform(0.03, 0.05)
    shape = _cylinder(p, 0.5, 0.5, r, top, top + 0.07)
    for k in range(3):
        a = 2 * np.pi * k / 3 + rng.uniform(0, 0.3)
        lx, ly = 0.5 + 0.7 * r * np.cos(a), 0.5 + 0.7 * r * np.sin(a)
        shape |= _box(p, (lx - leg, ly - leg, 0.04), (lx + leg, ly + leg, top))
    return shape


def _cup(p: Coords, rng: np.random.Generator) -> np.ndarray:
    r = rng.uniform(0.2, 0.3)
    h = rng.uniform(0.4, 0.65)
    wall = rng.uniform(0.05, 0.08)
    shape = _cylinder(p, 0.5, 0.5, r, 0.1, 0.1 + h, inner=r - wall)
    shape |= _cylinder(p, 0.5, 0.5, r, 0.1, 0.16)  # the bottom
    x, y, z = p
    hz, hr = 0.1 + h / 2, rng.uniform(0.1, 0.16)
    handle = ((x - (0.5 + r)) ** 2 + (z - hz) ** 2 <= hr**2) & (
        (x - (0.5 + r)) ** 2 + (z - hz) ** 2 >= (hr - 0.05) ** 2
    )
    shape |= handle & (np.abs(y - 0.5) <= 0.04) & (x >= 0.5 + r - 0.02)
    return shape


def _lamp(p: Coords, rng: np.random.Generator) -> np.ndarray:
    base_r = rng.uniform(0.14, 0.22)
    pole = rng.uniform(0.025, 0.04)
    height = rng.uniform(0.55, 0.72)
    shade_r = rng.uniform(0.16, 0.26)
    shape = _cylinder(p, 0.5, 0.5, base_r, 0.04, 0.1)
    shape |= _cylinder(p, 0.5, 0.5, pole, 0.1, height)
    x, y, z = p
    # a cone-shaped shade: its radius shrinks from shade_r at the bottom to 60 % at the top
    t = (z - height) / 0.24
    radius = shade_r * (1 - 0.4 * np.clip(t, 0, 1))
    d = np.sqrt((x - 0.5) ** 2 + (y - 0.5) ** 2)
    shape |= (t >= 0) & (t <= 1) & (d <= radius) & (d >= radius - 0.06)
    return shape


def _shelf(p: Coords, rng: np.random.Generator) -> np.ndarray:
    half_x, depth = rng.uniform(0.25, 0.4), rng.uniform(0.12, 0.2)
    height = rng.uniform(0.7, 0.92)
    boards = int(rng.integers(2, 5))
    side = 0.05
    y0, y1 = 0.5 - depth, 0.5 + depth
    shape = _box(p, (0.5 - half_x, y0, 0.04), (0.5 - half_x + side, y1, height))
    shape |= _box(p, (0.5 + half_x - side, y0, 0.04), (0.5 + half_x, y1, height))
    for k in range(boards + 1):
        z = 0.04 + (height - 0.09) * k / boards
        shape |= _box(p, (0.5 - half_x, y0, z), (0.5 + half_x, y1, z + 0.05))
    return shape


_MAKERS: dict[str, Callable[[Coords, np.random.Generator], np.ndarray]] = {
    "chair": _chair,
    "table": _table,
    "stool": _stool,
    "cup": _cup,
    "lamp": _lamp,
    "shelf": _shelf,
}


def make_shape(kind: str, size: int, rng: np.random.Generator, turn: int = 0) -> np.ndarray:
    """One ``kind`` voxelised at ``size``³ (float32 0/1), turned ``turn`` quarter turns about z."""
    centres = (np.arange(size, dtype=np.float64) + 0.5) / size
    p = np.meshgrid(centres, centres, centres, indexing="ij")
    shape = _MAKERS[kind]((p[0], p[1], p[2]), rng)
    return np.rot90(shape, k=turn, axes=(0, 1)).astype(np.float32)


@dataclass(frozen=True)
class ShapeSample:
    grid: np.ndarray  # (size, size, size) float32, 0/1
    label: int  # index into CLASSES

    @property
    def kind(self) -> str:
        return CLASSES[self.label]


class ProceduralShapes:
    """``count`` shapes at ``size``³; shape ``i`` is a pure function of ``(seed, i)``.

    Classes take turns (shape ``i`` is ``CLASSES[i % 6]``), so every class is
    equally common and a collapsed generator visibly misses some.
    ``turns`` allows random quarter turns about the up axis (off by default:
    the demo learns one orientation per class, as ModelNet's aligned shapes).
    """

    def __init__(self, size: int = 32, count: int = 6000, seed: int = 0, turns: bool = False):
        if not 8 <= size <= 128:
            raise ValueError(f"shape size must be 8 to 128 voxels, got {size}")
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        self.size, self.count, self.seed, self.turns = size, count, seed, turns

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> ShapeSample:
        if not 0 <= index < self.count:
            raise IndexError(index)
        rng = np.random.default_rng([self.seed, index])
        label = index % len(CLASSES)
        turn = int(rng.integers(0, 4)) if self.turns else 0
        return ShapeSample(make_shape(CLASSES[label], self.size, rng, turn), label)
