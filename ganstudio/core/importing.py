"""Foreign checkpoints → model files, through the importers plugins provide.

One code path for ``ganstudio import`` and the GUI's File → Import model… (and
drag-and-drop): :func:`iterate_import` is a job generator (yields
:class:`~ganstudio.core.specs.Progress`, returns the importer id), and
:func:`import_into_models` picks a free name in the user's models folder, so
the result is in the model browser at once.  Torch is imported on first use, so
the GUI can import this module (``is_model_file``) while it starts.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Generator, Mapping
from pathlib import Path

from ganstudio.core import paths, untrusted
from ganstudio.core.jobs import drive
from ganstudio.core.model_files import read_header
from ganstudio.core.model_header import CheckpointError
from ganstudio.core.registry import Registry
from ganstudio.core.specs import Importer, Progress
from ganstudio.errors import UserError, output_error

#: what File → Import model… and a drop onto the window accept
MODEL_SUFFIXES = (".pkl", ".pt", ".pth", ".safetensors")
_STEPS = 5


def is_model_file(path: Path) -> bool:
    """A file the importer path should take (rather than the image opener)."""
    return path.suffix.lower() in MODEL_SUFFIXES


def detect_importer(registry: Registry, path: Path, state: object) -> Importer:
    """The first importer whose ``detect`` recognises the state dict."""
    for importer in registry.specs("importers"):
        if importer.detect is None:
            continue
        try:
            if importer.detect(path, state):
                return importer
        except Exception:  # noqa: BLE001 - a detector that trips means "not mine"
            continue
    names = ", ".join(registry.ids("importers")) or "none"
    raise CheckpointError(f"{path.name}: format not recognised; name one of: {names}")


def _custom_reader(registry: Registry, src: Path, named: Importer | None) -> Importer | None:
    """The importer whose own safe reader handles this file, if any."""
    if named is not None:
        return named if named.read is not None else None
    for importer in registry.specs("importers"):
        if importer.read is not None and src.suffix.lower() in importer.extensions:
            return importer
    return None


def _step(i: int, message: str) -> Progress:
    return Progress(step=i, total=_STEPS, message=message, fraction=i / _STEPS)


def iterate_import(
    registry: Registry,
    src: Path,
    out: Path,
    importer_id: str | None = None,
    options: Mapping[str, str] | None = None,
) -> Generator[Progress, None, str]:
    """Read, recognise, convert, write atomically, then reload strictly to prove the file
    is usable; yields a step between each (cancel lands between them).

    ``options`` go to the importer as they are (``ganstudio import --set k=v``).
    Returns the id of the importer that read the file.
    """
    from ganstudio.core import checkpoints
    from ganstudio.core.models import load_model, model_meta

    named = registry.importer(importer_id) if importer_id else None
    reader = _custom_reader(registry, src, named)
    yield _step(0, f"reading {src.name}")
    if reader is not None and reader.read is not None:
        if not src.is_file():
            raise CheckpointError(f"{src}: no such file")
        try:
            with warnings.catch_warnings():  # torch's notes on odd pickles: not the user's line
                warnings.simplefilter("ignore")
                state = reader.read(src)
        except UserError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever a hostile file trips is its fault
            raise CheckpointError(f"{src.name}: {reader.id}: {_reason(exc)}") from None
        state = untrusted.check_tensors(state, src.name)
    else:
        state = checkpoints.load_foreign(src)
    yield _step(1, "recognising the format")
    importer = named or reader or detect_importer(registry, src, state)
    unknown = sorted(set(options or {}) - set(importer.options))
    if unknown:
        takes = ", ".join(importer.options) or "none"
        raise CheckpointError(
            f"importer {importer.id} has no option {unknown[0]!r} (its options: {takes})"
        )
    yield _step(2, f"converting ({importer.name})")
    try:
        imported = importer.convert(src, state, dict(options or {}))
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001 - a mapping that trips on odd shapes: the file's fault
        raise CheckpointError(f"{src.name}: {importer.id}: {_reason(exc)}") from None
    # what the importer made (and any side file it read itself) passes the same checks
    tensors = untrusted.check_tensors(dict(imported.tensors), f"{src.name} ({importer.id})")
    del state
    variant = registry.variant(imported.variant)
    plugin = registry.plugin_of("variants", variant)
    meta = model_meta(
        imported.variant,
        plugin,
        imported.config,
        imported_from=src.name,
        importer=importer.id,
        source_sha256=checkpoints.file_sha256(src),
        **imported.info,
    )
    tmp = out.with_name(f".{out.name}.check.safetensors")
    try:
        yield _step(3, f"writing {out.name}")
        checkpoints.save_model(tmp, tensors, meta)
        del imported, tensors
        yield _step(4, "checking the model loads")
        load_model(tmp, registry, roles=None)  # strict key/shape check against our modules
        tmp.replace(out)
    except OSError as exc:
        raise output_error(out, exc) from None
    finally:
        tmp.unlink(missing_ok=True)
    yield _step(5, f"imported {out.name}")
    return importer.id


def _reason(exc: BaseException) -> str:
    """One line for an exception raised while reading or mapping a foreign file."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    kind = type(exc).__name__
    if isinstance(exc, (ValueError, KeyError)) and text:
        return untrusted.safe_text(text)
    return untrusted.safe_text(f"{kind}: {text}" if text else kind)


