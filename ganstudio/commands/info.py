"""``ganstudio info``: what a model file holds, or how an image was made."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ganstudio.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "info",
        help="describe a model file or an image GAN Studio made",
        description="For a .safetensors model: variant, config, training summary "
        "and tensor roles.  For an image: the provenance recorded in it.",
    )
    p.add_argument(
        "path", help="a model file (.safetensors), a name from 'ganstudio models', or an image"
    )
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ganstudio.core.model_files import resolve_model

    path = resolve_model(args.path)  # an existing file (model or image) comes back as it is
    if path.suffix.lower() == ".safetensors":
        return _model_info(path, args.json)
    return _image_info(path, args.json)


def _model_info(path: Path, as_json: bool) -> int:
    from ganstudio.core.model_header import read_metadata, tensor_names

    meta = read_metadata(path)
    shapes = tensor_names(path)
    roles: dict[str, dict[str, int]] = {}
    for name, shape in shapes.items():
        role = name.split(".", 1)[0]
        entry = roles.setdefault(role, {"tensors": 0, "values": 0})
        entry["tensors"] += 1
        count = 1
        for d in shape:
            count *= d
        entry["values"] += count
    if as_json:  # ensure_ascii (the default) escapes every control character
        print(json.dumps({"metadata": meta, "roles": roles}, indent=2, sort_keys=True))
        return 0
    # everything below comes from the file: printed through safe_text (no ANSI/OSC reaches
    # the terminal)
    say(path.name)
    say(
        f"  variant: {meta.get('variant')}"
        + (f" (plugin {meta['plugin']})" if meta.get("plugin") else "")
    )
    say(f"  format: {meta.get('format')}  written by GAN Studio {meta.get('app_version')}")
    for key in ("step", "images_seen", "trained_on", "objective", "imported_from", "importer"):
        if meta.get(key) not in (None, ""):
            say(f"  {key.replace('_', ' ')}: {meta[key]}")
    say("  config:")
    for k, v in (meta.get("config") or {}).items():
        say(f"    {k} = {v}")
    say("  roles:")
    for role, entry in roles.items():
        say(f"    {role}: {entry['tensors']} tensors, {entry['values']:,} values")
    return 0


def _image_info(path: Path, as_json: bool) -> int:
    from ganstudio.core.imaging import read_provenance
    from ganstudio.core.untrusted import NotAnImageError, open_image

    try:
        prov = read_provenance(path)
    except NotAnImageError:
        raise UserError(f"{path}: neither a model file (.safetensors) nor an image") from None
    if prov is None:
        with open_image(path) as im:
            say(
                f"{path.name}: {im.format} {im.size[0]}x{im.size[1]} {im.mode}; "
                "no GAN Studio provenance recorded"
            )
        return 0
    if as_json:
        print(json.dumps(prov, indent=2, sort_keys=True))
        return 0
    model = prov.get("model")
    say(f"{path.name}: made by GAN Studio {prov.get('app_version', '')}".rstrip())
    say(f"  action: {prov.get('action')}")
    if model:
        say(
            f"  model: {model.get('file')} (variant {model.get('variant')}, "
            f"sha256 {str(model.get('sha256'))[:16]}…)"
        )
    for k, v in (prov.get("params") or {}).items():
        say(f"  {k} = {v}")
    return 0


def say(line: str) -> None:
    """Print a line built from a file's content with control characters escaped."""
    from ganstudio.core.untrusted import safe_text

    print(safe_text(line))
