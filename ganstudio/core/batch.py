"""Map a batchable image→image action over a folder, losing nothing.

A pipeline keeps the model busy: a reader thread decodes the next images and
writer threads encode finished ones (Pillow releases the GIL for both) while
the thread that drives :meth:`BatchRunner.run` runs the model.  Queues are
bounded, so memory stays flat on a folder of any size.

Rules the artist can rely on:

* inputs are only ever read; ``OUT_DIR`` may not be ``IN_DIR`` or contain it,
  and when ``OUT_DIR`` lies inside ``IN_DIR`` it is left out of the scan;
* every output is written atomically (temporary file, then rename), so after
  a crash or Ctrl-C a file in ``OUT_DIR`` is either complete or absent, and
  ``resume`` may treat "exists and decodes" as done;
* sub-folders are mirrored; an output keeps its input's name and extension
  when the format is the same (``a.jpg`` → ``a.jpg``), otherwise takes the new
  extension (``a.tif`` → ``a.png``).  When two inputs would meet on one name
  (``a.png`` and ``a.jpg`` → ``a.png``), the input already in the output
  format keeps it and the others keep their old extension inside the name
  (``a.jpg`` → ``a.jpg.png``); names are fixed from the whole sorted listing
  before sharding, so every shard and every resumed run agrees on them;
* a bad file (empty, truncated, not an image, a decompression bomb, an odd
  mode the action cannot take, unreadable) is reported with its reason and
  the batch goes on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import stat
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ganstudio.core.atomic import atomic_write_text, remove_stale_temps
from ganstudio.core.data.folder import scan_images
from ganstudio.core.image_input import (
    DEFAULT_MAX_INPUT_BYTES,
    HIGH_DEPTH_MODES,
    InputError,
    colour_family,
    decode_input,
    read_input,
    read_input_bytes,
)
from ganstudio.core.jobs import Cancelled, StopSignal
from ganstudio.core.specs import Action, Progress, validate_params
from ganstudio.errors import UserError

__all__ = [
    "BatchOptions",
    "BatchReport",
    "BatchRunner",
    "DEFAULT_MAX_INPUT_BYTES",
    "InputError",
    "OUTPUT_FORMATS",
    "output_names",
    "read_input",
    "report_name",
    "shard_from_env",
    "shard_of",
]

log = logging.getLogger("ganstudio.batch")

#: ``--format`` names → (Pillow format, extension)
OUTPUT_FORMATS = {"png": ("PNG", ".png"), "jpg": ("JPEG", ".jpg"), "webp": ("WEBP", ".webp")}
#: input extensions whose format we can also write (kept when no format is asked for)
_KEEP_EXT = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
_QUEUE_DEPTH = 4
_POLL_S = 0.1


class BatchError(UserError):
    """The batch cannot start as asked (folders, action, shard)."""


@dataclass
class BatchOptions:
    recursive: bool = False
    pattern: str | None = None  # glob on file names / relative paths
    fmt: str | None = None  # "png" | "jpg" | "webp"; None: the input's if writable, else png
    resume: bool = False
    shard: tuple[int, int] = (0, 1)  # (I, N): this worker's share
    #: an input file larger than this is skipped unread (a 40 GB sparse file, /dev/zero)
    max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES
    #: decoded pixels per input; None: Pillow's ``Image.MAX_IMAGE_PIXELS``
    max_pixels: int | None = None


@dataclass
class BatchReport:
    """What happened to every file this runner was responsible for."""

    done: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    seconds: float = 0.0
    #: files of this shard never started because the run was stopped
    not_started: list[Path] = field(default_factory=list)
    stopped: bool = False
    shard: tuple[int, int] = (0, 1)
    #: outputs a resumed run made again because their provenance no longer matched
    redone: list[tuple[Path, str]] = field(default_factory=list)
    #: temporaries of a killed earlier run, removed from the output folders
    stale_temps_removed: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed and not self.stopped

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "done": [str(p) for p in self.done],
            "skipped": [str(p) for p in self.skipped],
            "failed": [{"file": str(p), "reason": r} for p, r in self.failed],
            "not_started": [str(p) for p in self.not_started],
            "stopped": self.stopped,
            "shard": list(self.shard),
            "redone": [{"file": str(p), "reason": r} for p, r in self.redone],
            "stale_temps_removed": self.stale_temps_removed,
            "seconds": round(self.seconds, 3),
            "counts": {
                "done": len(self.done),
                "skipped": len(self.skipped),
                "failed": len(self.failed),
                "not_started": len(self.not_started),
            },
        }

    def summary(self) -> str:
        text = f"{len(self.done)} done, {len(self.skipped)} skipped, {len(self.failed)} failed"
        if self.stopped:
            text += f", {len(self.not_started)} not started (stopped)"
        return f"{text} in {self.seconds:.1f} s"


# --------------------------------------------------------------------------- planning


def shard_of(rel: str, n: int) -> int:
    """The shard (0..n-1) of a relative POSIX path: a stable hash, the same on every machine."""
    digest = hashlib.sha1(rel.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % n


def shard_from_env(environ: Any = None) -> tuple[int, int] | None:
    """(RANK, WORLD_SIZE) under torchrun or a launcher that sets them, else None."""
    env = os.environ if environ is None else environ
    try:
        rank, world = int(env["RANK"]), int(env["WORLD_SIZE"])
    except (KeyError, ValueError):
        return None
    return (rank, world) if 0 <= rank < world else None


def report_name(shard: tuple[int, int]) -> str:
    """One report per shard, so parallel workers never overwrite each other's."""
    return "batch-report.json" if shard[1] == 1 else f"batch-report.rank-{shard[0]}.json"


