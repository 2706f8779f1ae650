"""parlib.extract.read: report files (text, Markdown, HTML, DOCX, PDF) to NFC text, language, one-line errors.

The fixtures are in tests/fixtures/extract/files, written by make_fixtures.py there (our own
sentences); the rarer bad inputs are written here into tmp_path.
"""

from __future__ import annotations

import subprocess
import sys
import time
import unicodedata
import zipfile
from pathlib import Path

import pytest

from parlib.errors import ParlibError
from parlib.extract.read import EMPTY_NOTE, Document, ExtractInputError, detect_lang, read_document

FILES = Path(__file__).parent / "fixtures" / "extract" / "files"

VI = "Chỉ số PAPI năm 2022 của tỉnh Lạng Sơn đạt 43,85 điểm, xếp thứ 13/61."
VI_2 = "Chỉ số cải cách hành chính (PAR INDEX) năm 2022 đạt 81,45%, giảm 31 bậc so với năm 2021."
EN = "In 2022 the PAPI score of Lang Son province was 43.85 points, ranking 13/61."
TEXT_VI = f"Báo cáo kết quả cải cách hành chính\n\n{VI}\n{VI_2}\n"
EN_2 = "The province's SIPAS satisfaction index reached 80.12% in 2022, up 2.3 percentage points."
TEXT_EN = f"Public administration reform report\n\n{EN}\n{EN_2}\n"


