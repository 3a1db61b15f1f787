"""Short clips of procedural faces that move: the training data of temporal GANs.

Clip ``i`` of a set seeded ``seed`` is one procedural face (its attributes and
its look drawn from ``(seed, i)``) whose head turns from one side to the
other, whose smile grows, or both, over ``frames`` frames with an eased
(smoothstep) timing.  Only the moving attributes change between frames: the
position, colours and background noise of the face stay put, so a model
must learn *content* (who) apart from *motion* (what happens), the split
MoCoGAN makes.

No torch here; the Dataset adapter is ``tensors.FaceClipsDataset``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from ganstudio.core.data.procedural import AttributeValue, render, sample_attributes

__all__ = ["MOTIONS", "FaceClip", "ProceduralFaceClips"]

#: what moves in a clip; ``mixed`` draws one of the others per clip
MOTIONS = ("turn", "smile", "both", "mixed")
_MAX_FRAMES = 64


@dataclass
class FaceClip:
    """One clip: its frames (RGB, all one size), the face's attributes and its motion."""

    frames: list[Image.Image]
    attributes: dict[str, AttributeValue]
    motion: str
    #: the moving attributes' values, frame by frame ("head_turn": [...], "smile": [...])
    track: dict[str, list[float]]


def _smoothstep(t: np.ndarray) -> np.ndarray:
    return t * t * (3 - 2 * t)


class ProceduralFaceClips:
    """A virtual set of moving faces: ``clips[i]`` depends only on ``(seed, i)``.

    Faces are drawn at 32 px at least and box-downsampled below that, so
    16 px clips exist too.
    """

    def __init__(
        self,
        size: int = 32,
        count: int = 1000,
        seed: int = 0,
        frames: int = 8,
        motion: str = "mixed",
    ) -> None:
        if size < 8 or size > 256:
            raise ValueError(f"size must be in 8..256, got {size}")
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        if not 2 <= frames <= _MAX_FRAMES:
            raise ValueError(f"frames must be in 2..{_MAX_FRAMES}, got {frames}")
        if motion not in MOTIONS:
            raise ValueError(f"motion must be one of {', '.join(MOTIONS)}, got {motion!r}")
        self.size, self.count, self.seed = size, count, seed
        self.frames, self.motion = frames, motion

    def __len__(self) -> int:
        return self.count

    def track(self, index: int) -> tuple[dict[str, AttributeValue], str, dict[str, list[float]]]:
        """(attributes, motion, per-frame values of the moving attributes) of clip ``index``."""
        if not -self.count <= index < self.count:
            raise IndexError(f"clip {index} out of range for {self.count} clips")
        rng = np.random.default_rng([self.seed, index % self.count])
        attrs = sample_attributes(rng)
        motion = self.motion
        if motion == "mixed":
            motion = str(rng.choice(("turn", "smile", "both")))
        t = _smoothstep(np.linspace(0.0, 1.0, self.frames))
        track: dict[str, list[float]] = {}
        if motion in ("turn", "both"):
            side = float(rng.choice((-1.0, 1.0)))  # which way it turns
            start, end = side * rng.uniform(0.5, 0.9), -side * rng.uniform(0.5, 0.9)
            track["head_turn"] = [float(v) for v in start + (end - start) * t]
        if motion in ("smile", "both"):
            start, end = rng.uniform(0.0, 0.25), rng.uniform(0.8, 1.0)
            track["smile"] = [float(v) for v in start + (end - start) * t]
        return attrs, motion, track

    def __getitem__(self, index: int) -> FaceClip:
        attrs, motion, track = self.track(index)
        draw = max(32, self.size)
        frames = []
        for k in range(self.frames):
            frame_attrs = {**attrs, **{name: values[k] for name, values in track.items()}}
            # the same style seed every frame: only the moving attributes change
            image = render(frame_attrs, draw, [self.seed, index % self.count, 1]).image
            if draw != self.size:
                image = image.resize((self.size, self.size), Image.Resampling.BOX)
            frames.append(image)
        return FaceClip(frames, attrs, motion, track)

    def __repr__(self) -> str:
        return (
            f"ProceduralFaceClips(size={self.size}, count={self.count}, seed={self.seed}, "
            f"frames={self.frames}, motion={self.motion!r})"
        )
