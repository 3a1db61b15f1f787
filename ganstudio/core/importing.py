"""Foreign checkpoints → model files, through the importers plugins provide."""

from __future__ import annotations

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


def import_checkpoint(
    registry: Registry, src: Path, out: Path, importer_id: str | None = None
) -> str:
    """Convert, write atomically, then reload strictly to prove the file is usable."""
    state = checkpoints.load_foreign(src)
    importer = (
        registry.importer(importer_id) if importer_id else detect_importer(registry, src, state)
    )
    try:
        imported = importer.convert(src, state, {})
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
