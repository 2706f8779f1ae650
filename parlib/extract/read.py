"""Document readers: turn a provincial report file (text, Markdown, HTML, DOCX, PDF) into plain text.

The fact patterns of ``parlib.extract`` run on :attr:`Document.text` and report
``quote = text[start:end]``, so the text must be deterministic, Unicode NFC (Vietnamese is often
decomposed, NFD, in the wild) and keep each sentence whole:

- plain text keeps the decoded characters as they are (only NFC), so offsets follow the file;
- Markdown loses its light markup line by line (headings, emphasis, code ticks, links, images);
- HTML, DOCX and PDF become clean paragraphs (PDF hard line wraps are joined with a space).

Every refusal is an :class:`ExtractInputError` whose one-line message names the file and what to
do. The format is chosen by content first (magic numbers, an HTML start) and by suffix second.
selectolax (HTML) and pypdf (PDF) are imported only when such a file is read.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from parlib.errors import os_problem
from parlib.extract.decode import _BOMS, ExtractInputError, _decode_text
from parlib.extract.read_markup import _looks_html, _read_html, _strip_markdown
from parlib.extract.read_office import _read_pdf, _read_zip

if TYPE_CHECKING:
    pass

__all__ = ["Document", "ExtractInputError", "detect_lang", "read_document"]

EMPTY_NOTE = "empty file: no text"


@dataclass(frozen=True)
class Document:
    """The main text of one report file, NFC, with its language and reading notes."""

    file: str
    text: str
    lang: str
    notes: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------- language


def _vietnamese_letters() -> frozenset[str]:
    """Letters that (among en/vi) only Vietnamese uses: đ, ă â ê ô ơ ư and every precomposed tone mark."""
    tones = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # none, huyền, sắc, hỏi, ngã, nặng
    letters = {"đ", "Đ"}
    for base in "aăâeêioôơuưy":
        for tone in tones:
            for ch in (base, base.upper()):
                composed = unicodedata.normalize("NFC", ch + tone)
                if len(composed) == 1 and not composed.isascii():
                    letters.add(composed)
    return frozenset(letters)


VI_LETTERS = _vietnamese_letters()
VI_THRESHOLD = 0.15
"""``detect_lang`` says "vi" when at least this share of the letters are Vietnamese-specific.