def _output_format(src: Path, fmt: str | None) -> tuple[str, str]:
    """(Pillow format, extension) for the output of ``src``."""
    if fmt is not None:
        return OUTPUT_FORMATS[fmt]
    ext = src.suffix
    if ext.lower() in _KEEP_EXT:
        return _KEEP_EXT[ext.lower()], ext
    return OUTPUT_FORMATS["png"]


def output_names(rels: Sequence[str], fmt: str | None) -> dict[str, str]:
    """Relative input path → relative output path, collision-free (see module doc).

    Names are compared case-insensitively, so the result is also safe on
    macOS and Windows file systems.
    """
    wanted: dict[str, str] = {}
    for rel in rels:
        _, ext = _output_format(Path(rel), fmt)
        same = Path(rel).suffix.lower() == ext.lower() or (
            Path(rel).suffix.lower() in (".jpg", ".jpeg") and ext.lower() in (".jpg", ".jpeg")
        )
        wanted[rel] = rel if same else str(Path(rel).with_suffix(ext).as_posix())
    counts: dict[str, int] = {}
    for out in wanted.values():
        counts[out.lower()] = counts.get(out.lower(), 0) + 1
    names: dict[str, str] = {}
    claimed: set[str] = set()
    for rel in rels:  # first the uncontested names and the inputs already in the output format
        out = wanted[rel]
        if counts[out.lower()] == 1 or out == rel:
            if out.lower() not in claimed:
                names[rel] = out
                claimed.add(out.lower())
    for rel in rels:  # then the rest keep their old extension inside the name
        if rel in names:
            continue
        _, ext = _output_format(Path(rel), fmt)
        candidate, n = f"{rel}{ext}", 2
        while candidate.lower() in claimed or (candidate != rel and candidate in wanted):
            candidate = f"{rel}-{n}{ext}"
            n += 1
        names[rel] = candidate
        claimed.add(candidate.lower())
    return names


@dataclass
class _Job:
    index: int
    src: Path
    rel: str
    dst: Path
    fmt: str
    redo: str = ""  # why a resumed run makes an existing output again


# --------------------------------------------------------------------------- reading


def _fit_format(im: Image.Image, fmt: str) -> Image.Image:
    """Convert to a mode ``fmt`` can store, keeping what it can (alpha, 16-bit in PNG)."""
    mode = im.mode
    if mode in HIGH_DEPTH_MODES and (fmt != "PNG" or mode == "F"):
        arr = np.asarray(im).astype(np.float64)
        peak = float(np.nanmax(arr)) if arr.size else 0.0
        scale = 255.0 if (mode == "F" and peak <= 1.0) else (1 / 257 if peak > 255 else 1.0)
        arr = np.nan_to_num(np.clip(arr * scale, 0, 255)).round().astype(np.uint8)
        return Image.fromarray(arr, "L")
    if fmt == "JPEG" and mode not in ("RGB", "L", "CMYK"):
        if "A" in mode or mode == "P":
            rgba = im.convert("RGBA")
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            return Image.alpha_composite(white, rgba).convert("RGB")
        return im.convert("RGB")
    if fmt == "WEBP" and mode not in ("RGB", "RGBA"):
        return im.convert("RGBA" if "A" in mode or mode == "P" else "RGB")
    return im


