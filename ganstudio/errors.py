"""The base of every error that means "the user asked for something impossible".

The CLI prints these as one line and exits non-zero; the GUI shows them in a
message bar.  Anything else escaping is a bug and keeps its traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """A mistake the user can fix: shown as one line, never as a traceback."""


#: OS errors about the user's own paths are user errors too
USER_OS_ERRORS: tuple[type[OSError], ...] = (
    FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError,
)
