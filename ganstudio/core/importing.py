"""Foreign checkpoints → model files, through the importers plugins provide."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ganstudio.core import checkpoints
from ganstudio.core.checkpoints import CheckpointError
from ganstudio.core.models import load_model, model_meta
from ganstudio.core.registry import Registry
from ganstudio.core.specs import Importer


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
            state = reader.read(src)
        except (ValueError, KeyError, EOFError, OSError) as exc:
            raise CheckpointError(f"{src.name}: {reader.id}: {exc}") from None
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
    except (ValueError, KeyError) as exc:
        raise CheckpointError(f"{src.name}: {importer.id}: {exc}") from None
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
        checkpoints.save_model(tmp, imported.tensors, meta)
        load_model(tmp, registry, roles=None)  # strict key/shape check against our modules
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return importer.id