Vietnamese prose runs at 25-40% (almost every syllable carries a tone mark or a modified vowel;
"Chỉ số PAPI năm 2022 đạt 43,85 điểm" is 37% even with its acronym), a Vietnamese sentence heavy
with acronyms (PAPI, PCI, SIPAS) stays above 20%, and English prose that names provinces with their
diacritics ("Lạng Sơn ranked 13/61 on PAPI") stays near or below 10%.
"""
LANG_SAMPLE = 200_000
"""``detect_lang`` looks at the first this many characters (enough for any report, and fast)."""
_VI_RE = re.compile("[" + "".join(sorted(VI_LETTERS)) + "]")
_LETTER_RE = re.compile(r"[^\W\d_]")


def detect_lang(text: str) -> str:
    """ "vi" when Vietnamese-specific letters are at least ``VI_THRESHOLD`` of the letters, else "en"."""
    sample = unicodedata.normalize("NFC", text[:LANG_SAMPLE])
    letters = len(_LETTER_RE.findall(sample))
    if not letters:
        return "en"
    return "vi" if len(_VI_RE.findall(sample)) / letters >= VI_THRESHOLD else "en"


# ------------------------------------------------------------------------------------ entry point

_MD_SUFFIXES = {".md", ".markdown"}
_HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
_IMAGES: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
]
_OTHER_BINARY: list[tuple[bytes, str]] = [
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old Office file (OLE2: .doc/.xls, or a password-protected .docx)",
    ),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"{\\rtf", "an RTF document"),
]


def read_document(path: str | Path, lang: str = "auto", encoding: str | None = None) -> Document:
    """Read one report file into a :class:`Document` (text NFC; ``lang`` "en", "vi" or "auto" to detect).

    ``encoding`` is used only for a text or HTML file that has no BOM and is not valid UTF-8 (for
    instance "cp1258", the Vietnamese Windows code page); it then wins over an HTML ``<meta charset>``.
    """
    file = str(path)
    if lang not in ("auto", "en", "vi"):
        raise ExtractInputError(file, f"unknown lang {lang!r}: use en, vi or auto")
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ExtractInputError(file, "no such file: check the path") from None
    except IsADirectoryError:
        raise ExtractInputError(file, "a folder, not a file: pass the report files inside it") from None
    except OSError as exc:
        raise ExtractInputError(file, f"cannot read it ({os_problem(exc)})") from None

    notes: list[str] = []
    text, kind = _read_bytes(file, p.suffix.lower(), data, encoding, notes)
    text = unicodedata.normalize("NFC", text)
    if not text.strip():
        text = ""
        notes.append(EMPTY_NOTE if kind == "text" else f"no text: the {kind} holds only markup")
    return Document(file, text, detect_lang(text) if lang == "auto" else lang, tuple(notes))


def _read_bytes(
    file: str, suffix: str, data: bytes, encoding: str | None, notes: list[str]
) -> tuple[str, str]:
    """Choose the reader by content (magic numbers, an HTML start), then by suffix; return (text, kind)."""
    if not data.strip():
        return "", "text"
    head = data[:1024]
    if head.startswith(b"%PDF-") or (suffix == ".pdf" and b"%PDF-" in head):  # junk may lead the header
        return _read_pdf(file, data), "PDF"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _read_zip(file, suffix, data), "DOCX"
    if suffix == ".docx":
        what = next((w for magic, w in _OTHER_BINARY if head.startswith(magic)), None)
        hint = f"; it is {what}" if what else ""
        raise ExtractInputError(
            file, f"not a DOCX (not a zip archive{hint}): open it in Word or LibreOffice and save it as .docx"
        )
    if suffix == ".pdf":
        raise ExtractInputError(
            file, f"not a PDF (no %PDF- header; {_what_is(head)}): download or export the PDF again"
        )
    _refuse_binary(file, head, encoding)
    if suffix in _HTML_SUFFIXES or _looks_html(head):
        return _read_html(file, data, encoding, notes), "HTML page"
    text = _decode_text(file, data, encoding, notes)
    return (_strip_markdown(text), "Markdown") if suffix in _MD_SUFFIXES else (text, "text")


def _what_is(head: bytes) -> str:
    """A few words on what a file that should be a PDF is instead."""
    if _looks_html(head):
        return "it is an HTML page, perhaps an error page saved in its place"
    for magic, name in _IMAGES:
        if head.startswith(magic):
            return f"it is an image ({name})"
    return "it is damaged or another kind of file"


def _refuse_binary(file: str, head: bytes, encoding: str | None) -> None:
    """Refuse images (by magic number) and, unless ``encoding`` is given, binary files (a NUL byte in
    the first KB without a BOM)."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        raise ExtractInputError(file, "an image (WebP), not text: run OCR first (e.g. tesseract)")
    for magic, name in _IMAGES:
        if head.startswith(magic) and (name != "BMP" or b"\x00" in head):
            raise ExtractInputError(file, f"an image ({name}), not text: run OCR first (e.g. tesseract)")
    for magic, what in _OTHER_BINARY:
        if head.startswith(magic):
            raise ExtractInputError(file, f"{what}, not text: save it as .docx, .pdf or .txt")
    if encoding is None and b"\x00" in head and not any(head.startswith(bom) for bom, _ in _BOMS):
        even, odd = head[0::2], head[1::2]
        for zeros, others, codec in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
            if zeros.count(0) >= 0.5 * len(zeros) and others.count(0) <= 0.05 * len(others):
                raise ExtractInputError(
                    file, f"binary file, not text (perhaps UTF-16 without a BOM): pass --encoding {codec}"
                )
        raise ExtractInputError(file, "binary file, not text: pass a .txt, .md, .html, .docx or .pdf report")


# ------------------------------------------------------------------------------- text and encodings
