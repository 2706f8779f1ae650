"""The province report's own prose in both languages: the heading and introduction of each section
(``intro``), what the data are (``about``) and where every figure comes from (``sources``).

The template renders English and Vietnamese from one notebook, so its prose cannot live in
markdown cells: each section's heading and introduction is here, in one message table, and the
notebook shows it with ``rd.intro("<section>", lang)``. ``sources`` links the datasets (the
registry's pinned upstream URLs) and the publishers' pages of the figures shown for the province
and year (the published record's ``source_url``), collected once per year into
the cache by ``parlib.sections.source_links`` (sources.json).
"""

from __future__ import annotations

from parlib import provinces
from parlib.sections import words
from parlib.sections.cache import _file, _year
from parlib.sections.display import Prose
from parlib.sections.province import _pid

SECTIONS = ("report", "glance", "trajectory", "profile", "movers", "map", "drivers", "reported", "about")
"""The sections of the province report that have a heading and an introduction, in order."""

_WORDS = {
    "report": {
        "en": "This report describes one province in one survey year with the indices Vietnam uses to "
        "follow its Public Administration Reform: **PAPI**, the Provincial Governance and Public "
        "Administration Performance Index (a yearly survey of citizens by UNDP and its Vietnamese "
        "partners, reported as a total score and its dimensions), and, for the years they exist, **PCI** "
        "(the Provincial Competitiveness Index, a survey of firms), **SIPAS** (citizens' satisfaction with "
        "public administrative services) and the **PAR INDEX** (the Ministry of Home Affairs' reform "
        "index).\n\nEvery number and sentence below is computed from the published data by `parlib`; "
        "nothing is written by hand for any province. A year is the survey year: PAPI 2022 is the survey "
        "of 2022, published in 2023. Where an index has no data, the report says so in one line.",
        "vi": "Báo cáo này mô tả một tỉnh trong một năm khảo sát bằng các chỉ số Việt Nam dùng để theo dõi "
        "cải cách hành chính: **Chỉ số PAPI** (Chỉ số Hiệu quả Quản trị và Hành chính công cấp tỉnh, khảo "
        "sát người dân hằng năm do UNDP và các đối tác Việt Nam thực hiện, gồm điểm tổng hợp và các nội "
        "dung thành phần) và, trong những năm có số liệu, **Chỉ số PCI** (Chỉ số Năng lực cạnh tranh cấp "
        "tỉnh, khảo sát doanh nghiệp), **Chỉ số SIPAS** (Chỉ số hài lòng của người dân về sự phục vụ của "
        "cơ quan hành chính nhà nước) và **Chỉ số cải cách hành chính PAR INDEX** của Bộ Nội vụ.\n\n"
        "Mọi con số và câu chữ dưới đây do `parlib` tính từ số liệu đã công bố; không có nội dung nào "
        "được viết tay cho riêng một tỉnh. Năm là năm khảo sát: PAPI 2022 là khảo sát năm 2022, công bố "
        "năm 2023. Khi một chỉ số không có số liệu, báo cáo nêu rõ trong một dòng.",
    },
    "glance": {
        "en": "### At a glance\n\nThe headline figures: each index's score, the province's rank among the "
        "provinces scored that year, its PAPI tier (the year's quartile band: best, high-average, "
        "low-average or poor) and the change since the previous year. A change that spans a revision of "
        "an index's method is marked as such rather than read as a trend.",
        "vi": "### Tổng quan\n\nCác số liệu chính: điểm của từng chỉ số, thứ hạng của tỉnh trong số các "
        "tỉnh được chấm điểm năm đó, nhóm PAPI (theo tứ phân vị của năm: nhóm điểm cao nhất, trung bình "
        "cao, trung bình thấp hoặc thấp nhất) và thay đổi so với năm trước. Thay đổi qua một lần điều "
        "chỉnh phương pháp được ghi rõ, không được đọc như một xu hướng.",
    },
    "trajectory": {
        "en": "### PAPI over the years\n\nThe province's place among the provinces scored each survey year, "
        "beside the other provinces of its region. PAPI has revised its questionnaire and its scale "
        "several times (the total runs from 6 to 60 up to 2017 and from 8 to 80 since 2018), so scores "
        "are compared within a period, not across a change of method.",
        "vi": "### Chỉ số PAPI qua các năm\n\nVị trí của tỉnh trong số các tỉnh được chấm điểm mỗi năm khảo "
        "sát, bên cạnh các tỉnh khác trong vùng. PAPI đã nhiều lần điều chỉnh bảng hỏi và thang điểm "
        "(tổng điểm theo thang 6-60 đến năm 2017 và 8-80 từ năm 2018), nên chỉ so sánh điểm trong cùng "
        "một giai đoạn, không so sánh qua các lần đổi phương pháp.",
    },
    "profile": {
        "en": "### The dimensions of PAPI\n\nThe PAPI total is the sum of its dimensions, each scored from 1 "
        "to 10 (eight dimensions since 2018, six before). Each dimension shows the province's score, the "
        "national median and the range from the lowest- to the highest-scoring province.",
        "vi": "### Các nội dung thành phần của PAPI\n\nTổng điểm PAPI là tổng điểm các nội dung thành phần, "
        "mỗi nội dung chấm từ 1 đến 10 (tám nội dung từ năm 2018, sáu nội dung trước đó). Mỗi nội dung "
        "thể hiện điểm của tỉnh, trung vị toàn quốc và khoảng từ tỉnh điểm thấp nhất đến tỉnh điểm cao "
        "nhất.",
    },
    "movers": {
        "en": "### What moved most since the year before\n\nThe change in the total and in each dimension "
        "since the previous survey, largest rise first, with the province's rank in both years (among the "
        "provinces scored each year). PAPI is a sample survey: changes of a few tenths of a point can come "
        "from sampling alone.",
        "vi": "### Những thay đổi lớn nhất so với năm trước\n\nThay đổi của tổng điểm và từng nội dung "
        "so với "
        "khảo sát trước, tăng nhiều nhất xếp trước, kèm thứ hạng của tỉnh ở cả hai năm (trong số các tỉnh "
        "được chấm điểm mỗi năm). PAPI là khảo sát chọn mẫu: thay đổi vài phần mười điểm có thể chỉ do "
        "sai số chọn mẫu.",
    },
    "map": {
        "en": "### The province on the map\n\nEvery province shaded by its PAPI total for the year, this "
        "province outlined in red; provinces without a score are grey. The boundaries are those of the 63 "
        "provinces in force until June 2025, the units PAPI reported on.",
        "vi": "### Tỉnh trên bản đồ\n\nMỗi tỉnh được tô màu theo tổng điểm PAPI của năm, tỉnh này viền đỏ; "
        "tỉnh không có điểm tô xám. Ranh giới là của 63 tỉnh, thành phố trước tháng 6/2025, các đơn vị "
        "PAPI khảo sát.",
    },
    "drivers": {
        "en": "### Does e-government access go with better governance? National estimates\n\nAcross all "
        "provinces and the recent PAPI years, `parlib` estimates whether a province where more citizens "
        "used e-government portals in one year scored higher the next year on three dimensions: public "
        "administrative procedures, public service delivery and control of corruption. Each province is "
        "compared with its own average and with the national change of each year (two-way fixed effects), "
        "and each result is checked with three methods of inference. The estimates are the same in every "
        "province's report; the scatter marks this province's own years.",
        "vi": "### Tiếp cận chính quyền điện tử có đi cùng quản trị tốt hơn? Ước lượng toàn quốc\n\nTrên tất "
        "cả các tỉnh và các năm PAPI gần đây, `parlib` ước lượng xem tỉnh có nhiều người dân sử dụng cổng "
        "dịch vụ công trực tuyến hơn trong một năm có đạt điểm cao hơn vào năm sau ở ba nội dung hay không: "
        "thủ tục hành chính công, cung ứng dịch vụ công và kiểm soát tham nhũng. Mỗi tỉnh được so với mức "
        "trung bình của chính nó và với thay đổi chung của cả nước mỗi năm (mô hình tác động cố định hai "
        "chiều), và mỗi kết quả được kiểm tra bằng ba phương pháp suy luận. Các ước lượng giống nhau trong "
        "báo cáo của mọi tỉnh; biểu đồ phân tán đánh dấu các năm của tỉnh này.",
    },
    "reported": {
        "en": "### Reported figures\n\nFigures from the researcher's own tables, when the report was given "
        "some (`parlib report --tables`): SIPAS and PAR INDEX scores, combined with the published record (a "
        "rank is computed only when the year then has every province; otherwise the rank published or "
        "given is kept), and driver figures such as staffing or online services, by year or for a period. "
        "Each figure names its source.",
        "vi": "### Số liệu do nhà nghiên cứu cung cấp\n\nSố liệu từ các bảng của nhà nghiên cứu, khi báo cáo "
        "được cung cấp (`parlib report --tables`): điểm SIPAS và PAR INDEX, kết hợp với số liệu đã công bố "
        "(chỉ tính thứ hạng khi năm đó có đủ các tỉnh; nếu không, giữ thứ hạng đã công bố hoặc được cung "
        "cấp), và các số liệu về động lực cải cách như tinh giản biên chế hay dịch vụ công trực tuyến, "
        "theo năm hoặc theo giai đoạn. Mỗi số liệu ghi rõ nguồn.",
    },
    "about": {
        "en": "### About the data\n\n- **PAPI** scores are recomputed by `parlib` from the published scores "
        "of the sub-dimensions (dimension = sum of its sub-dimensions, total = sum of the dimensions) and "
        "match the published figures; ranks are among the provinces scored that year, with ties sharing a "
        "rank.\n- **PCI**, **SIPAS** and the **PAR INDEX** come from their publishers' tables and cover "
        "only some years; a missing score means the index was not published for that province and year, "
        "never zero. PCI after 2016 and most SIPAS and PAR INDEX years are known only for the provinces "
        "whose figures were published: their ranks are the published ranks of 63, and no national average "
        "is computed from them.\n- The province of the 34 units in force from 1 July 2025 is given for "
        "orientation; every score in this report refers to the 63 provinces in force before.",
        "vi": "### Về số liệu\n\n- Điểm **PAPI** do `parlib` tính lại từ điểm các nội dung thành phần cấp "
        "hai đã công bố (nội dung = tổng các nội dung thành phần, tổng điểm = tổng các nội dung) và khớp "
        "với số liệu công bố; thứ hạng là trong số các tỉnh được chấm điểm năm đó, các tỉnh bằng điểm có "
        "cùng thứ hạng.\n- **PCI**, **SIPAS** và **PAR INDEX** lấy từ bảng của cơ quan công bố và chỉ có ở "
        "một số năm; thiếu điểm nghĩa là chỉ số không được công bố cho tỉnh và năm đó, không bao giờ là "
        "0. PCI sau năm 2016 và phần lớn các năm SIPAS, PAR INDEX chỉ có cho các tỉnh có số liệu được công "
        "bố: thứ hạng là thứ hạng công bố trên 63 tỉnh, và không tính trung bình toàn quốc từ các số liệu "
        "này.\n- Tỉnh mới (trong 34 đơn vị từ ngày 1/7/2025) chỉ để tham khảo; mọi điểm số trong báo cáo "
        "này là của 63 tỉnh, thành phố trước đó.",
    },
    "sources_head": {"en": "### Sources", "vi": "### Nguồn số liệu"},
    "datasets": {
        "en": "Datasets (pinned to the version parlib verifies by sha256):",
        "vi": "Bộ dữ liệu (đúng phiên bản `parlib` kiểm tra bằng sha256):",
    },
    "pages": {
        "en": "Published figures for {name} in {year}:",
        "vi": "Số liệu công bố của {name} năm {year}:",
    },
    "no_pages": {
        "en": "No published figure of {name} for {year} beyond the datasets above.",
        "vi": "Ngoài các bộ dữ liệu trên, không có số liệu công bố riêng của {name} cho năm {year}.",
    },
    "files": {"en": "{n} files", "vi": "{n} tệp"},
}


