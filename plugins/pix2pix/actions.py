"""photo-to-sketch, sketch-to-photo and translate: image in, image out.

Pre- and post-processing are the reference implementation's: bicubic resize
to the model's size, ``x / 127.5 - 1`` in, ``(y + 1) / 2 · 255`` truncated to
8 bits out (its ``tensor2im``), grey inputs through PIL's ``convert("L")``
(its ``Grayscale``).  Models run in eval mode (batch norm uses its running
statistics); dropout stays off unless the user asks for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch import Tensor, nn

from ganstudio.core.specs import ActionResult

from .sketch import grey, photo_to_sketch


def to_tensor(image: Image.Image, channels: int) -> Tensor:
    """(1, channels, H, W) in [-1, 1]; transparency is composited on white."""
    g = grey(image) if channels == 1 else None
    if g is not None:
        arr = np.round(g * 255.0)[:, :, None]
    else:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        arr = np.asarray(Image.alpha_composite(white, rgba).convert("RGB"), dtype=np.float32)
    t = torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32)).permute(2, 0, 1)
    return (t / 127.5 - 1.0).unsqueeze(0)


def to_image(tensor: Tensor) -> Image.Image:
    """(1, C, H, W) in [-1, 1] → RGB, truncated as the reference's ``tensor2im`` does."""
    arr = tensor[0].detach().float().cpu().numpy()
    if arr.shape[0] == 1:
        arr = np.tile(arr, (3, 1, 1))
    arr = (np.transpose(arr, (1, 2, 0)) + 1.0) / 2.0 * 255.0
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


@contextmanager
def dropout_on(module: nn.Module, enabled: bool) -> Iterator[nn.Module]:
    """``module`` with its Dropout layers in training mode when ``enabled`` (the
    pix2pix paper's noise at test time), back to eval after."""
    drops = [m for m in module.modules() if isinstance(m, nn.Dropout)] if enabled else []
    for m in drops:
        m.train()
    try:
        yield module
    finally:
        for m in drops:
            m.eval()


def _square(
    image: Image.Image, fill: tuple[int, ...] | int
) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """``image`` centred on a square canvas of ``fill``; the box where it lies."""
    w, h = image.size
    side = max(w, h)
    if w == h:
        return image, (0, 0, w, h)
    canvas = Image.new(image.mode, (side, side), fill)
    x, y = (side - w) // 2, (side - h) // 2
    canvas.paste(image, (x, y))
    return canvas, (x, y, x + w, y + h)


@torch.no_grad()
def run_generator(
    G: nn.Module,
    image: Image.Image,
    device: Any,
    resolution: int,
    in_channels: int,
    full_size: bool = False,
    dropout: bool = False,
    seed: int = 0,
) -> Image.Image:
    """``G`` on ``image``; the result is the size of ``image``.

    By default the image is padded to a square (white, a sketch's paper),
    resized to ``resolution``, translated and scaled back; ``full_size`` runs a
    fully convolutional (ResNet) generator at the image's own size instead,
    rounded down to a multiple of 4.
    """
    size = image.size
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGBA")
    if full_size:
        w, h = max(4, size[0] // 4 * 4), max(4, size[1] // 4 * 4)
        work, box = (
            image.resize((w, h), Image.Resampling.BICUBIC) if (w, h) != size else image,
            None,
        )
    else:
        fill = 255 if image.mode == "L" else (255,) * len(image.getbands())
        work, box = _square(image, fill)
        scale = resolution / work.size[0]
        box = tuple(round(v * scale) for v in box)  # type: ignore[assignment]
        work = work.resize((resolution, resolution), Image.Resampling.BICUBIC)
    x = to_tensor(work, in_channels).to(device)
    with torch.random.fork_rng(devices=[]), dropout_on(G, dropout):  # the global RNG is kept
        torch.manual_seed(seed)
        y = G(x)  # (1, C, H, W)
    out = to_image(y)
    if box is not None:
        out = out.crop(box)
    return out.resize(size, Image.Resampling.BICUBIC) if out.size != size else out


def sketch_action(model: Any, params: dict[str, Any], inputs: dict[str, Any]) -> ActionResult:
    """Image → sketch, with the same code the ``photos:`` data source uses."""
    image = inputs["image"]
    sketch = photo_to_sketch(image, params["detail"], params["thickness"])
    return ActionResult(images=[sketch.convert("RGB")], info={"size": list(image.size)})


def sketch_to_photo(model: Any, params: dict[str, Any], inputs: dict[str, Any]) -> ActionResult:
    image = inputs["image"]
    if params["extract_sketch"]:
        image = photo_to_sketch(image, params["detail"])
    cfg = model.config
    photo = run_generator(
        model.generator,
        image,
        model.device,
        int(cfg.resolution),
        int(cfg.input_channels),
        full_size=bool(params.get("full_size")) and cfg.generator.startswith("resnet"),
        dropout=bool(params["dropout"]),
        seed=int(params.get("seed", 0)),
    )
    return ActionResult(images=[photo], info={"extracted_sketch": bool(params["extract_sketch"])})


def translate(model: Any, params: dict[str, Any], inputs: dict[str, Any]) -> ActionResult:
    """CycleGAN A→B (``G.a2b``) or B→A (``G.b2a``)."""
    cfg = model.config
    G = model.generator
    net = G.b2a if params["direction"] == "b2a" else G.a2b
    photo = run_generator(
        net,
        inputs["image"],
        model.device,
        int(cfg.resolution),
        int(cfg.channels),
        full_size=bool(params["full_size"]),
        dropout=bool(params.get("dropout")),
    )
    return ActionResult(images=[photo], info={"direction": params["direction"]})
