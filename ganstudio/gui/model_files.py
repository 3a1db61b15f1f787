"""Finding model files without torch: the user's folder, bundled demos, recent runs.

Reads only the ``.safetensors`` JSON header (8-byte length + JSON), so the
model browser fills in at start-up before torch has loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ganstudio.core import paths
from ganstudio.core.model_header import CheckpointError, read_metadata

BUNDLED_DIR = Path(__file__).resolve().parents[2] / "resources" / "models"


@dataclass(frozen=True)
class ModelFile:
    path: Path
    variant: str  # bare variant id from the header ("" when unreadable)
    source: str  # "user", "bundled" or "run"
    meta: dict[str, Any]

    @property
    def label(self) -> str:
        if self.source == "run":
            return f"{self.path.parents[1].name} (run)"
        return self.path.stem


def read_header(path: Path) -> dict[str, Any]:
    """The GAN Studio metadata of a model file, or {} when it has none."""
    try:
        return read_metadata(path)
    except CheckpointError:
        return {}


def _entry(path: Path, source: str) -> ModelFile:
    meta = read_header(path)
    return ModelFile(path, str(meta.get("variant", "")).split(":")[-1], source, meta)


def find_model_files(extra_dirs: list[Path] | None = None, runs_limit: int = 20) -> list[ModelFile]:
    """User models, bundled demos, then the latest checkpoint of recent runs (newest first)."""
    dirs = paths.user_dirs()
    found: list[ModelFile] = []
    for folder, source in [
        (dirs.models, "user"),
        *((d, "user") for d in extra_dirs or []),
        (BUNDLED_DIR, "bundled"),
    ]:
        if folder.is_dir():
            found += [_entry(p, source) for p in sorted(folder.glob("*.safetensors"))]
    if dirs.runs.is_dir():
        latest = [p for p in dirs.runs.glob("*/checkpoints/latest.safetensors") if p.is_file()]
        latest.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        found += [_entry(p, "run") for p in latest[:runs_limit]]
    return found