def error_of(path: Path | str, **kwargs: object) -> str:
    """The message of the ExtractInputError that reading ``path`` raises (checked to be one line)."""
    with pytest.raises(ExtractInputError) as info:
        read_document(path, **kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    assert isinstance(info.value, ParlibError) and info.value.file == str(path)
    return message.removeprefix(f"{path}: ")


# ------------------------------------------------------------------------------------- plain text


@pytest.mark.parametrize("name", ["vi_utf8.txt", "vi_utf8_bom.txt", "vi_utf16.txt", "vi_nfd.txt"])
def test_text_encodings_give_the_same_nfc_text(name):
    doc = read_document(FILES / name)
    assert doc == Document(str(FILES / name), TEXT_VI, "vi", ())
    assert unicodedata.is_normalized("NFC", doc.text)
    start = doc.text.index(VI)
    assert start == 37 and doc.text[start : start + len(VI)] == VI  # offsets follow the decoded file


def test_nfd_fixture_really_is_decomposed():
    raw = (FILES / "vi_nfd.txt").read_text("utf-8")
    assert not unicodedata.is_normalized("NFC", raw) and "\u0323" in raw  # combining dot below
    assert unicodedata.normalize("NFC", raw) == read_document(FILES / "vi_nfd.txt").text


def test_english_text_is_kept_as_decoded():
    doc = read_document(FILES / "en.txt")
    assert doc.text == TEXT_EN and doc.lang == "en" and doc.notes == ()
    assert doc.text.index(EN) == TEXT_EN.index(EN)


def test_cp1258_needs_encoding():
    path = FILES / "vi_cp1258.txt"
    assert error_of(path) == (
        "not UTF-8 (byte 0xe1 at offset 1): save it as UTF-8 or pass --encoding NAME (e.g. cp1258)"
    )
    doc = read_document(path, encoding="cp1258")
    assert doc.text == TEXT_VI and doc.lang == "vi" and doc.notes == ("decoded as cp1258 (encoding=)",)
    assert b"k\xea\xect" in path.read_bytes()  # "kết" written as ê + combining acute: NFC joins them


def test_encoding_problems_are_one_line():
    path = FILES / "vi_cp1258.txt"
    assert error_of(path, encoding="ascii") == (
        "not UTF-8 and not ascii either (byte 0xe1 at offset 1): check the encoding, or save it as UTF-8"
    )
    assert error_of(path, encoding="no-such-codec") == (
        "unknown encoding 'no-such-codec': pass a Python codec name such as cp1258, utf-16 or latin-1"
    )
    assert error_of(path, encoding="rot13") == "'rot13' is not a text encoding: pass one such as cp1258"


def test_valid_utf8_wins_over_encoding():
    doc = read_document(FILES / "vi_utf8.txt", encoding="cp1258")
    assert doc.text == TEXT_VI and doc.notes == ()


def test_lang_given_is_kept():
    assert read_document(FILES / "vi_utf8.txt", lang="en").lang == "en"
    assert read_document(FILES / "en.txt", lang="vi").lang == "vi"
    assert error_of(FILES / "en.txt", lang="fr") == "unknown lang 'fr': use en, vi or auto"


def test_text_that_mentions_pdf_is_text(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("Save the report as %PDF-1.7 and send it.\n")
    assert read_document(path).text == "Save the report as %PDF-1.7 and send it.\n"


def test_empty_and_blank_files_give_empty_text(tmp_path):
    assert read_document(FILES / "empty.txt") == Document(str(FILES / "empty.txt"), "", "en", (EMPTY_NOTE,))
    blank = tmp_path / "blank.txt"
    blank.write_text("  \n\t\n\n")
    assert read_document(blank).notes == ("empty file: no text",) and read_document(blank).text == ""
    blank16 = tmp_path / "blank16.txt"
    blank16.write_bytes(" \n \n".encode("utf-16"))
    assert read_document(blank16).text == "" and read_document(blank16).notes == (EMPTY_NOTE,)
    empty_pdf = tmp_path / "empty.pdf"
    empty_pdf.write_bytes(b"")
    assert read_document(empty_pdf, lang="vi") == Document(str(empty_pdf), "", "vi", (EMPTY_NOTE,))


# --------------------------------------------------------------------------------------- Markdown


def test_markdown_loses_its_markup():
    doc = read_document(FILES / "report.md")
    assert doc.text == (
        "Kết quả PAPI năm 2022\n\n"
        f"{VI}\n\n"
        "Theo báo cáo PAPI của UNDP, chỉ số SIPAS đạt 80,12%.\n\n"
        "Điểm PCI: 65,22 điểm, xếp thứ 45/63.\n"
        "Giá trị *không* đổi.\n\n"
        "Chỉ số\tĐiểm\nPAPI\t43,85"
    )
    assert doc.lang == "vi"


def test_markdown_keeps_underscores_and_stars_inside_words(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("PAR_INDEX and 2 * 3 stay; **bold** and _it_ go.\n\n> A quote with a [link][1].\n")
    assert read_document(path).text == "PAR_INDEX and 2 * 3 stay; bold and it go.\n\nA quote with a link."


# ------------------------------------------------------------------------------------------- HTML


def test_html_main_text_without_noise():
    doc = read_document(FILES / "page.html")
    assert doc.text == (
        "Lạng Sơn công bố kết quả PAPI\n\n"
        f"{VI}\n\n"
        "Chỉ số SIPAS đạt 80,12% & tăng 2,3 điểm\nso với năm 2021.\n\n"
        "Chỉ số\tĐiểm\nPAPI\t43,85"
    )
    assert doc.lang == "vi" and doc.notes == ()
    for noise in (
        "99,99",
        "Trang chủ",
        "Giới thiệu",
        "Chia sẻ",
        "42,10",
        "Bình luận",
        "Quảng cáo",
        "Bản quyền",
    ):
        assert noise not in doc.text


def test_html_declared_charsets():
    doc = read_document(FILES / "page_cp1258.html")
    assert doc.text == f"{VI}\n\n{VI_2}" and doc.notes == ("decoded as windows-1258 (declared charset)",)
    assert read_document(FILES / "page_cp1258.html", encoding="cp1258").text == doc.text
    latin = read_document(FILES / "page_latin1.html")  # iso-8859-1 is read as windows-1252, as browsers do
    assert latin.text == "PCI 2022 \u2013 65.22 points, café culture aside." and latin.lang == "en"


def test_html_charset_problems(tmp_path):
    utf16 = tmp_path / "a.html"
    utf16.write_bytes(f"<html><body><p>{VI}</p></body></html>".encode("utf-16-le"))
    assert (
        error_of(utf16) == "binary file, not text (perhaps UTF-16 without a BOM): pass --encoding utf-16-le"
    )
    assert read_document(utf16, encoding="utf-16-le").text == VI
    latin = tmp_path / "b.html"
    latin.write_bytes("<html><body><p>café</p></body></html>".encode("latin-1"))
    assert error_of(latin) == (
        "not UTF-8 and declares no charset (byte 0xe9 at offset 18): "
        "save it as UTF-8 or pass --encoding NAME (e.g. cp1258)"
    )
    unknown = tmp_path / "c.html"
    unknown.write_bytes(b'<html><head><meta charset="x-mac-nothing"></head><body>caf\xe9</body></html>')
    assert error_of(unknown) == (
        "not UTF-8 and declares an unknown charset 'x-mac-nothing': "
        "save it as UTF-8 or pass --encoding NAME (e.g. cp1258)"
    )


def test_html_by_content_and_without_article(tmp_path):
    path = tmp_path / "saved page.txt"  # a saved page with a .txt name is still HTML
    path.write_text(
        "<!DOCTYPE html><html><body><div id='wrapper-with-sidebar'><p>PAPI 2022: 43,85 điểm.</p>"
        "<ul class='mainMenu'><li>Trang chủ</li></ul><p>Hạng 13/61.</p></div>"
        "<div class='relatedPosts'>Tin khác</div></body></html>"
    )
    assert read_document(path).text == "PAPI 2022: 43,85 điểm.\n\nHạng 13/61."


def test_html_keeps_the_article_header_and_cells_on_one_line(tmp_path):
    path = tmp_path / "p.htm"
    path.write_text(
        "<html><body><header>Cổng thông tin</header><article><header><h1>PAPI 2022</h1></header>"
        "<table><tr><td>Lạng Sơn<br>(tỉnh)</td><td><p>43,85</p><p>điểm</p></td></tr></table>"
        "<pre>hạng 13/61\nnăm 2022</pre></article></body></html>"
    )
    assert read_document(path).text == "PAPI 2022\n\nLạng Sơn (tỉnh)\t43,85 điểm\n\nhạng 13/61\nnăm 2022"


def test_html_without_text_has_a_note(tmp_path):
    path = tmp_path / "menu.html"
    path.write_text("<html><body><nav>Trang chủ</nav><script>x = 1</script></body></html>")
    assert read_document(path).notes == ("no text: the HTML page holds only markup",)


# ------------------------------------------------------------------------------------------- DOCX


def test_docx_paragraphs_and_table():
    doc = read_document(FILES / "report.docx")
    assert doc.text == (
        f"Báo cáo cải cách hành chính năm 2022\n{VI}\nChỉ số\tĐiểm\nPAPI\t43,85\nPCI\t65,22\n{EN}"
    )
    assert doc.lang == "vi" and "bản nháp" not in doc.text  # deleted revision text left out


def _zip(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, body in files.items():
            z.writestr(name, body)
    return path


def test_docx_and_zip_errors(tmp_path):
    fix = "open it in Word or LibreOffice and save it as .docx"
    assert error_of(FILES / "not_a_zip.docx") == f"not a DOCX (not a zip archive): {fix}"
    ole = tmp_path / "old.docx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert error_of(ole) == (
        "not a DOCX (not a zip archive; it is an old Office file (OLE2: .doc/.xls, or a "
        f"password-protected .docx)): {fix}"
    )
    no_doc = _zip(tmp_path / "empty.docx", {"[Content_Types].xml": "<Types/>"})
    assert error_of(no_doc) == f"not a DOCX (zip archive without word/document.xml): {fix}"
    broken = _zip(tmp_path / "broken.docx", {"word/document.xml": "<w:document><w:body>"})
    assert error_of(broken).startswith("damaged DOCX (word/document.xml is not well-formed XML: ")
    assert error_of(_zip(tmp_path / "data.zip", {"a.txt": "x"})) == (
        "a zip archive, not a DOCX: unzip it and read the reports inside"
    )
    assert error_of(_zip(tmp_path / "t.xlsx", {"xl/workbook.xml": "<x/>"})) == (
        "a zip archive (an XLSX workbook), not text: export the report as .docx, .pdf or .txt"
    )
    truncated = tmp_path / "cut.docx"
    truncated.write_bytes((FILES / "report.docx").read_bytes()[:300])
    assert error_of(truncated).startswith("damaged DOCX (")


# -------------------------------------------------------------------------------------------- PDF

PDF_TEXT = (
    "Báo cáo cải cách hành chính tỉnh Lạng Sơn\n\n"
    "Chỉ số PAPI năm 2022 của tỉnh Lạng Sơn đạt 43,85 điểm, xếp thứ 13/61. Chỉ số hài lòng SIPAS đạt "
    "80,12%, tăng 2,3 điểm so với năm 2021 và cao hơn mức trung bình của cả nước trong giai đoạn 2011-2020."
    "\n\nIn 2022 the PAPI score of Lang Son province was 43.85 points, and the provincial public "
    "administration reform index reached 81.45%.\n\n"
    "Trang 2: Chỉ số PCI năm 2022 đạt 65,22 điểm, xếp thứ 45/63."
)


def test_pdf_text_layer_with_joined_wraps():
    doc = read_document(FILES / "report.pdf")
    assert doc.text == PDF_TEXT and doc.lang == "vi" and doc.notes == ()
    start = doc.text.index(VI)  # the sentence wrapped over two lines comes back whole
    assert (start, doc.text[start : start + len(VI)]) == (43, VI)


def test_pdf_encrypted_with_empty_user_password_opens(tmp_path):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(FILES / "report.pdf"))
    writer.encrypt("", owner_password="chủ", algorithm="RC4-128")
    path = tmp_path / "owner_only.pdf"
    with path.open("wb") as out:
        writer.write(out)
    assert read_document(path).text == PDF_TEXT


def test_pdf_errors(tmp_path):
    assert error_of(FILES / "encrypted.pdf") == (
        "encrypted PDF: decrypt it first, e.g. qpdf --decrypt --password=PASSWORD in.pdf out.pdf"
    )
    assert error_of(FILES / "image_only.pdf") == "no text layer: run OCR first (e.g. ocrmypdf in.pdf out.pdf)"
    damaged = error_of(FILES / "damaged.pdf")  # pypdf's own words in the brackets
    assert damaged.startswith("damaged PDF (")
    assert damaged.endswith("): repair it (e.g. qpdf in.pdf fixed.pdf) or get the file again")
    saved_page = tmp_path / "report.pdf"
    saved_page.write_text("<!DOCTYPE html><html><body>404 Not Found</body></html>")
    assert error_of(saved_page) == (
        "not a PDF (no %PDF- header; it is an HTML page, perhaps an error page saved in its place): "
        "download or export the PDF again"
    )


def test_pdf_paragraph_rules():
    from parlib.extract.read_office import _pdf_paragraphs

    wrapped = (
        "A long first line of the paragraph that wraps over\ninto a second line and ends here.\nShort.\n"
    )
    assert _pdf_paragraphs(wrapped) == (
        "A long first line of the paragraph that wraps over into a second line and ends here.\n\nShort."
    )
    dash = "The master programme of the province covered the period 2011 –\n2020, then a second one.\n"
    assert (
        _pdf_paragraphs(dash)
        == "The master programme of the province covered the period 2011 – 2020, then a second one."
    )
    assert _pdf_paragraphs("PAPI 2022,\n43,85 điểm\n\n") == "PAPI 2022, 43,85 điểm"


# ------------------------------------------------------------------------------ other bad inputs


def test_images_binaries_and_missing_files(tmp_path):
    ocr = "not text: run OCR first (e.g. tesseract)"
    assert error_of(FILES / "scan.png") == f"an image (PNG), {ocr}"
    for name, magic, kind in [
        ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
        ("scan.txt", b"II*\x00\x08\x00\x00\x00", "TIFF"),
        ("x.gif", b"GIF89a\x01\x00", "GIF"),
        ("pic", b"RIFF\x10\x00\x00\x00WEBPVP8 ", "WebP"),
    ]:
        path = tmp_path / name
        path.write_bytes(magic + b"\x00" * 32)
        assert error_of(path) == f"an image ({kind}), {ocr}"
    assert (
        error_of(FILES / "blob.bin") == "binary file, not text: pass a .txt, .md, .html, .docx or .pdf report"
    )
    assert error_of(tmp_path / "missing.txt") == "no such file: check the path"
    assert error_of(tmp_path) == "a folder, not a file: pass the report files inside it"


# ---------------------------------------------------------------------------------------- language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Chỉ số PAPI năm 2022 đạt 43,85 điểm", "vi"),
        ("PAPI 2022: 43,85 điểm, hạng 13/61", "vi"),
        ("Tỉnh Lạng Sơn xếp thứ 13/61 về PAPI, PCI và SIPAS", "vi"),
        (unicodedata.normalize("NFD", "Chỉ số PAPI năm 2022 đạt 43,85 điểm"), "vi"),
        ("PAPI 43.85 points, ranking 13/61", "en"),
        ("Lạng Sơn ranked 13/61 on PAPI", "en"),
        ("Lạng Sơn, Cao Bằng, Hà Giang and Bắc Kạn were in the bottom group of PAPI 2022", "en"),
        ("", "en"),
        ("43,85 13/61", "en"),
    ],
)
def test_detect_lang(text, lang):
    assert detect_lang(text) == lang


# ----------------------------------------------------------------------------------- speed, imports


def test_reading_many_small_files_is_fast(tmp_path):
    paths = []
    for i in range(100):
        path = tmp_path / f"r{i}.txt"
        path.write_text(f"{VI}\n{EN}\n" * 5)
        paths.append(path)
    read_document(paths[0])
    started = time.perf_counter()
    docs = [read_document(p) for p in paths]
    assert time.perf_counter() - started < 0.5
    assert {d.lang for d in docs} == {"vi"}


def test_import_is_light():
    code = (
        "import sys, parlib.extract.read; "
        "print(sorted(m for m in ('selectolax', 'pypdf', 'xml.etree.ElementTree') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