def output_is_complete(path: Path) -> bool:
    """An existing output counts as done when it decodes in full."""
    return _finished_output(path) is not None


def _finished_output(path: Path) -> dict[str, Any] | None:
    """The provenance of a complete output (``{}`` when it has none); None if unusable.

    An output is a regular file of sane size that decodes in full.
    """
    from ganstudio.core.imaging import read_provenance

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # never open a FIFO or a device
            return None
        with Image.open(path) as im:
            im.load()
        return read_provenance(path) or {}
    except Exception:
        return None


def _jsonable(value: Any) -> Any:
    """``value`` as it reads back from JSON (tuples become lists …), for comparisons."""
    return json.loads(json.dumps(value, default=str))


def changed_since(prov: dict[str, Any], expected: dict[str, Any]) -> str:
    """Why an output made with ``prov`` is stale for this run ("" when it is not).

    ``expected`` holds the action id, the params, the model's hash and the input's hash.
    """
    if not prov:
        return "the existing output records no provenance"
    info = prov.get("info")
    source = info.get("source") if isinstance(info, dict) else None
    if not isinstance(source, dict) or source.get("sha256") != expected["source"]:
        return "the input changed"
    if prov.get("action") != expected["action"]:
        return "the action changed"
    model = prov.get("model")
    if (model.get("sha256") if isinstance(model, dict) else None) != expected["model"]:
        return "the model changed"
    if _jsonable(prov.get("params")) != expected["params"]:
        return "the params changed"
    return ""


# --------------------------------------------------------------------------- running


class _Tally:
    """Counts finished files into the report and turns them into progress events."""

    def __init__(self, report: BatchReport, total: int) -> None:
        self.report, self.total = report, total
        self.finished: set[int] = set()
        self.shown = 0.0  # the fraction reported so far: never goes back

    def _overall(self, fraction: float) -> float:
        self.shown = max(self.shown, min(fraction, 1.0))
        return self.shown

    def record(self, job: _Job, status: str, reason: str) -> Progress:
        """One file is done, skipped or failed."""
        self.finished.add(job.index)
        report = self.report
        if status == "done":
            report.done.append(job.src)
            if job.redo:
                report.redone.append((job.src, job.redo))
        elif status == "skipped":
            report.skipped.append(job.src)
        else:
            report.failed.append((job.src, reason))
        n, total = len(self.finished), self.total
        text = {
            "done": f"done (redone: {job.redo})" if job.redo else "done",
            "skipped": "skipped (already done)",
        }.get(status, f"failed: {reason}")
        return Progress(
            step=n,
            total=total,
            fraction=self._overall(n / total if total else 1.0),
            message=f"{job.rel}: {text}",
            data={
                "file": str(job.src),
                "output": str(job.dst),
                "status": status,
                **({"reason": reason} if reason else {}),
            },
        )

    def working(self, job: _Job, part: float, message: str) -> Progress:
        """The action's progress inside one file, as a share of the whole batch."""
        return Progress(
            step=len(self.finished),
            total=self.total,
            fraction=self._overall((job.index + part) / self.total),
            message=f"{job.rel}: {message}" if message else job.rel,
            data={"file": str(job.src), "output": str(job.dst), "status": "working"},
        )


def check_folders(in_dir: Path, out_dir: Path) -> None:
    """Refuse folders a batch must not use: a missing input, an output that is the
    input or holds it (inputs are never overwritten), an output that is a file."""
    if not in_dir.is_dir():
        raise BatchError(f"input folder {str(in_dir)!r} does not exist or is not a folder")
    src, dst = Path(os.path.realpath(in_dir)), Path(os.path.realpath(out_dir))
    if src == dst:
        raise BatchError(
            "the output folder must differ from the input folder (inputs are never overwritten)"
        )
    if src.is_relative_to(dst):
        raise BatchError(
            f"the output folder {str(out_dir)!r} contains the input folder; choose one outside it"
        )
    if dst.exists() and not dst.is_dir():
        raise BatchError(f"output {str(out_dir)!r} exists and is not a folder")


