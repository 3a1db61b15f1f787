"""Import a model file: ``ganstudio import`` and the GUI's File → Import model… (and a
file dropped on the window) share this path and its checks.

Without ``out`` the model goes into the user's models folder under a free name
(never over a model the user has), so the GUI's model browser shows it at once;
with ``out`` (the CLI) the name must end in ``.safetensors`` and an existing
file is replaced only when asked (``force``).  The conversion itself is
:mod:`ganstudio.core.importing`: read without running code, mapped strictly,
written atomically and read back.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ganstudio.core.jobs import StopSignal, drive
from ganstudio.core.registry import Registry
from ganstudio.core.specs import Progress
from ganstudio.errors import UserError


@dataclass(frozen=True)
class Imported:
    """The model file written, and the importer that read the source."""

    path: Path
    importer: str


def iterate_import_model(
    registry: Registry,
    src: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    importer_id: str | None = None,
    options: Mapping[str, str] | None = None,
    force: bool = False,
    folder: str | os.PathLike[str] | None = None,
) -> Generator[Progress, None, Imported]:
    """Import ``src`` (see the module doc); a job generator.  Raises :class:`UserError`."""
    from ganstudio.core import paths
    from ganstudio.core.importing import (
        MODEL_SUFFIXES,
        free_model_path,
        import_file,
        is_model_file,
    )
    from ganstudio.core.model_header import CheckpointError

    source = Path(src).expanduser()
    if out is None:
        if not is_model_file(source):
            kinds = ", ".join(MODEL_SUFFIXES)
            raise CheckpointError(f"{source.name}: not a model file (GAN Studio imports {kinds})")
        where = Path(folder).expanduser() if folder else paths.user_dirs().models
        where.mkdir(parents=True, exist_ok=True)
        target = free_model_path(where, source.stem)
    else:
        target = Path(out).expanduser()
        if target.suffix != ".safetensors":
            raise UserError(f"-o {target}: the output must end in .safetensors")
        if target.exists() and not force:
            raise UserError(f"{target} exists; use --force to overwrite it")
    importer = yield from import_file(registry, source, target, importer_id, options)
    return Imported(target, importer)


def import_model(
    registry: Registry,
    src: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    importer_id: str | None = None,
    options: Mapping[str, str] | None = None,
    force: bool = False,
    control: StopSignal | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> Imported:
    """:func:`iterate_import_model` to its end (the CLI, scripts, tests)."""
    gen = iterate_import_model(
        registry, src, out, importer_id=importer_id, options=options, force=force
    )
    result: Imported = drive(gen, on_progress, control=control)
    return result
