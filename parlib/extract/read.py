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

import codecs
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from parlib.errors import ParlibError, os_problem

if TYPE_CHECKING:
    from selectolax.lexbor import LexborNode

__all__ = ["Document", "ExtractInputError", "detect_lang", "read_document"]

EMPTY_NOTE = "empty file: no text"
NOT_UTF8_FIX = "save it as UTF-8 or pass --encoding NAME (e.g. cp1258)"


class ExtractInputError(ParlibError, ValueError):
    """A report file that cannot be read as text; the message is one line: ``FILE: what: what to do``."""

    def __init__(self, file: object, message: str) -> None:
        where = str(file).replace("\n", "\\n")
        super().__init__(f"{where}: {' '.join(message.split())}")
        self.file = file


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
_BOMS: list[tuple[bytes, str]] = [  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
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

_MD_DROP_LINE = re.compile(
    r"^\s{0,3}(?:```.*|~~~.*|([-*_=])(?:\s*\1){2,}\s*|\[[^\]]+\]:\s*\S+.*"
    r"|\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?)$"
)  # code fences, rules and setext underlines, link definitions, table separator rows
_MD_LINE_PREFIX = re.compile(r"^(\s*)(?:>\s?)*(?:#{1,6}(?:\s+|$)|[-*+]\s+(?:\[[ xX]\]\s+)?|\d{1,3}[.)]\s+)?")
_MD_HEADING = re.compile(r"^\s{0,3}(?:>\s?)*#{1,6}(?:\s|$)")
_MD_HEADING_TAIL = re.compile(r"\s+#+\s*$")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_MD_INLINE = [
    (re.compile(r"!\[[^\]]*\]\([^)]*\)|!\[[^\]]*\]\[[^\]]*\]"), ""),  # images
    (re.compile(r"\[([^\]]+)\]\((?:[^()\s]|\([^)]*\))*(?:\s+\"[^\"]*\")?\)"), r"\1"),  # [text](url)
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # [text][ref]
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),  # autolinks
    (re.compile(r"(`+)(.+?)\1"), r"\2"),  # inline code
    (re.compile(r"(?<![\w*])\*\*(?=\S)(.+?)(?<=\S)\*\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])__(?=\S)(.+?)(?<=\S)__(?![\w_])"), r"\1"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), r"\1"),
    (re.compile(r"(?<!~)~~(?=\S)(.+?)(?<=\S)~~(?!~)"), r"\1"),
]


def _md_inline(line: str) -> str:
    """One Markdown line without its inline markup; backslash-escaped characters are kept as written."""
    escaped: list[str] = []

    def hide(m: re.Match[str]) -> str:
        escaped.append(m.group(1))
        return f"\ue000{len(escaped) - 1}\ue001"

    line = _MD_ESCAPE.sub(hide, line)
    for pattern, repl in _MD_INLINE:
        line = pattern.sub(repl, line)
    return re.sub("\ue000(\\d+)\ue001", lambda m: escaped[int(m.group(1))], line)


def _strip_markdown(text: str) -> str:
    """Plain sentences from Markdown, line by line: paragraphs and line breaks stay where they were."""
    out: list[str] = []
    for line in text.splitlines():
        if _MD_DROP_LINE.match(line):
            continue
        heading = _MD_HEADING.match(line) is not None
        line = _MD_LINE_PREFIX.sub(r"\1", line, count=1)
        if heading:
            line = _MD_HEADING_TAIL.sub("", line)
        if line.lstrip().startswith("|") and line.rstrip().endswith("|"):  # a table row: cells by tab
            line = "\t".join(cell.strip() for cell in line.strip()[1:-1].split("|"))
        out.append(_md_inline(line).rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")


# -------------------------------------------------------------------------------------------- HTML

_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S
)
_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.I,
)
_NOISE_TAGS = (
    "script, style, noscript, template, nav, footer, aside, form, iframe, svg, button, select, textarea, "
    "object, embed, canvas, [hidden], [role=navigation], [role=banner], [role=contentinfo], "
    "[role=complementary], [role=search]"
)
_NOISE_WORDS = frozenset(
    "menu menus nav navbar navigation breadcrumb breadcrumbs sidebar comment comments share sharing social "
    "related cookie cookies advert adverts advertisement ads popup pagination newsletter subscribe footer "
    "lienquan tinlienquan binhluan chiase".split()
)  # the last four: Vietnamese "related news", "comments", "share" (tin liên quan, bình luận, chia sẻ)
_NOISE_AFFIXES = ("menu", "share", "comment", "related", "sidebar", "breadcrumb", "navbar")
_BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details dialog dir div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main menu nav ol p pre "
    "section summary table ul".split()
)
_PARA, _CELL = "\ue010", "\ue011"  # private-use marks: a paragraph break, a table cell start
_SPACES = re.compile(r"[ \t\n\r\f\v\xa0]+")
_LATIN1_LABELS = {"iso8859-1", "ascii"}  # browsers read these labels as windows-1252 (WHATWG)


def _looks_html(head: bytes) -> bool:
    """Does the content start like an HTML page (``<!doctype html`` or ``<html``)?"""
    return bool(_HTML_START.match(head))


