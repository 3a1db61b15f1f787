"""The mask an action with ``takes_mask`` receives: the region to work on (inpainting).

One convention for every caller: ``inputs["mask"]`` is a mode "L" image the size
of ``inputs["image"]``, 255 inside the region.  The GUI takes it from the
active layer's mask (where the mask *hides* the layer: the artist paints the
hole out with the mask brush) or, without one, from the selection rectangle;
the CLI reads ``--mask MASK.png`` (white = the region).  Qt-free.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageOps

from ganstudio.errors import UserError


def read_mask(path: str | Path, size: tuple[int, int]) -> Image.Image:
    """``--mask PATH`` as an "L" image of ``size`` (white = region); one-line errors."""
    from ganstudio.core.image_input import InputError, read_input

    source = Path(path).expanduser()
    if not source.is_file():
        raise UserError(f"--mask {source}: no such file")
    try:
        image, _ = read_input(source)
    except InputError as exc:
        raise UserError(f"--mask {source.name}: {exc}") from None
    if image.size != size:
        raise UserError(
            f"--mask {source.name}: {image.size[0]}×{image.size[1]} is not the size of "
            f"--input ({size[0]}×{size[1]})"
        )
    if image.mode in ("RGBA", "LA"):
        low, _ = image.getchannel("A").getextrema()
        if isinstance(low, (int, float)) and low < 255:
            return image.getchannel("A")  # a mask drawn as transparency: opaque = region
    return image.convert("L")


def layer_region_mask(layer_mask: Image.Image | None) -> Image.Image | None:
    """A layer mask (255 shows the layer) as a region mask (255 where it is hidden)."""
    if layer_mask is None:
        return None
    region = ImageOps.invert(layer_mask.convert("L"))
    return region if region.getbbox() is not None else None  # a mask that hides nothing


def masked_inputs(
    layer: Any, selection: tuple[int, int, int, int] | None
) -> tuple[dict[str, Any], tuple[int, int]] | None:
    """(inputs, origin) for a ``takes_mask`` action from the active layer.

    The image is the whole layer (the result goes back over it at its offset);
    the mask is where the layer's mask hides it, cropped to the selection when
    there is one, else the selection rectangle itself; no mask when neither.
    ``None`` when there is no layer.
    """
    if layer is None:
        return None
    image = layer.image
    ox, oy = layer.offset
    region = layer_region_mask(getattr(layer, "mask", None))
    rect = None
    if selection is not None:
        x0, y0, x1, y1 = selection
        rect = Image.new("L", image.size, 0)
        rect.paste(255, (x0 - ox, y0 - oy, x1 - ox, y1 - oy))
        if rect.getbbox() is None:  # the selection misses this layer
            rect = None
    if region is not None and rect is not None:
        region = ImageChops.multiply(region, rect)
    elif region is None:
        region = rect
    inputs: dict[str, Any] = {"image": image}
    if region is not None and region.getbbox() is not None:
        inputs["mask"] = region
    return inputs, (ox, oy)
