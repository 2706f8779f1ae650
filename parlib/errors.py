"""Exceptions raised by parlib. Each message is one line that names the file, row or input."""

from __future__ import annotations

import errno


class ParlibError(Exception):
    """Base class: the CLI prints the message and exits non-zero."""


class UnknownProvinceError(ParlibError, ValueError):
    """A province name that the registry cannot map."""


class MissingRawFileError(ParlibError, FileNotFoundError):
    """A raw file that has not been pulled."""


class HashMismatchError(ParlibError):
    """A raw file whose sha256 differs from the registry."""


class SourceFormatError(ParlibError, ValueError):
    """A raw or researcher file whose layout is not what its reader expects."""

    def __init__(self, file: object, message: str, row: object | None = None) -> None:
        where = f"{file}" if row is None else f"{file}, row {row}"
        super().__init__(f"{where}: {message}")
        self.file, self.row = file, row


class ValidationError(ParlibError, ValueError):
    """Observations or the panel break a schema rule (message names file, row and rule)."""


OS_PROBLEMS: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("no space left on the device", "; free some and run again (nothing was replaced)"),
    errno.EDQUOT: ("disk quota exceeded", "; free some space and run again (nothing was replaced)"),
    errno.EFBIG: ("file too large for this file system or limit", " (nothing was replaced)"),
    errno.EROFS: (
        "read-only file system",
        "; set PARLIB_PROCESSED_DIR / PARLIB_REPORTS_DIR to a writable folder",
    ),
    errno.EACCES: ("permission denied", ""),
    errno.ENOTDIR: ("a path on the way is a file, not a folder", ""),
}
"""errno -> (what happened, in words; what to do): the one wording of an OS error for every message."""


def os_problem(exc: OSError, remedy: bool = False) -> str:
    """What an OSError means in words (with what to do, if ``remedy``), else the system's own words."""
    if exc.errno in OS_PROBLEMS:
        what, fix = OS_PROBLEMS[exc.errno]
        return what + (fix if remedy else "")
    return exc.strerror or str(exc)
