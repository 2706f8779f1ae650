"""Exceptions raised by parlib. Each message is one line that names the file, row or input."""

from __future__ import annotations


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