def intro(section: str, lang: str = "en") -> Prose:
    """The heading and introduction of a report section (``SECTIONS``) in ``lang``."""
    if section not in SECTIONS:
        raise ValueError(f"unknown report section {section!r}: one of {', '.join(SECTIONS)}")
    return Prose(words.say(_WORDS, section, lang))


def sources(province: object, year: int, lang: str = "en", geo: str = "63") -> Prose:
    """The report's sources as links: the upstream datasets, then this province's published pages.

    ``geo`` "34": ``province`` is one of the 34 provinces from 1 July 2025 (the 34-unit report).
    """
    words.check_lang(lang)
    year = _year(year)
    data = _file(year, "sources.json")
    if geo == "34":
        pid = provinces.normalize(province, "34")
        name, pages = provinces.PROVINCES_34.loc[pid, "name_vi"], data["pages34"].get(pid, [])
    else:
        pid = _pid(province)
        name, pages = _file(year, "provinces.json")[pid]["name_vi"], data["pages"].get(pid, [])
    lines = [words.say(_WORDS, "sources_head", lang), "", words.say(_WORDS, "datasets", lang), ""]
    for d in data["datasets"]:
        files = words.say(_WORDS, "files", lang, n=d["files"])
        licence = str(d["licence"])
        if lang == "vi":
            licence = licence.replace("none stated", "không ghi giấy phép").replace("content", "nội dung")
        licence = f", {licence}" if licence else ""
        lines.append(f"- [{d['source']}]({d['url']}) ({files}{licence})")
    lines.append("")
    if pages:
        lines += [words.say(_WORDS, "pages", lang, name=name, year=year), ""]
        lines += [f"- {words.index_name(p['index'], lang)}: <{p['url']}>" for p in pages]
    else:
        lines.append(words.say(_WORDS, "no_pages", lang, name=name, year=year))
    return Prose("\n".join(lines))
