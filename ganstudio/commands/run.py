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
        "saved as a grid (or a strip); an -o ending in .gif saves an animation, and so "
        "does .webp for an animation (animate).  The "
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
    from ganstudio.core.imaging import WRITABLE_FORMATS, save_animation, save_image
    from ganstudio.core.inputs import output_files
    from ganstudio.core.model_files import resolve_model
    from ganstudio.core.models import load_model

    reg = registry(args)
    writable = {*WRITABLE_FORMATS, *(s for f in output_files_all() for s in f.extensions)}
    if args.output and Path(args.output).suffix.lower() not in writable:
        raise UserError(f"-o {args.output}: use one of {', '.join(sorted(writable))}")
    if args.model:
        model = load_model(resolve_model(args.model), reg, pick_device(args.device))
        action = reg.action_for(args.action, model.capabilities, model.variant_id)
    else:
        model = None
        action = reg.modelless_action(args.action)
    written = output_files(action.output_kind)  # results that are not images (voxels …)
    suffixes = written.extensions if written else tuple(WRITABLE_FORMATS)
    if args.output and Path(args.output).suffix.lower() not in suffixes:
        raise UserError(f"-o {args.output}: action {action.id!r} writes {', '.join(suffixes)}")
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
    if args.input and action.input_kind == "none" and model is not None:
        return _edit_photo(args, reg, model, action)  # project + edit + blend back
    values = parse_params(params, args.params)
    inputs: dict[str, Any] = {}
    if args.input and action.input_kind == "none":
        raise UserError(f"action {action.id!r} takes no input image; drop --input")
    if action.input_kind not in ("none", "image"):  # a declared kind: its reader says how
        _read_kind_input(args, action, inputs)
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
    with action_progress(show=not args.no_progress) as on_progress:
        out = run_action(action, model, values, inputs, on_progress=on_progress)
    if not out.images:
        raise UserError(f"action {action.id!r} returned no image to write")
    target = Path(args.output).expanduser()
    remove_stale_temps(target.parent)  # temporaries of an earlier run killed mid-write
    try:  # the shared atomic write path; a read-only folder or a full disk: exit 3, as batch
        if written is not None:
            from ganstudio.core.inputs import write_result

            write_result(action.output_kind, target, out.result, out.images, out.provenance)
        elif out.layout == "animation" and len(out.images) > 1:  # GIF/WebP frames, PNG strip
            fps = out.result.info.get("fps", 1000 / 80)
            save_animation(target, out.images, out.provenance, fps)
        elif target.suffix.lower() == ".gif" and len(out.images) > 1:
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


def output_files_all() -> list[Any]:
    from ganstudio.core.inputs import OUTPUT_FILES

    return list(OUTPUT_FILES.values())


def _read_kind_input(args: argparse.Namespace, action: Any, inputs: dict[str, Any]) -> None:
    """``--input FILE`` for an action of a non-image input kind (voxels …)."""
    from ganstudio.core.image_input import InputError
    from ganstudio.core.inputs import input_files, read_action_input

    files = input_files(action.input_kind)
    if files is None:
        raise UserError(
            f"action {action.id!r} takes a {action.input_kind} input GAN Studio cannot read"
        )
    if not args.input:
        raise UserError(f"action {action.id!r} needs --input ({', '.join(files.extensions)})")
    source = Path(args.input).expanduser()
    if not os.path.lexists(source):
        raise UserError(f"--input {source}: no such file")
    try:
        found, _ = read_action_input(action.input_kind, source)
    except InputError as exc:
        raise UserError(f"--input {source.name}: {exc}") from None
    inputs.update(found)


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