def import_checkpoint(
    registry: Registry,
    src: Path,
    out: Path,
    importer_id: str | None = None,
    options: Mapping[str, str] | None = None,
) -> str:
    """:func:`iterate_import` run to the end (the CLI, scripts, tests)."""
    result: str = drive(iterate_import(registry, src, out, importer_id, options))
    return result


def free_model_path(folder: Path, stem: str) -> Path:
    """``folder/stem.safetensors``, or ``stem-2``, ``stem-3`` … when that name is taken:
    importing never overwrites a model the user already has."""
    out = folder / f"{stem}.safetensors"
    n = 2
    while out.exists():
        out = folder / f"{stem}-{n}.safetensors"
        n += 1
    return out


def _copy_model(registry: Registry, src: Path, out: Path) -> Generator[Progress, None, str]:
    """A GAN Studio ``.safetensors`` model: checked as it is, then copied in."""
    from ganstudio.core.models import load_model

    if not src.is_file():
        raise CheckpointError(f"{src}: no such file")
    if not read_header(src).get("variant"):
        raise CheckpointError(
            f"{src.name}: not a GAN Studio model (its header names no variant); "
            "foreign checkpoints are imported from .pkl, .pt or .pth files"
        )
    yield _step(1, f"checking {src.name}")
    load_model(src, registry, roles=None)  # strict: a damaged or foreign-shaped file stops here
    tmp = out.with_name(f".{out.name}.copy.safetensors")
    try:
        yield _step(3, f"copying to {out.name}")
        shutil.copyfile(src, tmp)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    yield _step(5, f"imported {out.name}")
    return "gan-studio"


def import_file(
    registry: Registry,
    src: Path,
    out: Path,
    importer_id: str | None = None,
    options: Mapping[str, str] | None = None,
) -> Generator[Progress, None, str]:
    """Any model file into ``out``: a GAN Studio ``.safetensors`` model is checked and
    copied, anything else goes through the importers; returns the importer id."""
    if src.suffix.lower() == ".safetensors" and importer_id is None:
        return (yield from _copy_model(registry, src, out))
    return (yield from iterate_import(registry, src, out, importer_id, options))


def import_into_models(
    registry: Registry,
    src: Path,
    folder: Path | None = None,
    importer_id: str | None = None,
) -> Generator[Progress, None, Path]:
    """Import ``src`` into the user's models folder (or ``folder``) under a free name;
    returns the new model file (``ganstudio.services.importing`` is the front ends' way)."""
    src = Path(src).expanduser()
    if not is_model_file(src):
        kinds = ", ".join(MODEL_SUFFIXES)
        raise CheckpointError(f"{src.name}: not a model file (GAN Studio imports {kinds})")
    folder = folder or paths.user_dirs().models
    folder.mkdir(parents=True, exist_ok=True)
    out = free_model_path(folder, src.stem)
    yield from import_file(registry, src, out, importer_id)
    return out
