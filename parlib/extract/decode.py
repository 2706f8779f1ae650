"""Text decoding for the document readers, and the one-line error every reader raises.

UTF-8 (with or without a BOM) and UTF-16/32 with a BOM are decoded; any other encoding must be
named (``encoding=``, ``--encoding cp1258``): a guess could garble Vietnamese, and a garbled
figure is worse than a refusal."""

from __future__ import annotations

import codecs
from typing import TYPE_CHECKING

from parlib.errors import ParlibError

if TYPE_CHECKING:
    pass


NOT_UTF8_FIX = "save it as UTF-8 or pass --encoding NAME (e.g. cp1258)"

_BOMS: list[tuple[bytes, str]] = [  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


class ExtractInputError(ParlibError, ValueError):
    """A report file that cannot be read as text; the message is one line: ``FILE: what: what to do``."""

    def __init__(self, file: object, message: str) -> None:
        where = str(file).replace("\n", "\\n")
        super().__init__(f"{where}: {' '.join(message.split())}")
        self.file = file


def _decode_error(file: str, exc: UnicodeDecodeError, what: str, fix: str) -> ExtractInputError:
    """One line: which bytes broke which encoding, and what to do."""
    bad = exc.object[exc.start : exc.start + 1].hex()
    return ExtractInputError(file, f"{what} (byte 0x{bad} at offset {exc.start}): {fix}")


def _lookup(file: str, name: str) -> str:
    """The Python codec name for ``name``, or a one-line refusal."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise ExtractInputError(
            file, f"unknown encoding {name!r}: pass a Python codec name such as cp1258, utf-16 or latin-1"
        ) from None
    if not getattr(info, "_is_text_encoding", True):
        raise ExtractInputError(file, f"{name!r} is not a text encoding: pass one such as cp1258")
    return info.name


def _utf8_error(data: bytes) -> UnicodeDecodeError:
    """The error of decoding bytes already known not to be UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc
    raise AssertionError("the bytes are UTF-8")  # pragma: no cover


def _decode_known(file: str, data: bytes) -> str | None:
    """Decode by BOM, else as strict UTF-8; None when the bytes are neither."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                what = f"starts with a {codec} BOM but is not {codec}"
                raise _decode_error(file, exc, what, NOT_UTF8_FIX) from None
            return text.removeprefix("\ufeff")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _decode_text(file: str, data: bytes, encoding: str | None, notes: list[str]) -> str:
    """BOM or UTF-8 first (valid UTF-8 wins over ``encoding``, so one --encoding fits a mixed folder)."""
    text = _decode_known(file, data)
    if text is not None:
        return text
    if encoding is None:
        raise _decode_error(file, _utf8_error(data), "not UTF-8", NOT_UTF8_FIX)
    codec = _lookup(file, encoding)
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise _decode_error(
            file, exc, f"not UTF-8 and not {encoding} either", "check the encoding, or save it as UTF-8"
        ) from None
    notes.append(f"decoded as {encoding} (encoding=)")
    return text


# ---------------------------------------------------------------------------------------- Markdown