class BatchRunner:
    """Run ``action`` on every image of ``in_dir``, writing mirrored outputs to ``out_dir``.

    ``run()`` is a generator: one :class:`Progress` per finished file (done,
    skipped or failed), returning a :class:`BatchReport`; the report is also
    written as JSON (``report_path``, by default ``out_dir/batch-report.json``
    or ``batch-report.rank-I.json`` for a shard).  The model runs in the
    thread that drives the generator.  Closing the generator stops the
    reader and writer threads before it returns.

    Each progress event carries ``data = {"file", "output", "status"}``
    (status ``done`` / ``skipped`` / ``failed``, plus ``reason`` when failed);
    ``step``/``total`` count this shard's finished files.  While the model
    works on one file, the action's own progress comes through as events with
    status ``working`` (a large photo takes minutes tile by tile): ``fraction``
    then counts the part of the file done, and closing the generator stops the
    file at the action's next step instead of after it.  Folder and option mistakes
    raise :class:`BatchError` (a ``UserError``) from the constructor, or from
    the first ``next()`` when the folder holds no matching image.
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
        writers: int | None = None,
        model_threads: int | None = None,
        control: StopSignal | None = None,
    ) -> None:
        if not action.batchable or action.input_kind != "image":
            raise BatchError(
                f"action {action.id!r} cannot run in a batch "
                "(only batchable image→image actions can)"
            )
        if options.fmt is not None and options.fmt not in OUTPUT_FORMATS:
            raise BatchError(f"format {options.fmt!r}: use one of {', '.join(OUTPUT_FORMATS)}")
        index, count = options.shard
        if count < 1 or not 0 <= index < count:
            raise BatchError(f"shard {index}/{count}: need 0 <= I < N")
        self.action, self.model, self.options = action, model, options
        self.in_dir = Path(in_dir).expanduser()
        self.out_dir = Path(out_dir).expanduser()
        self._check_folders()
        self.params = validate_params(action.params_for(model), params)
        default_report = self.out_dir / report_name(options.shard)
        self.report_path = Path(report_path).expanduser() if report_path else default_report
        self.writers = writers or (2 if (os.cpu_count() or 1) >= 4 else 1)
        # Encoding runs on CPU cores too: give the model the cores the writers do not
        # use, or they fight and the overlap is lost (measured in scripts/bench_batch.py)
        self.model_threads = model_threads or max(1, (os.cpu_count() or 1) - self.writers)
        #: a stop request finishes the file in hand, a cancel drops it (core.jobs)
        self.control = control or StopSignal()

    def _check_folders(self) -> None:
        check_folders(self.in_dir, self.out_dir)

    def request_stop(self) -> None:
        """Finish the file the model is on (and write what is computed), then stop."""
        self.control.request_stop()

    #: the older name of :meth:`request_stop`
    stop_after_current = request_stop

    def cancel(self) -> None:
        """Stop at the action's next step; the file in hand is not written."""
        self.control.cancel()

    # ----------------------------------------------------------------- planning

    def plan(self) -> list[_Job]:
        """This shard's files, in sorted order, with their output paths."""
        opts = self.options
        try:
            found = scan_images(self.in_dir, recursive=opts.recursive, pattern=opts.pattern)
        except ValueError as exc:
            raise BatchError(str(exc)) from None
        out_resolved = Path(os.path.realpath(self.out_dir))
        # realpath, not resolve(): a pair of looping links must not abort the plan
        files = [p for p in found if not Path(os.path.realpath(p)).is_relative_to(out_resolved)]
        if not files:
            where = f" matching {opts.pattern!r}" if opts.pattern else ""
            raise BatchError(
                f"no images{where} in {str(self.in_dir)!r}"
                + ("" if opts.recursive else " (sub-folders need --recursive)")
            )
        rels = [p.relative_to(self.in_dir).as_posix() for p in files]
        names = output_names(rels, opts.fmt)
        index, count = opts.shard
        jobs: list[_Job] = []
        for src, rel in zip(files, rels, strict=True):
            if count > 1 and shard_of(rel, count) != index:
                continue
            fmt, _ = _output_format(Path(rel), opts.fmt)
            jobs.append(_Job(len(jobs), src, rel, self.out_dir / names[rel], fmt))
        return jobs

    # ----------------------------------------------------------------- the pipeline

    def run(self) -> Generator[Progress, None, BatchReport]:
        started = time.perf_counter()
        jobs = self.plan()
        report = BatchReport(shard=self.options.shard)
        report.stale_temps_removed = self._remove_stale_temps(jobs)
        tally = _Tally(report, len(jobs))
        pipe = _Pipeline(self, jobs)
        torch_threads = _set_torch_threads(self.model_threads)
        try:
            while not self.control.stop_requested:
                item = _get(pipe.read_q, pipe.abort)
                if item is None:
                    break
                job, image, info, error = item
                if error is not None:
                    yield tally.record(job, *error)
                else:
                    yield from self._process(job, image, info, pipe, tally)
                yield from pipe.drain(tally, block=False)
            yield from pipe.finish(tally)
        finally:
            pipe.close()
            _set_torch_threads(torch_threads)
            report.seconds = time.perf_counter() - started
            report.not_started = [j.src for j in jobs if j.index not in tally.finished]
            report.stopped = bool(report.not_started)
            self._write_report(report)
        return report

    def _process(
        self,
        job: _Job,
        image: Image.Image,
        info: dict[str, Any],
        pipe: _Pipeline,
        tally: _Tally,
    ) -> Iterator[Progress]:
        """Run the action on one decoded file and hand the result to the writers.

        A cancel lands between two of the action's steps (the file is dropped);
        a stop request lets the file finish.
        """
        steps = self._apply(job, image, info, tally.working)
        try:
            while True:
                try:
                    event = next(steps)
                except StopIteration as stop:
                    produced = stop.value
                    break
                yield event
                if self.control.cancelled:
                    raise Cancelled()
                yield from pipe.drain(tally, block=False)  # files written meanwhile
        except InputError as exc:
            yield tally.record(job, "failed", str(exc))
        else:
            _put(pipe.write_q, (job, *produced), pipe.abort)
        finally:
            steps.close()  # cancelled mid-file: the action cleans up now

    def _apply(
        self,
        job: _Job,
        image: Image.Image,
        info: dict[str, Any],
        working: Callable[[_Job, float, str], Progress],
    ) -> Generator[Progress, None, tuple[Image.Image, dict[str, Any]]]:
        """Run the action on one decoded image (the model's thread).

        The action's steps come out as ``working(job, fraction of this file, message)``.
        """
        from ganstudio.core.actions import iterate_action, provenance

        work = iterate_action(self.action, self.model, self.params, {"image": image})
        try:
            while True:
                try:
                    event = next(work)
                except StopIteration as stop:
                    out = stop.value
                    break
                except Exception as exc:  # an odd input the action cannot take: this file fails
                    raise InputError(
                        f"{self.action.id} failed on this {info['mode']} "
                        f"{image.width}×{image.height} image ({type(exc).__name__}: {exc})"
                    ) from None
                if event.fraction is not None:
                    yield working(job, event.fraction, event.message)
        finally:
            work.close()
        result = out.composite()
        extra = dict(out.provenance.get("info", {}))
        extra["source"] = {"file": job.rel, "sha256": info["sha256"]}
        prov = provenance(self.model, self.action, self.params, extra)
        icc = result.info.get("icc_profile") or info.get("icc_profile")
        if colour_family(result.mode) != info["family"]:
            icc = None  # e.g. a grey profile on a colourised result would lie
        return result, {"provenance": prov, "icc_profile": icc}

    def _reader(self, jobs: list[_Job], read_q: queue.Queue, abort: threading.Event) -> None:
        for job in jobs:
            if abort.is_set() or self.control.stop_requested:
                break
            if not _put(read_q, self._read_input(job), abort):
                return
        _put(read_q, None, abort)

    def _read_input(self, job: _Job) -> tuple[Any, ...]:
        """Read one input file: the one place a batch reads an input (the reader thread).

        (job, image, info, None) to process, or (job, None, None, (status, reason)).
        """
        opts = self.options
        try:
            data = read_input_bytes(job.src, opts.max_input_bytes)
            info: dict[str, Any] = {"sha256": hashlib.sha256(data).hexdigest()}
            if opts.resume and (os.path.lexists(job.dst)):
                prov = _finished_output(job.dst)
                if prov is not None:
                    # done before: skipped only if made from this input, action, model, params
                    job.redo = changed_since(prov, self._expected(info["sha256"]))
                    if not job.redo:
                        return job, None, None, ("skipped", "")
            image, info = decode_input(data, info, opts.max_pixels)
        except InputError as exc:
            return job, None, None, ("failed", str(exc))
        return job, image, info, None

    def _expected(self, source_sha: str) -> dict[str, Any]:
        return {
            "source": source_sha,
            "action": self.action.id,
            "model": getattr(self.model, "sha256", None),
            "params": _jsonable(self.params),
        }

    def _remove_stale_temps(self, jobs: list[_Job]) -> int:
        """Temporaries a killed earlier run left where this one writes (issue #12, item 19)."""
        folders = {self.out_dir, *(j.dst.parent for j in jobs)}
        return sum(len(remove_stale_temps(f)) for f in folders if f.is_dir())

    def _writer(
        self, write_q: queue.Queue, done_q: queue.Queue, abort: threading.Event, inputs: set[Path]
    ) -> None:
        from ganstudio.core.imaging import save_image

        while True:
            item = _get(write_q, abort)
            if item is None:
                return
            job, image, meta = item
            try:
                if Path(os.path.realpath(job.dst)) in inputs:  # never overwrite an input
                    raise InputError("the output name is an input file; not written")
                fitted = _fit_format(image, job.fmt)
                save_image(job.dst, fitted, meta["provenance"], icc_profile=meta["icc_profile"])
            except Exception as exc:  # disk full, permissions …: this file fails, the batch goes on
                reason = (
                    str(exc)
                    if isinstance(exc, InputError)
                    else (f"cannot write {job.dst.name} ({type(exc).__name__}: {exc})")
                )
                done_q.put((job, "failed", reason))
            else:
                done_q.put((job, "done", ""))

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
            pass  # a report we cannot write must not hide the batch's own result


