"""Finding model files without torch: the user's folder, bundled demos, recent runs.

The model browser lists them, and the CLI's ``--model NAME`` finds them by name,
so nobody has to type the path of a bundled demo.  Reads only the
``.safetensors`` JSON header (8-byte length + JSON), so the model browser fills
in at start-up before torch has loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ganstudio.core import paths
from ganstudio.core.model_header import read_metadata
from ganstudio.errors import DataError, UserError

BUNDLED_DIR = paths.resources_dir() / "models"


@dataclass(frozen=True)
class ModelFile:
    path: Path
    variant: str  # bare variant id from the header ("" when unreadable)
    source: str  # "user", "bundled" or "run"
    meta: dict[str, Any]
    #: why the file cannot be used ("" when its header reads fine)
    error: str = ""

    @property
    def name(self) -> str:
        """What ``--model`` accepts: the file's stem, or a run's folder name."""
        return self.path.parents[1].name if self.source == "run" else self.path.stem

    @property
    def label(self) -> str:
        return f"{self.name} (run)" if self.source == "run" else self.name


def read_header(path: Path) -> dict[str, Any]:
    """The GAN Studio metadata of a model file, or {} when it has none or is damaged."""
    try:
        return read_metadata(path)
    except (DataError, OSError):
        return {}


def _entry(path: Path, source: str) -> ModelFile:
    """One listed file; a damaged one is listed with the reason, never fatal."""
    try:
        meta = read_metadata(path)
    except (DataError, OSError) as exc:
        reason = str(exc)
        prefix = f"{path}: "
        reason = reason[len(prefix) :] if reason.startswith(prefix) else reason
        return ModelFile(path, "", source, {}, error=reason)
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


class UnknownModelError(UserError, LookupError):
    """``--model`` named neither a file nor a model GAN Studio can find."""


def resolve_model(text: str, extra_dirs: list[Path] | None = None) -> Path:
    """A model argument as a path: an existing file, else a model found by name.

    An existing file always wins, so a name never hides a path the user typed.
    Names are looked up in the order of :func:`find_model_files` (the user's
    models shadow a bundled demo of the same name).
    """
    path = Path(text).expanduser()
    if path.is_file():
        return path
    if len(path.parts) != 1:  # a path with folders is never a name
        raise UnknownModelError(f"{path}: no such file")
    entries = find_model_files(extra_dirs, runs_limit=1000)
    for entry in entries:
        if entry.name == text:
            return entry.path
    if path.suffix:  # looks like a file name: say so, not "no such model name"
        raise UnknownModelError(f"{path}: no such file")
    names = sorted({e.name for e in entries})
    known = ", ".join(names) if names else "none found"
    raise UnknownModelError(
        f"{text}: no such model file or model name (names: {known}; 'ganstudio models' lists them)"
    )
