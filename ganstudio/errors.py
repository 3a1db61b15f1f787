"""The base of every error that means "the user asked for something impossible".

The CLI prints these as one line and exits non-zero; the GUI shows them in a
message bar.  Anything else escaping is a bug and keeps its traceback.
"""

from __future__ import annotations

import os


class UserError(Exception):
    """A mistake the user can fix: shown as one line, never as a traceback."""

    #: the CLI's exit status for this error (2: usage or input problem)
    exit_code = 2


class DataError(UserError, ValueError):
    """A file from outside (or a damaged one of ours) cannot be used: says why."""


class CheckpointError(DataError):
    """A model file is missing, damaged, of the wrong kind, or does not fit."""


class OutputError(UserError):
    """A result could not be written (read-only folder, full disk …): exit 3, as batch."""

    exit_code = 3


def output_error(path: str | os.PathLike[str], exc: OSError) -> OutputError:
    """``cannot write PATH (No space left on device)``: never the temporary name."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return OutputError(f"cannot write {os.fspath(path)} ({reason})")


#: what the CLI reports as one line: our own user errors, and OS errors about
#: the user's own paths
USER_ERRORS: tuple[type[Exception], ...] = (
    UserError,
    FileNotFoundError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)
