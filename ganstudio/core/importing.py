"""Foreign checkpoints → model files, through the importers plugins provide."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

from ganstudio.core import checkpoints, untrusted
from ganstudio.core.checkpoints import CheckpointError
from ganstudio.core.models import load_model, model_meta
from ganstudio.core.registry import Registry
from ganstudio.core.specs import Importer
from ganstudio.errors import UserError, output_error


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


def import_checkpoint(
    registry: Registry, src: Path, out: Path, importer_id: str | None = None,
    options: Mapping[str, str] | None = None,
) -> str:
    """Convert, write atomically, then reload strictly to prove the file is usable.

    ``options`` go to the importer as they are (``ganstudio import --set k=v``).
    """
    named = registry.importer(importer_id) if importer_id else None
    reader = _custom_reader(registry, src, named)
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
    importer = named or reader or detect_importer(registry, src, state)
    unknown = sorted(set(options or {}) - set(importer.options))
    if unknown:
        takes = ", ".join(importer.options) or "none"
        raise CheckpointError(f"importer {importer.id} has no option {unknown[0]!r} "
                              f"(its options: {takes})")
    try:
        imported = importer.convert(src, state, dict(options or {}))
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001 - a mapping that trips on odd shapes: the file's fault
        raise CheckpointError(f"{src.name}: {importer.id}: {_reason(exc)}") from None
    # what the importer made (and any side file it read itself) passes the same checks
    tensors = untrusted.check_tensors(dict(imported.tensors), f"{src.name} ({importer.id})")
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
        checkpoints.save_model(tmp, tensors, meta)
        load_model(tmp, registry, roles=None)  # strict key/shape check against our modules
        tmp.replace(out)
    except OSError as exc:
        raise output_error(out, exc) from None
    finally:
        tmp.unlink(missing_ok=True)
    return importer.id


def _reason(exc: BaseException) -> str:
    """One line for an exception raised while reading or mapping a foreign file."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    kind = type(exc).__name__
    if isinstance(exc, (ValueError, KeyError)) and text:
        return untrusted.safe_text(text)
    return untrusted.safe_text(f"{kind}: {text}" if text else kind)
