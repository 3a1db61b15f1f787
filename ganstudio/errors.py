"""The base of every error that means "the user asked for something impossible".

The CLI prints these as one line and exits non-zero; the GUI shows them in a
message bar.  Anything else escaping is a bug and keeps its traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """A mistake the user can fix: shown as one line, never as a traceback."""


#: what the CLI reports as one line: our own user errors, and OS errors about
#: the user's own paths
USER_ERRORS: tuple[type[Exception], ...] = (
    UserError,
    FileNotFoundError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)
