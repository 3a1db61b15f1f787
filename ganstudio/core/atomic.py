"""Atomic file writes: a crash or Ctrl-C never leaves a half-written file.

A write goes to a temporary file beside the target (``.NAME.XXXXXXXX.part.EXT``)
that is renamed over the target when complete.  While it is being written the
temporary is locked (``flock`` on POSIX), so :func:`remove_stale_temps` can tell
the leftovers of a killed process (``kill -9``, power loss) from another
process's write in progress, and remove only those (on Windows, without the
lock, only leftovers a day old).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

try:  # POSIX
    import fcntl
except ImportError:  # Windows: an open file cannot be deleted, which is lock enough
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("ganstudio.atomic")


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: read once at import (os.umask can only be read by setting it, which races threads)
_UMASK = _read_umask()
#: a temporary older than this process and not locked was left by a process that died
_STARTED = time.time()
#: our temporaries: "." + (part of) the stem + "." + mkstemp's 8 characters + ".part" + ext
_TEMP_NAME = re.compile(r"^\..*\.[a-z0-9_]{8}\.part(\.[^.]+)?$")
_RANDOM_LEN = 8  # tempfile's random part
_WINDOWS_STALE_S = 24 * 3600
_DEFAULT_NAME_MAX = 255


def name_max(folder: str | os.PathLike[str]) -> int:
    """The longest file name (in bytes) the file system of ``folder`` takes."""
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (AttributeError, OSError, ValueError):  # Windows, or no answer
        return _DEFAULT_NAME_MAX


def _temp_affixes(target: Path, suffix: str | None) -> tuple[str, str]:
    """(prefix, suffix) for mkstemp that fit the folder's name limit.

    The suffix keeps the target's extension (libraries choose a format by it);
    the stem in the prefix is shortened as far as needed, so a target whose
    name is itself near the limit still gets a temporary (issue #12, item 7).
    """
    tail = suffix or ".part" + target.suffix
    limit = name_max(target.parent)
    room = limit - len(os.fsencode(tail)) - _RANDOM_LEN - 2  # the two dots around the stem
    stem = os.fsencode(target.stem)[: max(room, 0)].decode("utf-8", "ignore")  # whole characters
    return f".{stem}.", tail


def _lock(fd: int) -> None:
    if fcntl is not None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``.

    The temporary keeps the target's extension (so libraries that choose a
    format by suffix still work) and is removed if the block raises.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix, tail = _temp_affixes(target, suffix)
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=tail, dir=target.parent)
    if fcntl is None:  # Windows: writers may delete or rename the temporary themselves
        os.close(fd)
        fd = -1
    else:  # held until the rename: marks the temporary as in use (remove_stale_temps)
        _lock(fd)
    tmp_path = Path(tmp)
    # mkstemp makes 0600 files; the result should look like any file the user writes
    # (or keep the mode of the file it replaces)
    try:
        mode = target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_UMASK
        os.chmod(tmp_path, mode)
    except OSError:
        pass
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise
    finally:
        if fd >= 0:
            os.close(fd)


@contextlib.contextmanager
def atomic_open(target: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO]:
    with atomic_path(target) as tmp, open(tmp, mode) as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())


def atomic_write_text(target: str | os.PathLike[str], text: str) -> None:
    with atomic_open(target, "w") as fh:
        fh.write(text)


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    with atomic_open(target, "wb") as fh:
        fh.write(data)


def is_temp_name(name: str) -> bool:
    """Whether ``name`` is one of our temporaries (never matches a user's file name)."""
    return bool(_TEMP_NAME.match(name))


def remove_stale_temps(folder: str | os.PathLike[str]) -> list[Path]:
    """Delete the temporaries a killed process left in ``folder``; returns them.

    Only our own names are considered, only regular files (never a link),
    only those older than this process, and only those no live process holds
    (the writer keeps its temporary locked until the rename).  Errors are
    ignored: cleaning up must never stop the work that asked for it.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not is_temp_name(entry.name):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode) or st.st_mtime >= _STARTED:
            continue
        path = Path(entry.path)
        if _remove_if_unlocked(path):
            removed.append(path)
    if removed:
        log.info("removed %d stale temporary file(s) in %s", len(removed), folder)
    return removed


def _remove_if_unlocked(path: Path) -> bool:
    if fcntl is None:  # Windows: no lock to test; only a day-old leftover is surely stale
        if time.time() - path.stat().st_mtime < _WINDOWS_STALE_S:
            return False
        try:
            path.unlink()
        except OSError:
            return False
        return True
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # a live writer holds it
            return False
        try:
            path.unlink()
        except OSError:
            return False
        return True
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked(target: str | os.PathLike[str], timeout_s: float = 300.0) -> Iterator[None]:
    """Hold an advisory lock on ``target`` for a read-modify-write (another process too).

    The lock is a hidden ``.NAME.lock`` file beside the target (locking the file itself
    would not do: an atomic write replaces it with a new one).  Waits up to
    ``timeout_s``, then raises :class:`TimeoutError` naming the file.
    """
    from filelock import FileLock, Timeout

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(target.parent / f".{target.name}.lock", timeout=timeout_s)
    try:
        lock.acquire()
    except Timeout:
        raise TimeoutError(
            f"{target.name} is being changed by another process; try again when it is done"
        ) from None
    try:
        yield
    finally:
        lock.release()
