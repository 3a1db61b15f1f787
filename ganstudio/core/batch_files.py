"""Map a batchable action whose input is not an image (voxel grids …) over a folder.

The kind's files are read by :mod:`ganstudio.core.inputs` and its results
written there too, so this runner only walks the folder.  It keeps the rules of
:class:`ganstudio.core.batch.BatchRunner` that an artist relies on -- inputs
only read, outputs atomic and mirrored, ``--resume`` skipping outputs made
from the same input, action, model and params (when the format records its
provenance; otherwise a complete output counts as done), ``--shard I/N``,
one bad file reported and the batch going on, a JSON report -- but runs the
files one after another: voxel grids are small and their action is quick.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

from ganstudio.core.atomic import atomic_write_text, remove_stale_temps
from ganstudio.core.batch import (
    BatchError,
    BatchOptions,
    BatchReport,
    changed_since,
    check_folders,
    report_name,
    shard_of,
)
from ganstudio.core.image_input import InputError, read_input_bytes
from ganstudio.core.inputs import input_files, output_files
from ganstudio.core.jobs import StopSignal
from ganstudio.core.specs import Action, Progress, validate_params

__all__ = ["FileBatchRunner"]


class FileBatchRunner:
    """Run ``action`` (a declared non-image input kind) on every such file of ``in_dir``.

    The same interface as :class:`~ganstudio.core.batch.BatchRunner`: ``run()``
    yields one :class:`Progress` per finished file and returns a
    :class:`BatchReport`; ``request_stop()``/``cancel()``; ``report_path``; ``in_dir``.
    ``options.fmt`` names the output extension without its dot (default: the
    output kind's first, ``obj`` for voxels).
    """

    def __init__(
        self,
        action: Action,
        model: Any,
        in_dir: str | os.PathLike[str],
        out_dir: str | os.PathLike[str],
        params: dict[str, Any],
        options: BatchOptions,
        *,
        report_path: str | os.PathLike[str] | None = None,
        control: StopSignal | None = None,
    ) -> None:
        reads, writes = input_files(action.input_kind), output_files(action.output_kind)
        if not action.batchable or reads is None or writes is None:
            raise BatchError(f"action {action.id!r} cannot run in a batch")
        self.reads, self.writes = reads, writes
        ext = f".{options.fmt.lstrip('.')}" if options.fmt else writes.extensions[0]
        if ext.lower() not in writes.extensions:
            names = ", ".join(e[1:] for e in writes.extensions)
            raise BatchError(f"format {options.fmt!r}: {action.id} writes {names}")
        self.ext = ext.lower()
        index, count = options.shard
        if count < 1 or not 0 <= index < count:
            raise BatchError(f"shard {index}/{count}: need 0 <= I < N")
        self.action, self.model, self.options = action, model, options
        self.in_dir = Path(in_dir).expanduser()
        self.out_dir = Path(out_dir).expanduser()
        check_folders(self.in_dir, self.out_dir)
        self.params = validate_params(action.params_for(model), params)
        default_report = self.out_dir / report_name(options.shard)
        self.report_path = Path(report_path).expanduser() if report_path else default_report
        self.control = control or StopSignal()  # the job's stop protocol (core.jobs)

    def request_stop(self) -> None:
        """Finish the file in hand (a voxel file is one quick step), then stop."""
        self.control.request_stop()

    #: the older name of :meth:`request_stop`, as BatchRunner keeps it
    stop_after_current = request_stop

    def cancel(self) -> None:
        """Stop before the next file."""
        self.control.cancel()

    def plan(self) -> list[tuple[Path, str, Path]]:
        """This shard's (input, relative name, output) in sorted order."""
        opts = self.options
        walk = self.in_dir.rglob("*") if opts.recursive else self.in_dir.glob("*")
        out_real = Path(os.path.realpath(self.out_dir))
        files = sorted(
            p
            for p in walk
            if p.suffix.lower() in self.reads.extensions
            and not p.name.startswith(".")
            and not Path(os.path.realpath(p)).is_relative_to(out_real)
        )
        rels = [p.relative_to(self.in_dir).as_posix() for p in files]
        if opts.pattern:
            import fnmatch

            keep = [
                fnmatch.fnmatch(r, opts.pattern) or fnmatch.fnmatch(Path(r).name, opts.pattern)
                for r in rels
            ]
            files = [f for f, k in zip(files, keep, strict=True) if k]
            rels = [r for r, k in zip(rels, keep, strict=True) if k]
        if not files:
            raise BatchError(
                f"no {self.reads.noun} ({', '.join(self.reads.extensions)}) in {str(self.in_dir)!r}"
                + ("" if opts.recursive else " (sub-folders need --recursive)")
            )
        stems = [str(Path(r).with_suffix("")) for r in rels]
        clash = {s for s in stems if stems.count(s) > 1}  # a.npy and a.binvox → a.npy.obj …
        index, count = opts.shard
        jobs = []
        for src, rel, stem in zip(files, rels, stems, strict=True):
            if count > 1 and shard_of(rel, count) != index:
                continue
            name = f"{rel}{self.ext}" if stem in clash else f"{stem}{self.ext}"
            jobs.append((src, rel, self.out_dir / name))
        return jobs

    def run(self) -> Generator[Progress, None, BatchReport]:
        from ganstudio.core.actions import iterate_action, provenance
        from ganstudio.core.jobs import drive

        started = time.perf_counter()
        jobs = self.plan()
        report = BatchReport(shard=self.options.shard)
        folders = {self.out_dir, *(dst.parent for _, _, dst in jobs)}
        report.stale_temps_removed = sum(len(remove_stale_temps(f)) for f in folders if f.is_dir())
        finished = 0
        try:
            for src, rel, dst in jobs:
                if self.control.stop_requested:
                    break
                status, reason = "done", ""
                try:
                    data = read_input_bytes(src, self.options.max_input_bytes)
                    sha = hashlib.sha256(data).hexdigest()
                    redo = self._redo(dst, sha)
                    if redo == "":
                        status = "skipped"
                    else:
                        try:
                            value = self.reads.decode(data, src.suffix.lower())
                        except ValueError as exc:
                            raise InputError(str(exc)) from None
                        gen = iterate_action(
                            self.action, self.model, self.params, {self.action.input_kind: value}
                        )
                        try:
                            out = drive(gen, None, lambda: False)
                        except Exception as exc:  # this file's problem: reported, the batch goes on
                            raise InputError(
                                f"{self.action.id} failed ({type(exc).__name__}: {exc})"
                            ) from None
                        extra = dict(out.provenance.get("info", {}))
                        extra["source"] = {"file": rel, "sha256": sha}
                        prov = provenance(self.model, self.action, self.params, extra)
                        try:
                            self.writes.write(dst, out.result, out.images, prov)
                        except ValueError as exc:
                            raise InputError(str(exc)) from None
                        except OSError as exc:
                            raise InputError(
                                f"cannot write {dst.name} ({exc.strerror or exc})"
                            ) from None
                        if redo:
                            report.redone.append((src, redo))
                except InputError as exc:
                    status, reason = "failed", str(exc)
                if status == "done":
                    report.done.append(src)
                elif status == "skipped":
                    report.skipped.append(src)
                else:
                    report.failed.append((src, reason))
                finished += 1
                yield Progress(
                    step=finished,
                    total=len(jobs),
                    fraction=finished / len(jobs),
                    message=f"{rel}: {status}" + (f": {reason}" if reason else ""),
                    data={
                        "file": str(src),
                        "output": str(dst),
                        "status": status,
                        **({"reason": reason} if reason else {}),
                    },
                )
        finally:
            report.seconds = time.perf_counter() - started
            done = {*report.done, *report.skipped, *(p for p, _ in report.failed)}
            report.not_started = [src for src, _, _ in jobs if src not in done]
            report.stopped = bool(report.not_started)
            self._write_report(report)
        return report

    def _redo(self, dst: Path, sha: str) -> str | None:
        """None: no usable output yet; "": done already; else why it is made again."""
        if not self.options.resume or not os.path.lexists(dst):
            return None
        prov = self.writes.provenance(dst)
        if prov is None:
            return None
        if not prov:  # a format without provenance: complete counts as done
            return ""
        expected = {
            "source": sha,
            "action": self.action.id,
            "model": getattr(self.model, "sha256", None),
            "params": json.loads(json.dumps(self.params, default=str)),
        }
        return changed_since(prov, expected)

    def _write_report(self, report: BatchReport) -> None:
        data = {
            "action": self.action.id,
            "params": self.params,
            "input": str(self.in_dir),
            "output": str(self.out_dir),
            **report.to_json(),
        }
        try:
            atomic_write_text(self.report_path, json.dumps(data, indent=2, default=str) + "\n")
        except OSError:
            pass