class _Pipeline:
    """The reader thread and the writer threads around the model's thread, and their
    bounded queues; :meth:`close` stops them, whatever state the run ended in."""

    def __init__(self, runner: BatchRunner, jobs: list[_Job]) -> None:
        self.read_q: queue.Queue[Any] = queue.Queue(_QUEUE_DEPTH)
        self.write_q: queue.Queue[Any] = queue.Queue(_QUEUE_DEPTH)
        self.done_q: queue.Queue[tuple[_Job, str, str]] = queue.Queue()
        self.abort = threading.Event()
        self.writers = runner.writers
        inputs = {Path(os.path.realpath(j.src)) for j in jobs}
        self.threads = [
            threading.Thread(
                target=runner._reader,
                args=(jobs, self.read_q, self.abort),
                name="batch-reader",
                daemon=True,
            )
        ]
        self.threads += [
            threading.Thread(
                target=runner._writer,
                args=(self.write_q, self.done_q, self.abort, inputs),
                name=f"batch-writer-{i}",
                daemon=True,
            )
            for i in range(self.writers)
        ]
        for t in self.threads:
            t.start()

    def drain(self, tally: _Tally, block: bool) -> Iterator[Progress]:
        """Progress for the files the writers finished (waiting briefly when ``block``)."""
        while True:
            try:
                item = self.done_q.get(timeout=_POLL_S) if block else self.done_q.get_nowait()
            except queue.Empty:
                return
            yield tally.record(*item)
            block = False

    def finish(self, tally: _Tally) -> Iterator[Progress]:
        """No more work: let the writers write what they hold, then report it."""
        for _ in range(self.writers):
            _put(self.write_q, None, self.abort)
        while any(t.is_alive() for t in self.threads[1:]) or not self.done_q.empty():
            yield from self.drain(tally, block=True)

    def close(self) -> None:
        self.abort.set()
        _empty(self.read_q)
        _empty(self.write_q)
        for t in self.threads:
            t.join()


def _set_torch_threads(n: int | None) -> int | None:
    """Set torch's intra-op threads if torch is in use; returns the previous count."""
    torch = sys.modules.get("torch")
    if torch is None or n is None:
        return None
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    return previous


def _put(q: queue.Queue, item: Any, abort: threading.Event) -> bool:
    """Put, waking regularly to give up when the run is aborted."""
    while not abort.is_set():
        try:
            q.put(item, timeout=_POLL_S)
            return True
        except queue.Full:
            continue
    return False


def _get(q: queue.Queue, abort: threading.Event) -> Any:
    """Get, or None (end of stream) when the run is aborted."""
    while not abort.is_set():
        try:
            return q.get(timeout=_POLL_S)
        except queue.Empty:
            continue
    return None


def _empty(q: queue.Queue) -> None:
    while True:
        try:
            q.get_nowait()
        except queue.Empty:
            return
