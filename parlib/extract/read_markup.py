"""Markdown and HTML readers: the light markup of a Markdown report removed line by line, and the
main text of a web page (``<article>`` or ``<main>``, menus, scripts and footers dropped) as
paragraphs. selectolax is imported only when a page is read."""

from __future__ import annotations

import codecs
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from selectolax.lexbor import LexborNode

from parlib.extract.decode import (
    NOT_UTF8_FIX,
    ExtractInputError,
    _decode_error,
    _decode_known,
    _decode_text,
    _utf8_error,
)

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
