"""DOCX and PDF readers: a DOCX is a zip read with xml.etree (paragraphs and table cells), a PDF
is read with pypdf (imported only then); an encrypted PDF or one without a text layer is refused
with what to do."""

from __future__ import annotations

import math
import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass

from parlib.extract.decode import ExtractInputError

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_ZIP_KINDS = {
    "xl/workbook.xml": "a zip archive (an XLSX workbook), not text: export the report as .docx, .pdf or .txt",
    "ppt/presentation.xml": "a zip archive (a PPTX presentation), not text: export it as .pdf or .txt",
    "content.xml": "a zip archive (an OpenDocument file), not text: save it as .docx or .pdf",
}


def _read_zip(file: str, suffix: str, data: bytes) -> str:
    """A DOCX (a zip holding word/document.xml); any other zip is refused in one line."""
    import io
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except Exception as exc:  # BadZipFile mostly; a broken central directory can raise others
        what = "DOCX" if suffix == ".docx" else "zip archive"
        raise ExtractInputError(
            file, f"damaged {what} ({exc}): open it in Word or LibreOffice and save it again"
        ) from None
    part = _docx_main_part(archive, names)
    if part is None:
        if suffix == ".docx":
            raise ExtractInputError(
                file,
                "not a DOCX (zip archive without word/document.xml): "
                "open it in Word or LibreOffice and save it as .docx",
            )
        for name, message in _ZIP_KINDS.items():
            if name in names:
                raise ExtractInputError(file, message)
        raise ExtractInputError(file, "a zip archive, not a DOCX: unzip it and read the reports inside")
    try:
        xml = archive.read(part)
    except Exception as exc:  # zipfile raises many kinds (BadZipFile, zlib.error, EOFError, ...)
        raise ExtractInputError(
            file, f"damaged DOCX ({part}: {exc}): open it in Word or LibreOffice and save it again"
        ) from None
    return _docx_text(file, part, xml)


def _docx_main_part(archive: object, names: set[str]) -> str | None:
    """The main document part: named by _rels/.rels, else word/document.xml."""
    import xml.etree.ElementTree as ET

    if "_rels/.rels" in names:
        try:
            rels = ET.fromstring(archive.read("_rels/.rels"))  # type: ignore[attr-defined]
        except Exception:  # a broken .rels: fall back to the usual name
            rels = None
        for rel in rels if rels is not None else ():
            if rel.get("Type", "").endswith("/officeDocument"):
                target = rel.get("Target", "").lstrip("/")
                if target in names and target.endswith(".xml") and target.startswith("word/"):
                    return target
    return "word/document.xml" if "word/document.xml" in names else None


def _docx_text(file: str, part: str, xml: bytes) -> str:
    """Body paragraphs one per line; a table row is one line of tab-separated cells."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise ExtractInputError(
            file, f"damaged DOCX ({part} is not well-formed XML: {exc}): open it in Word and save it again"
        ) from None
    body = root.find(f"{_W}body")
    lines: list[str] = []
    _docx_blocks(body if body is not None else root, lines)
    text = "\n".join(line for line in lines if line.strip())
    return text.replace("\xa0", " ")


def _docx_blocks(parent: object, lines: list[str]) -> None:
    """Paragraphs and tables of a body (or of a content control inside it), in document order."""
    for child in parent:  # type: ignore[attr-defined]
        if child.tag == f"{_W}p":
            lines.append(_docx_inline(child).strip())
        elif child.tag == f"{_W}tbl":
            for row in child.findall(f"{_W}tr"):
                cells = []
                for cell in row.findall(f"{_W}tc"):
                    inner: list[str] = []
                    _docx_blocks(cell, inner)
                    cells.append(" ".join(x.strip() for x in inner if x.strip()))
                lines.append("\t".join(cells).rstrip("\t"))
        elif child.tag in (f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml", f"{_W}ins", f"{_W}smartTag"):
            _docx_blocks(child, lines)


def _docx_inline(node: object) -> str:
    """Text of a paragraph: runs, tabs and breaks; deleted text and compatibility fallbacks left out."""
    parts: list[str] = []
    stack = [node]
    while stack:
        el = stack.pop()
        tag = el.tag  # type: ignore[attr-defined]
        if tag == f"{_W}t":
            parts.append(el.text or "")  # type: ignore[attr-defined]
        elif tag == f"{_W}tab":
            parts.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
        elif tag == f"{_W}noBreakHyphen":
            parts.append("-")
        elif tag in (_MC_FALLBACK, f"{_W}del", f"{_W}delText", f"{_W}instrText"):
            continue
        elif tag == f"{_W}p" and el is not node:  # a paragraph in a text box: its own sentence
            parts.append(" ")
        stack.extend(reversed(list(el)))  # type: ignore[call-overload]
    return "".join(parts)


# --------------------------------------------------------------------------------------------- PDF

PDF_MIN_CHARS = 20
"""Fewer non-space characters than this over all pages means the PDF has no text layer."""
_SHORT_LINE = 0.75
"""A PDF line shorter than this share of the page's long lines (90th percentile) ends its paragraph."""


def _read_pdf(file: str, data: bytes) -> str:
    """The text layer of a PDF (pypdf), pages joined by ``\\n\\n``, hard line wraps joined with a space."""
    import io

    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    qpdf = "encrypted PDF: decrypt it first, e.g. qpdf --decrypt --password=PASSWORD in.pdf out.pdf"
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except DependencyError:
                raise ExtractInputError(file, qpdf + " (or install cryptography)") from None
            if opened == PasswordType.NOT_DECRYPTED:
                raise ExtractInputError(file, qpdf)
        pages = [page.extract_text() or "" for page in reader.pages]
    except ExtractInputError:
        raise
    except FileNotDecryptedError:
        raise ExtractInputError(file, qpdf) from None
    except Exception as exc:  # a damaged PDF makes pypdf raise almost anything (PdfReadError, KeyError, ...)
        reason = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise ExtractInputError(
            file, f"damaged PDF ({reason}): repair it (e.g. qpdf in.pdf fixed.pdf) or get the file again"
        ) from None
    if sum(len("".join(p.split())) for p in pages) < PDF_MIN_CHARS:
        raise ExtractInputError(file, "no text layer: run OCR first (e.g. ocrmypdf in.pdf out.pdf)")
    return "\n\n".join(t for t in (_pdf_paragraphs(p) for p in pages) if t)


def _pdf_paragraphs(page: str) -> str:
    """Join a page's hard-wrapped lines into paragraphs.

    A paragraph ends at a blank line or at a short line (its last line, or a heading) that does not
    end in a hyphen, a dash or a comma. Within one, a line ending in letter-hyphen before a
    lowercase letter is de-hyphenated ("administra-" + "tion"), any other line ending in a hyphen
    is joined without a space ("2011-" + "2020"), and every other wrap becomes one space.
    """
    page = unicodedata.normalize("NFC", page).replace("\xa0", " ").replace("\xad", "")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in page.splitlines()]
    sizes = sorted(len(line) for line in lines if line)
    if not sizes:
        return ""
    long_line = sizes[math.ceil(0.9 * (len(sizes) - 1))]  # the 90th percentile, rounded up
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        if not line:
            if current:
                paragraphs.append(current)
            current = ""
            continue
        if not current:
            current = line
        elif current.endswith("-") and len(current) > 1 and not current[-2].isspace():
            dehyphen = current[-2].isalpha() and line[0].islower()
            current = (current[:-1] if dehyphen else current) + line
        else:
            current += " " + line
        if len(line) < _SHORT_LINE * long_line and not line.endswith(("-", "\u2013", ",")):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)