def _read_html(file: str, data: bytes, encoding: str | None, notes: list[str]) -> str:
    """The main text of an HTML page as paragraphs (``\\n\\n``), ``<br>`` kept as a newline."""
    from selectolax.lexbor import LexborHTMLParser

    html = _decode_html(file, data, encoding, notes)
    tree = LexborHTMLParser(html)
    body = tree.body
    if body is None:
        return ""
    skip = {node.mem_id for node in tree.css(_NOISE_TAGS)}
    skip.update(node.mem_id for node in tree.css("header") if not _inside(node, "article, main"))
    root = _main_root(tree, skip) or body
    total = len(_render(root, skip))
    for node in root.css("[class], [id]"):
        if node.mem_id in skip or not _noise_marked(node) or node.css_first("article, main, [role=main]"):
            continue
        if len(_render(node, skip)) <= total / 2:  # never drop most of the page on a class name
            skip.add(node.mem_id)
    return _render(root, skip)


def _decode_html(file: str, data: bytes, encoding: str | None, notes: list[str]) -> str:
    """BOM, then UTF-8, then ``encoding=``, then the declared charset (<meta charset>, <?xml encoding>)."""
    text = _decode_known(file, data)
    if text is not None:
        return text
    if encoding is not None:
        return _decode_text(file, data, encoding, notes)
    found = _CHARSET.search(data[:4096])
    if found is None:
        raise _decode_error(file, _utf8_error(data), "not UTF-8 and declares no charset", NOT_UTF8_FIX)
    label = (found.group(1) or found.group(2)).decode("ascii")
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        raise ExtractInputError(
            file, f"not UTF-8 and declares an unknown charset {label!r}: {NOT_UTF8_FIX}"
        ) from None
    for name in ("cp1252", codec) if codec in _LATIN1_LABELS else (codec,):
        try:
            text = data.decode(name)
        except UnicodeDecodeError as exc:
            if name == codec:
                raise _decode_error(
                    file, exc, f"not valid {label} as its charset declares", NOT_UTF8_FIX
                ) from None
            continue
        notes.append(f"decoded as {label} (declared charset)")
        return text
    raise AssertionError("unreachable")  # pragma: no cover


def _inside(node: LexborNode, selector: str) -> bool:
    """Is ``node`` inside an element matching ``selector``?"""
    parent = node.parent
    while parent is not None and parent.tag not in ("html", "-undef"):
        if parent.css_matches(selector):
            return True
        parent = parent.parent
    return False


def _noise_marked(node: LexborNode) -> bool:
    """Does the element's class or id name it a menu, comments, share buttons or related links?"""
    attrs = node.attributes
    raw = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
    words = [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", raw)]
    joined = ["".join(words[i : i + n]) for n in (1, 2, 3) for i in range(len(words) - n + 1)]
    if any(w in _NOISE_WORDS for w in joined):
        return True
    return any(w != a and (w.startswith(a) or w.endswith(a)) for w in words for a in _NOISE_AFFIXES)


def _main_root(tree: object, skip: set[int]) -> LexborNode | None:
    """The longest <article> outside the noise, else <main> (or role=main); None to use <body>."""
    best, best_len = None, 0
    for node in tree.css("article"):  # type: ignore[attr-defined]
        if node.mem_id in skip or _noise_marked(node) or _skipped_above(node, skip):
            continue
        size = len(_render(node, skip))
        if size > best_len:
            best, best_len = node, size
    if best is not None:
        return best
    for node in tree.css("main, [role=main]"):  # type: ignore[attr-defined]
        if not _skipped_above(node, skip):
            return node
    return None


def _skipped_above(node: LexborNode, skip: set[int]) -> bool:
    """Is an ancestor of ``node`` in the skip set?"""
    parent = node.parent
    while parent is not None:
        if parent.mem_id in skip:
            return True
        parent = parent.parent
    return False


def _render(root: LexborNode, skip: set[int]) -> str:
    """Text of ``root`` without the skipped elements: blocks as paragraphs, rows as lines, cells by tab."""
    out: list[str] = []
    stack: list[tuple[LexborNode, bool, int, int]] = [(root, False, 0, 0)]  # node, closing, in_pre, in_cell
    while stack:
        node, closing, pre, cell = stack.pop()
        tag = node.tag
        if closing:
            if tag in _BLOCK_TAGS:
                out.append(" " if cell else _PARA)
            continue
        if tag == "-text":
            text = (node.text_content or "").replace("\u200b", "").replace("\xad", "")
            out.append(text.replace("\xa0", " ") if pre else _SPACES.sub(" ", text))
            continue
        if node.mem_id in skip or tag in ("-comment", "head", "title"):
            continue
        if tag == "br":
            out.append(" " if cell else "\n")
            continue
        if tag in ("td", "th"):
            out.append(_CELL)
            cell += 1
        elif tag == "tr":
            out.append("\n")
        elif tag in _BLOCK_TAGS:
            out.append(" " if cell else _PARA)
        pre += tag in ("pre", "textarea")
        stack.append((node, True, pre, cell))
        children = list(node.iter(include_text=True))
        stack.extend((child, False, pre, cell) for child in reversed(children))
    return _tidy_blocks("".join(out))


def _tidy_blocks(raw: str) -> str:
    """Marks to text: one paragraph per block (``\\n\\n``), clean lines, table cells joined by tabs."""
    paragraphs: list[str] = []
    for chunk in raw.split(_PARA):
        lines = []
        for line in chunk.split("\n"):
            line = line.replace("\xa0", " ").strip(" ")
            if _CELL in line:
                cells = [re.sub(" +", " ", c).strip() for c in line.removeprefix(_CELL).split(_CELL)]
                line = "\t".join(cells).rstrip("\t")
            else:
                line = re.sub(" +", " ", line)
            lines.append(line)
        paragraphs.append("\n".join(lines).strip("\n"))
    text = "\n\n".join(p for p in paragraphs if p.strip())
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# -------------------------------------------------------------------------------------------- DOCX

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
