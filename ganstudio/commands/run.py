"""``ganstudio run ACTION --model M -o OUT``: one editor action, headless."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ganstudio.commands._common import (
    action_progress,
    add_device_arg,
    first_interrupt_stops,
    registry,
)
from ganstudio.core.specs import parse_params
from ganstudio.errors import UserError, output_error


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run an editor action (generate, interpolate, …) and save the result",
        description="Run ACTION with a model file and write the result.  Several images are "
        "saved as a grid (or a strip); an -o ending in .gif saves an animation, and so "
        "does .webp for an animation (animate); a voxel result (voxel-preview) writes "
        ".obj/.ply/.stl meshes, .npy/.binvox grids or a .png/.gif turntable.  The "
        "image records how it was made ('ganstudio info IMAGE').  Ctrl-C: an action that "
        "can keep a partial result (project) stops and writes its best result so far "
        "(exit 130), a second Ctrl-C aborts; other actions abort at once and write nothing.",
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
    from ganstudio.core.imaging import WRITABLE_FORMATS
    from ganstudio.core.inputs import output_files
    from ganstudio.core.model_files import resolve_model
    from ganstudio.services.actions import ActionRequest, find_action, read_image_input
    from ganstudio.services.models import ModelCache

    cache = ModelCache(registry(args), args.device)
    writable = {*WRITABLE_FORMATS, *(s for f in output_files_all() for s in f.extensions)}
    if args.output and Path(args.output).suffix.lower() not in writable:
        raise UserError(f"-o {args.output}: use one of {', '.join(sorted(writable))}")
    model_path = resolve_model(args.model) if args.model else None
    model = cache.get(model_path) if model_path is not None else None
    action = find_action(cache.registry, args.action, model)
    if not action.requires:  # a model-less action: run (and recorded) without the model
        model_path, model = None, None
    written = output_files(action.output_kind)  # results that are not images (voxels …)
    suffixes = written.extensions if written else tuple(WRITABLE_FORMATS)
    if args.output and Path(args.output).suffix.lower() not in suffixes:
        raise UserError(f"-o {args.output}: action {action.id!r} writes {', '.join(suffixes)}")
    params = action.params_for(model)
    if args.list_params:
        _print_params(params)
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
        return _edit_photo(args, cache.registry, model, action)  # project + edit + blend back
    values = parse_params(params, args.params)
    inputs: dict[str, Any] = {}
    if args.input and action.input_kind == "none":
        raise UserError(f"action {action.id!r} takes no input image; drop --input")
    if action.input_kind not in ("none", "image"):  # a declared kind: its reader says how
        _read_kind_input(args, action, inputs)
    if action.input_kind == "image":
        if not args.input:
            raise UserError(f"action {action.id!r} needs --input IMAGE")
        inputs["image"] = read_image_input(args.input)
    if args.mask:  # the region for a takes_mask action (ganstudio.core.masks)
        if not action.takes_mask or "image" not in inputs:
            raise UserError(f"action {action.id!r} takes no mask; drop --mask")
        from ganstudio.core.masks import read_mask

        inputs["mask"] = read_mask(args.mask, inputs["image"].size)
    request = ActionRequest(model_path, action, values, inputs, commit=True)
    result = _run(cache, request, show=not args.no_progress)
    _write(args, action, result)
    return 130 if result.stopped else 0  # written, but interrupted: as train and batch say


def _print_params(params: list[Any]) -> None:
    for p in params:
        low, high = getattr(p, "min", None), getattr(p, "max", None)
        rng = f" [{low}, {high}]" if low is not None else ""
        options = getattr(p, "choices", None)
        choices = f" {{{', '.join(options)}}}" if options else ""
        print(f"{p.name} ({type(p).__name__}, default {p.default!r}){rng}{choices} {p.help}")


def _run(cache: Any, request: Any, show: bool) -> Any:
    """Run with a progress bar; a stoppable action's first Ctrl-C keeps its best result."""
    from ganstudio.core.jobs import StopSignal
    from ganstudio.services.actions import run_request

    control = StopSignal()
    with action_progress(show=show) as on_progress:
        if not request.action.stoppable:
            return run_request(cache, request, control, on_progress)
        what = f"stopping {request.action.id}: keeping the best result so far"
        with first_interrupt_stops(control, what):
            return run_request(cache, request, control, on_progress)


def _write(args: argparse.Namespace, action: Any, result: Any) -> None:
    from ganstudio.core.atomic import remove_stale_temps
    from ganstudio.core.imaging import save_animation, save_image
    from ganstudio.core.inputs import output_files

    written = output_files(action.output_kind)
    if not result.images:
        raise UserError(f"action {action.id!r} returned no image to write")
    target = Path(args.output).expanduser()
    remove_stale_temps(target.parent)  # temporaries of an earlier run killed mid-write
    try:  # the shared atomic write path; a read-only folder or a full disk: exit 3, as batch
        if written is not None:
            from ganstudio.core.inputs import write_result

            out = result.output
            write_result(action.output_kind, target, out.result, out.images, dict(out.provenance))
        elif result.output.layout == "animation" and len(result.images) > 1:  # GIF/WebP, strip
            fps = result.output.result.info.get("fps", 1000 / 80)
            save_animation(target, result.images, dict(result.provenance), fps)
        elif target.suffix.lower() == ".gif" and len(result.images) > 1:
            save_image(target, result.images, dict(result.provenance))
        else:
            save_image(target, result.composite(), dict(result.provenance))
    except OSError as exc:
        raise output_error(target, exc) from None
    note = " (stopped early: the best result so far)" if result.stopped else ""
    print(f"wrote {target}{note}", file=sys.stderr)
    if args.latents:
        latents = result.output.result.latents
        if not latents:
            raise UserError(f"action {action.id!r} returned no latents to save")
        from ganstudio.core.latents import save_latents

        try:
            print(f"wrote {save_latents(args.latents, latents)}", file=sys.stderr)
        except OSError as exc:
            raise output_error(args.latents, exc) from None


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
    from ganstudio.core.imaging import save_image
    from ganstudio.core.photo.service import edit_photo
    from ganstudio.core.photo.upscale import find_upscaler
    from ganstudio.services.actions import read_image_input

    photo = read_image_input(args.input)
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
