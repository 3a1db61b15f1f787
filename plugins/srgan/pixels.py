"""PIL images of any mode ↔ the float planes a network takes, and back.

* RGB, and everything convertible to it (P, CMYK, YCbCr, LAB, HSV, 1): colour.
* L / LA / I;16* / I / F: greyscale, run through an RGB network as three
  equal channels and averaged back.
* Alpha (RGBA, LA, PA, P with transparency) is upscaled separately with
  bicubic resampling: networks trained on photos do not know alpha.
* 16-bit greyscale (I;16, I;16B, I;16L, or I holding 0..65535) keeps 16-bit
  precision end to end and comes back as I;16.  Pillow has no 16-bit RGB
  mode: a 48-bit PNG arrives already reduced to 8-bit RGB, and leaves as 8-bit.
* The ICC profile is copied onto the output's ``info`` (the writer saves it);
  for CMYK input, converted to RGB without colour management, it is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from PIL import Image, ImageOps
from torch import Tensor

_GREY16 = ("I;16", "I;16B", "I;16L", "I;16N", "I")


@dataclass
class Planes:
    colour: Tensor  # (1, C, H, W) float32 in [0, 1], C = 1 or 3
    alpha: Image.Image | None  # 8-bit L
    grey: bool
    bits: int  # 8 or 16
    icc: bytes | None
    notes: list[str] = field(default_factory=list)


def split(image: Image.Image) -> Planes:
    """Decode any PIL image into colour planes + alpha; applies EXIF orientation."""
    image = ImageOps.exif_transpose(image)  # a no-op once applied: it drops the tag
    notes: list[str] = []
    icc = image.info.get("icc_profile") or None
    mode = image.mode
    alpha = None
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif mode == "PA":
        image = image.convert("RGBA")
    elif mode == "1":
        image = image.convert("L")
    elif mode == "CMYK":
        image = image.convert("RGB")
        if icc:
            notes.append(
                "CMYK converted to RGB without colour management; its CMYK ICC profile was dropped"
            )
            icc = None
    mode = image.mode
    if mode in ("RGBA", "LA", "La", "RGBa"):
        alpha = image.getchannel("A")
        image = image.convert("RGB" if mode.startswith("RGB") else "L")
    if image.mode in _GREY16:
        arr = np.asarray(image, dtype=np.float32)
        if image.mode == "I" and arr.max(initial=0) <= 255 and image.info.get("bits") == 8:
            arr = arr * 257.0
        t = torch.from_numpy(np.clip(arr, 0, 65535) / 65535.0)[None, None]
        return Planes(t.float(), alpha, True, 16, icc, notes)
    if image.mode == "F":
        arr = np.asarray(image, dtype=np.float32)
        t = torch.from_numpy(np.clip(arr / 255.0, 0, 1))[None, None]
        notes.append("32-bit float input read as 0..255 and written as 8-bit")
        return Planes(t, alpha, True, 8, icc, notes)
    grey = image.mode == "L"
    if not grey and image.mode != "RGB":
        image = image.convert("RGB")
    arr = np.asarray(image, dtype=np.float32) / 255.0
    t = torch.from_numpy(arr)
    t = t[None, None] if grey else t.permute(2, 0, 1)[None]  # (1, C, H, W)
    return Planes(t.contiguous(), alpha, grey, 8, icc, notes)


def model_input(planes: Planes, in_ch: int) -> Tensor:
    """Colour planes as the network's channel count (grey ↔ RGB)."""
    c = planes.colour.shape[1]
    if c == in_ch:
        return planes.colour
    if c == 1:
        return planes.colour.expand(-1, in_ch, -1, -1).contiguous()
    return planes.colour.mean(dim=1, keepdim=True)


class ImageSink:
    """Receives finished tiles and pastes them into the output image (8- or 16-bit)."""

    def __init__(self, width: int, height: int, grey: bool, bits: int) -> None:
        self.grey, self.bits = grey, bits
        mode = "I;16" if bits == 16 else ("L" if grey else "RGB")
        self.image = Image.new(mode, (width, height))

    def __call__(self, y: int, x: int, tile: Tensor) -> None:
        if self.grey and tile.shape[0] != 1:
            tile = tile.mean(dim=0, keepdim=True)  # (1, th, tw)
        if not self.grey and tile.shape[0] == 1:
            tile = tile.expand(3, -1, -1)
        if self.bits == 16:
            arr = (tile[0] * 65535.0).round_().numpy().astype(np.uint16)
            piece = Image.fromarray(arr)  # uint16 (h, w) → I;16
        else:
            arr = (tile * 255.0).round_().to(torch.uint8).permute(1, 2, 0).numpy()
            piece = Image.fromarray(arr[:, :, 0] if self.grey else arr)  # L or RGB
        self.image.paste(piece, (x, y))


def finish(out: Image.Image, planes: Planes, outscale: float, native: int) -> Image.Image:
    """Resize to ``outscale`` if asked, put the alpha back, and carry the ICC profile."""
    size = out.size
    if outscale and abs(outscale - native) > 1e-6:
        w0, h0 = planes.colour.shape[-1], planes.colour.shape[-2]
        size = (max(1, round(w0 * outscale)), max(1, round(h0 * outscale)))
        out = out.resize(size, Image.Resampling.LANCZOS)
    if planes.alpha is not None:
        a = planes.alpha.resize(size, Image.Resampling.BICUBIC)
        if out.mode == "I;16":
            planes.notes.append("16-bit greyscale with alpha written as 8-bit LA")
            out = Image.fromarray((np.asarray(out, dtype=np.uint32) // 257).astype(np.uint8))
        out = out.convert("RGBA" if out.mode == "RGB" else "LA")
        out.putalpha(a)
    if planes.icc:
        out.info["icc_profile"] = planes.icc
    return out
