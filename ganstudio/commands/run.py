"""``ganstudio run ACTION --model M -o OUT``: one editor action, headless."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ganstudio.commands._common import action_progress, add_device_arg, registry
from ganstudio.core.specs import parse_params
from ganstudio.errors import UserError, output_error


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run an editor action (generate, interpolate, …) and save the result",
        description="Run ACTION with a model file and write the result.  Several images are "
        "saved as a grid (or a strip); an -o ending in .gif saves an animation.  The "
        "image records how it was made ('ganstudio info IMAGE').",
    )
    p.add_argument("action", help="action id, e.g. generate, interpolate")
    p.add_argument(
        "--model",
        help="model file (.safetensors) or a name from 'ganstudio models'; "
        "not needed by actions that use no model",
    )
    p.add_argument(
        "--param",
        dest="params",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="action parameter (repeatable); --list-params shows them",
    )
    p.add_argument(
        "--input",
        help="input image for image→image actions; for a latent "
        "action (attributes, style-mix …): a photo whose face is projected, "
        "edited and blended back",
    )
    p.add_argument(
        "--mask",
        metavar="MASK",
        help="for actions that take a mask (inpaint): an image the size of --input, "
        "white where the action works",
    )
    p.add_argument("-o", "--output", help="output image (.png, .jpg, .webp, .gif)")
    p.add_argument(
        "--latents",
        metavar="NPZ",
        help="also save the result's latents (.npz); a layer parameter such as "
        "style-mix's source_a takes this file back.  With --input PHOTO and a "
        "latent action: the photo's projection, reused when the file exists "
        "(nothing is projected twice), else written",
    )
    p.add_argument("--list-params", action="store_true", help="show the action's parameters")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_device_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ganstudio.core.actions import run_action
    from ganstudio.core.atomic import remove_stale_temps
    from ganstudio.core.device import pick_device
    from ganstudio.core.imaging import WRITABLE_FORMATS, save_image
    from ganstudio.core.model_files import resolve_model
    from ganstudio.core.models import load_model

    reg = registry(args)
    if args.output and Path(args.output).suffix.lower() not in WRITABLE_FORMATS:
        raise UserError(f"-o {args.output}: use one of {', '.join(sorted(WRITABLE_FORMATS))}")
    if args.model:
        model = load_model(resolve_model(args.model), reg, pick_device(args.device))
        action = reg.action_for(args.action, model.capabilities, model.variant_id)
    else:
        model = None
        action = reg.modelless_action(args.action)
    params = action.params_for(model)
    if args.list_params:
        for p in params:
            low, high = getattr(p, "min", None), getattr(p, "max", None)
            rng = f" [{low}, {high}]" if low is not None else ""
            options = getattr(p, "choices", None)
            choices = f" {{{', '.join(options)}}}" if options else ""
            print(f"{p.name} ({type(p).__name__}, default {p.default!r}){rng}{choices} {p.help}")
        return 0
    if not args.output:
        raise UserError("-o/--output is required")
    if action.output_kind == "model":  # it returns tensors for the model file, no image
        hint = (
            "use 'ganstudio directions fit --model M' (-o NEW.safetensors for a copy)"
            if action.id == "fit-directions"
            else "'ganstudio run' writes images only"
        )
        raise UserError(
            f"action {action.id!r} adds to the model rather than making an image; {hint}"
        )
    if args.input and action.input_kind != "image" and model is not None:
        return _edit_photo(args, reg, model, action)  # project + edit + blend back
    values = parse_params(params, args.params)
    inputs = {}
    if args.input and action.input_kind != "image":
        raise UserError(f"action {action.id!r} takes no input image; drop --input")
    if action.input_kind == "image":
        if not args.input:
            raise UserError(f"action {action.id!r} needs --input IMAGE")
        from ganstudio.core.image_input import InputError, read_input

        source = Path(args.input).expanduser()
        if not os.path.lexists(source):  # a FIFO, a device or a link loop: read_input says
            raise UserError(f"--input {source}: no such file")
        try:
            # upright, alpha, greyscale, 16-bit and the ICC profile kept, as in batch
            inputs["image"], _ = read_input(source)
        except InputError as exc:
            raise UserError(f"--input {source.name}: {exc}") from None
    if args.mask:  # the region for a takes_mask action (ganstudio.core.masks)
        if not getattr(action, "takes_mask", False) or "image" not in inputs:
            raise UserError(f"action {action.id!r} takes no mask; drop --mask")
        from ganstudio.core.masks import read_mask

        inputs["mask"] = read_mask(args.mask, inputs["image"].size)
    with action_progress(show=not args.no_progress) as on_progress:
        out = run_action(action, model, values, inputs, on_progress=on_progress)
    if not out.images:
        raise UserError(f"action {action.id!r} returned no image to write")
    target = Path(args.output).expanduser()
    remove_stale_temps(target.parent)  # temporaries of an earlier run killed mid-write
    try:  # the shared atomic write path; a read-only folder or a full disk: exit 3, as batch
        if target.suffix.lower() == ".gif" and len(out.images) > 1:
            save_image(target, out.images, out.provenance)
        else:
            save_image(target, out.composite(), out.provenance)
    except OSError as exc:
        raise output_error(target, exc) from None
    print(f"wrote {target}", file=sys.stderr)
    if args.latents:
        if not out.result.latents:
            raise UserError(f"action {action.id!r} returned no latents to save")
        from ganstudio.core.latents import save_latents

        try:
            print(f"wrote {save_latents(args.latents, out.result.latents)}", file=sys.stderr)
        except OSError as exc:
            raise output_error(args.latents, exc) from None
    return 0


def _edit_photo(args: argparse.Namespace, reg: Any, model: Any, action: Any) -> int:
    """``run ACTION --input PHOTO``: the photo pipeline (ganstudio.core.photo.service)."""
    from ganstudio.core.atomic import remove_stale_temps
    from ganstudio.core.batch import InputError, read_input
    from ganstudio.core.imaging import save_image
    from ganstudio.core.photo.service import edit_photo
    from ganstudio.core.photo.upscale import find_upscaler

    source = Path(args.input).expanduser()
    if not source.is_file():
        raise UserError(f"--input {source}: no such file")
    try:
        photo, _ = read_input(source)
    except InputError as exc:
        raise UserError(f"--input {source.name}: {exc}") from None
    with action_progress(show=not args.no_progress) as on_progress:
        out = edit_photo(
            reg,
            model,
            action,
            args.params,
            photo,
            args.latents,
            on_progress,
            upscale=find_upscaler(reg, model.device),
        )
    target = Path(args.output).expanduser()
    remove_stale_temps(target.parent)
    try:
        save_image(target, out.composite(), out.provenance)
    except OSError as exc:
        raise output_error(target, exc) from None
    print(f"wrote {target}", file=sys.stderr)
    return 0
