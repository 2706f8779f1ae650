"""The words that mark an index, a component, a driver, a rank, a change or a qualifier, in
English and Vietnamese (regular expressions on the text as printed, case-insensitive).

Kept apart from the logic (``parlib.extract.facts``) so that a reader can see, and extend, what
parlib recognises: add a spelling here, add a labelled example to bench/extract_gold, and run
``python bench/extract.py`` to see what it gains and costs.
"""

from __future__ import annotations

import re

from parlib.extract.numbers import NUMBER

F = re.IGNORECASE | re.UNICODE
NUM = rf"(?<![\d.,/])(?:{NUMBER})(?![\d]|[.,]\d)"

INDEX_CUES: dict[str, str] = {
    "PAPI": r"\bPAPI\b|governance and public administration performance index|public administration "
    r"performance index|hiệu quả quản trị và hành chính công",
    "PCI": r"\bPCI\b|provincial competitiveness index|competitiveness index|năng lực cạnh tranh cấp tỉnh",
    "SIPAS": r"\bSIPAS\b|satisfaction index|index of (?:people'?s? )?satisfaction|chỉ số hài lòng|"
    r"sự hài lòng của người dân, tổ chức đối với sự phục vụ",
    "PAR_INDEX": r"\bPAR[\s\-]?INDEX\b|\bPAR Index\b|(?:public )?administrative reform index|"
    r"administration reform index|(?:administration|administrative) improvement index|"
    r"chỉ số cải cách hành chính|chỉ số CCHC|\bchỉ số PAR\b",
    "DTI": r"\bDTI\b|digital transformation index|chỉ số chuyển đổi số",
}
INDEX_RE = {name: re.compile(cue, F) for name, cue in INDEX_CUES.items()}

COMPONENT_CUES: dict[str, dict[str, str]] = {
    "PAPI": {
        "participation": r"participation (?:of citizens )?at (?:the )?local level|citizens'? participation|"
        r"sự tham gia của người dân|tham gia của người dân ở cấp cơ sở",
        "transparency": r"\btransparency\b|công khai,? minh bạch",
        "vertical_accountability": r"vertical accountability|trách nhiệm giải trình",
        "control_of_corruption": r"control of corruption|kiểm soát tham nhũng",
        "admin_procedures": r"public administrative procedures|(?:management of )?administrative procedures|"
        r"thủ tục hành chính công",
        "public_services": r"public service delivery|public service provision|cung ứng dịch vụ công",
        "environmental_governance": r"environmental governance|quản trị môi trường",
        "e_governance": r"e-governance|e-government|quản trị điện tử",
    },
    "PCI": {
        "entry_costs": r"entry costs?|market entry|gia nhập thị trường",
        "land_access": r"land access|access to land|tiếp cận đất đai",
        "transparency": r"\btransparency\b|tính minh bạch",
        "time_costs": r"time costs?|chi phí thời gian",
        "informal_charges": r"informal charges?|chi phí không chính thức",
        "policy_bias": r"policy bias|equal competition|cạnh tranh bình đẳng",
        "proactivity": r"proactivity|tính năng động",
        "business_support": r"business support|dịch vụ hỗ trợ doanh nghiệp",
        "labor_training": r"labou?r training|đào tạo lao động",
        "legal_institutions": r"legal institutions|thiết chế pháp lý",
    },
    "DTI": {
        "digital_government": r"digital government|chính quyền số",
        "digital_economy": r"digital economy|kinh tế số",
        "digital_society": r"digital society|xã hội số",
    },
    "PAR_INDEX": {
        "field_digital_government": r"e-government|digital government|chính phủ điện tử|chính phủ số|"
        r"chính quyền điện tử|chính quyền số",
        "field_impact": r"impact of (?:the )?PAR|impact of (?:the )?(?:public )?administrative reform|"
        r"tác động của cải cách hành chính",
        "field_admin_procedures": r"administrative procedure reform|reform of administrative procedures|"
        r"cải cách thủ tục hành chính",
        "field_direction": r"direction and (?:administration|management|operation)|"
        r"công tác chỉ đạo,? điều hành",
        "field_institutions": r"institutional reform|cải cách thể chế",
        "field_apparatus": r"organizational (?:structure|apparatus)|tổ chức bộ máy",
        "field_civil_service": r"civil service reform|cải cách chế độ công vụ|đội ngũ cán bộ",
        "field_public_finance": r"public finance|tài chính công",
    },
}
COMPONENT_RE = {
    index: {c: re.compile(cue, F) for c, cue in cues.items()} for index, cues in COMPONENT_CUES.items()
}

SCORE_UNIT = r"(?:\s*(?P<unit>%|percent|per cent|points?|điểm))"
SCORE_STRONG = re.compile(
    r"(?:reach(?:ed|ing|es)?|scor(?:ed|ing|es)|attain(?:ed|ing|s)?|achiev(?:ed|ing|es)|got|gained|earn(?:ed|s)?|obtain(?:ed|s)?|"
    r"stood at|stands at|recorded|(?:total |overall )?score of|đạt(?: được)?|với|được|ghi nhận|giành)\s+"
    r"(?:a\s+|the\s+)?(?:total\s+|overall\s+)?(?:score\s+of\s+|rate\s+of\s+)?"
    rf"(?P<num>{NUM}){SCORE_UNIT}?",
    F,
)
SCORE_SHARE = re.compile(
    r"(?:\bwas|\bis|\bat|\bwith|\bof|\blà|đạt|reached|scored)\s+(?:a\s+\w+\s+of\s+)?"
    r"(?P<num>0[.,]\d{3,4})(?![\d%])",
    F,
)
"""A share of one (DTI: 0.8241) needs no unit: four decimals below 1 are not a percentage."""
LED = re.compile(r"\b(?:led|leads|leading|topped|tops|topping|dẫn đầu|đứng đầu)\b(?: in both)?", F)
IN_A_GROUP = re.compile(r"\b(?:nhóm|group|top)\b(?:\s+[\w,]+){0,5}\s*$", F)
"""Before 'dẫn đầu' / 'leading': "nhóm 10 địa phương dẫn đầu" is a group, not rank 1."""
OR_MORE = re.compile(r"\s*(?:%|percent|points?|điểm)?\s*(?:or (?:higher|above|more)|and above|trở lên)", F)
"""After a score: "13 provinces scored 90 percent or higher" is a threshold, not a score."""
RESPECTIVELY = re.compile(r"\blần lượt\b|\brespectively\b", F)
SCALE = re.compile(r"(?:scale|thang điểm|thang)\b[^.;]{0,25}$|\bfrom \d+ to\s*$", F)
FIGURE_YEAR = re.compile(
    r"\s*(?:%|percent|per cent|points?|điểm)?\s*(?:\)\s*)?(?:\([^()]{0,25}\)\s*)?(?:in|năm|of)\s+"
    r"(?P<year>(?:19|20)\d\d)\b",
    F,
)
"""A year written right after a figure ("81.24 percent in 2018", "14th in 2021") is that figure's year."""
SCORE_WEAK = re.compile(
    rf"(?:\bwas|\bis|\bwere|\bare|\bat|\bwith|\bof|\blà|:|\bto|lên|\bfrom|\btừ|ở mức|mức|còn|chỉ)\s+"
    rf"(?P<num>{NUM})"
    r"(?:\s*(?P<unit>%|percent|per cent|points?|điểm))",
    F,
)
SCORE_OF_TEN = re.compile(
    rf"(?:\bwas|\bis|\blà|đạt|reached|scored|\bat)\s+(?P<num>{NUM})\s*(?:points?|điểm)?\s*"
    r"(?:over|out of|on|trên|/)\s*(?:a\s+|thang\s+)?10\b",
    F,
)
DIMENSION = re.compile(r"\bdimensions?\b|chỉ số nội dung|chỉ số thành phần|nội dung thành phần|lĩnh vực", F)
SCORE_PAREN = re.compile(rf"\s*\(\s*(?P<num>{NUM})\s*(?:%|percent|per cent|points?|điểm)?\s*(?:\)|,)", F)
SCORE_BRACKETED = re.compile(rf"\(\s*(?P<num>{NUM})\s*(?:%|percent|per cent|points?|điểm)\s*[,;)]", F)
"""A score in brackets with its unit: "(66,79 điểm, xếp thứ 30)", "(59.85 points, 62nd)"."""
SCORE_HISTORY = re.compile(
    rf"(?P<num>{NUM})\s*(?:%|percent|per cent|points?|điểm)\s*(?:\([^()]{{0,25}}\)\s*)?(?:in|năm)\s+"
    r"(?:19|20)\d\d\b",
    F,
)
SCORE_AND = re.compile(
    rf"(?:%|percent|points?|điểm)\s+(?:và|and)\s+(?P<num>{NUM})\s*(?P<unit>%|percent|points?|điểm)", F
)
"""The second of two scores: "đạt 83,32% và 89,81%" (respectively)."""
SCORE_AFTER_NAME = re.compile(rf"\s+(?P<num>{NUM})\s*(?:%|percent|per cent|points?|điểm)\b", F)
"""A score right after a province's name in a list: "Hanoi 83.83 percent"."""
SCORE_AFTER_RANK = re.compile(
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d{1,2}(?:st|nd|rd|th))\s+"
    rf"(?:place\s+)?(?:with|at)\s+(?P<num>{NUM})(?![\d%])",
    F,
)
"""A score after an ordinal: "Hai Phong tenth with 68.73", "came fourth at 0.777"."""
MERGED_WITH = re.compile(
    r"(?:merged with|sáp nhập(?: với)?|hợp nhất(?: với)?|together with|cùng với)\b[^.;]{0,40}$", F
)
"""Before a province named in an apposition ("HCMC, now merged with Binh Duong and ..."): not the subject."""
SCORE_BARE = re.compile(rf"(?P<num>{NUM})\s*(?P<unit>points?|điểm)\b", F)
"""A score right after a component's name: "public administrative procedures 7.54 points"."""
LED_THE_TABLE = re.compile(
    r"\b(?:led|topped|tops|headed)\s+the\s+(?:ranking|rankings|table|list|index|chart)\b|"
    r"\b(?:dẫn đầu|đứng đầu)\s+bảng xếp hạng\b",
    F,
)
"""Rank 1 without naming the index again ("Quang Ninh led the ranking with 89.6 percent")."""
"""A score with its own year: "up from 81.24 percent in 2018 and 79.76 percent in 2017"."""
REGIONAL = re.compile(
    r"\s+(?:in|of|among|trong|của|ở)\s+(?:the\s+)?(?:[\w-]+\s+){0,3}(?:region|area|highlands|delta|"
    r"khu vực|vùng|miền)\b",
    F,
)
"""After a rank: a regional rank ("first in the Mekong Delta"), not the national one."""
INTERNAL_STRONG = re.compile(
    r"khối (?:cấp )?(?:huyện|xã|sở)|cấp huyện|cấp xã|among (?:the )?(?:districts|departments|communes)|"
    r"(?:district|commune|department)[- ]level|internal (?:assessment|ranking|evaluation)|đánh giá nội bộ|"
    r"province'?s own|nội bộ|khảo sát riêng|own survey|tự đánh giá|\bDDCI\b|"
    r"district[- ]level competitiveness|department and district|cấp sở, ban, ngành",
    F,
)
"""A sentence ranking districts, communes or departments: its figures are internal, whatever their index."""

_OF = r"\s*(?:/|out of|of|over|among|trên|trong số|trong tổng số)\s*"
RANK_RES = [
    re.compile(
        r"(?:rank(?:ed|ing|s)?|placed|placing|position(?:ed)?|xếp(?: hạng)?(?: thứ)?|đứng(?: thứ)?|"
        r"vị trí(?: thứ)?|hạng)\s+(?:(?:no\.?|number|at|the|thứ|in)\s+)*"
        rf"(?P<rank>\d{{1,2}})(?:st|nd|rd|th)?(?:{_OF}(?P<of>\d{{2}}))?(?!\d|[.,]\d|\s*%|\s*điểm|\s*points?)",
        F,
    ),
    re.compile(
        r"(?P<rank>\d{1,2})(?:st|nd|rd|th)\s+(?:place|position|rank)\b"
        rf"(?:\s+(?:nationally|in the country)?)?(?:{_OF}(?P<of>\d{{2}}))?",
        F,
    ),
    re.compile(r"(?<![\d.,/])(?P<rank>\d{1,2})/(?P<of>\d{2})(?![\d/])", F),
    re.compile(
        r"(?:came|ranked|ranking|placed|placing|finished|fell to|rose to|climbed to|dropped to|slipped to|"
        r"moved (?:up|down) to|was|from|in)\s+(?:the\s+)?(?P<rank>\d{1,2})(?:st|nd|rd|th)\b"
        rf"(?:{_OF}(?P<of>\d{{2}}))?",
        F,
    ),
    re.compile(r"(?<=, )(?P<rank>\d{1,2})(?:st|nd|rd|th)(?=\))", F),
    re.compile(r"(?<=\()(?P<rank>\d{1,2})(?:st|nd|rd|th)(?=\))", F),
    re.compile(rf"\b(?:to|at|last,)\s+(?P<rank>\d{{1,2}})(?:st|nd|rd|th)\b(?:{_OF}(?P<of>\d{{2}}))?", F),
    re.compile(rf"\b(?P<rank>\d{{1,2}})(?:st|nd|rd|th)(?:{_OF}(?P<of>\d{{2}}))", F),
]
RANK_FIRST = re.compile(
    r"\b(?:topped|tops|top(?:s|ped)? the (?:country|ranking|list)|stands? first|ranked first|"
    r"first place|led the country|leads the country|leading the country|dẫn đầu(?! khối sở)|"
    r"(?<!người )đứng đầu|topping|came first|top spot|"
    r"xếp thứ nhất|xếp hạng nhất|đứng thứ nhất)"
    r"(?!\s+(?:in|of|among|trong|của)\s+(?:the\s+)?(?:[\w-]+\s+){0,3}"
    r"(?:region|area|highlands|delta|khu vực|vùng))",
    F,
)
ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "nhất": 1,
    "nhì": 2,
    "ba": 3,
    "tư": 4,
    "năm": 5,
    "hai": 2,
    "sáu": 6,
    "bảy": 7,
    "tám": 8,
    "chín": 9,
    "mười": 10,
}
WHEN_CLAUSE = re.compile(
    r"(?P<year>(?:19|20)\d\d)\)?,?\s+(?:when|khi)\b|(?:so với|compared (?:to|with)|than)\s+(?:năm\s+|in\s+)?"
    r"(?P<year2>(?:19|20)\d\d),?\s+(?:when|khi)\b",
    F,
)
"""A clause about an earlier year: "than in 2019, when the province scored 66.56 points"."""
YEAR_RESULT = re.compile(
    r"(?P<year>(?:19|20)\d\d)\s+(?:result|score|figure|ranking|kết quả|điểm số)\s+(?:of|was|là|đạt)\s*$", F
)
"""A figure named by its year: "its 2019 result of 66.75 points", "the 2022 figure of 43.44"."""
_EN_ORD = r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth"
_VI_ORD = r"nhất|nhì|hai|ba|tư|năm|sáu|bảy|tám|chín|mười"
RANK_WORD = re.compile(
    r"(?:\b(?:came(?: in)?|coming(?: in)?|ranked|ranks|ranking|placed|placing|finished|taking|took|securing|"
    rf"secured|occupying|kept|retained|held|maintained|to|from|was|in|at)\s+(?:the\s+)?(?P<w1>{_EN_ORD})\b(?!\s+(?:time|year|quarter|half|consecutive))"
    rf"|\b(?P<w2>{_EN_ORD})\s+(?:place|position|with|out of|of the \d\d|of \d\d)\b"
    rf"|(?<=, )(?P<w3>{_EN_ORD})\s*(?:with\b|\)|(?=,))"
    rf"|(?:xếp|đứng|vị trí|hạng|giữ vững vị trí)\s+thứ\s+(?P<w4>{_VI_ORD})\b(?!\s*/)"
    rf"|\bthứ\s+(?P<w5>{_VI_ORD})\s+(?:là|thuộc về)\b)",
    F,
)
RANK_OF_WORD = re.compile(rf"\s*(?:{_OF})(?:the\s+)?(?P<of>\d{{2}})\b", F)
"""'fourth out of 61': the N after an ordinal word."""
NATIONAL = re.compile(
    r"\baverage\b|trung bình|cả nước(?! \()|\bnational\b(?!ly)|\bnationwide (?:average|figure)|"
    r"của 63 tỉnh|toàn quốc",
    F,
)
RANK_IN_INDEX = re.compile(r"\s*(?:in|ở|về)\s+(?:the\s+)?", F)

UP = r"up|increas\w*|rose|rising|rise|gain(?:ed|ing)?|climb\w*|jump\w*|improv\w*|tăng|thăng"
DOWN = r"down|decreas\w*|fell|falling|fall|drop\w*|lost|los\w*|declin\w*|slipp\w*|giảm|tụt"
CHANGE_VALUE = re.compile(
    rf"(?P<dir>{UP}|{DOWN})\s+(?:of\s+|by\s+)?(?P<num>{NUM})\s*"
    r"(?P<unit>percentage points?|points?|điểm|%|percent|per cent)",
    F,
)
RANK_WORDS = r"ranks?|places?|levels?|grades?|positions?|spots?|notches|steps?|bậc|hạng|vị trí|bước"
CHANGE_RANK = re.compile(
    rf"(?P<dir>{UP}|{DOWN})\s+(?:of\s+|by\s+)?(?P<num>\d{{1,2}})\s*(?:{RANK_WORDS})\b", F
)
CHANGE_AND_RANK = re.compile(
    rf"\s*(?:and\s+)+(?P<num>\d{{1,2}})\s*(?:{RANK_WORDS})\b|\s*và\s+"
    rf"(?P<num2>\d{{1,2}})\s*(?:{RANK_WORDS})",
    F,
)
UP_RE = re.compile(rf"^(?:{UP})$", F)
DRIVER_HISTORY = re.compile(
    rf"(?:{UP}|{DOWN})\s+(?:from|so với|từ)\s+(?:about\s+|khoảng\s+|nearly\s+|gần\s+)?(?P<num>{NUM})\s*"
    r"(?:%|percent|per cent)\s+"
    r"(?:(?:in|năm)\s+(?P<year>(?:19|20)\d\d)\b|(?P<last>last year|năm ngoái|năm trước))",
    F,
)
"""After a driver share: its earlier value with its year ("up from about 38 percent in 2022")."""

COMPARISON_YEAR = re.compile(
    r"(?:compared (?:to|with)|over|than|from|since|versus|vs\.?|so với(?: năm)?|từ(?: năm)?|"
    r"(?:places|points|percent|ranks|bậc|điểm) on|against|previous year \(|last year \()"
    r"\s*(?:the\s+|in\s+|năm\s+)?$",
    F,
)
YEAR_RE = re.compile(r"(?<![\d/.,])(?:19[89]\d|20[0-4]\d)(?![\d]|/\d|[.,]\d)")
PERIOD_RE = re.compile(
    r"(?<![\d/])(?P<a>(?:19|20)\d\d)\s*(?:-|–|—|to|đến|and)\s*(?P<b>(?:19|20)\d\d)(?!\d)", F
)
AS_OF = re.compile(r"(?:as of|by|tính đến|đến ngày|đến hết|up to)\s+[^.;]{0,25}$", F)
NOW = re.compile(
    r"\b(?:so far|to date|up to now|currently|at present|now|hiện nay|hiện tại|đến nay|"
    r"tính đến nay|hiện có)\b|^\s*Hiện\b",
    F,
)
LAST_YEAR = re.compile(
    r"\b(?:last year|the previous year|năm trước|năm ngoái|(?<!\d )(?<!mười )năm qua)\b", F
)
EVERY_YEAR = re.compile(
    r"\b(?:annually|each year|every year|a year|hằng năm|hàng năm|mỗi năm|(?:\d+|ten|mười) năm qua|"
    r"past (?:\d+|ten) years|over the period)\b",
    F,
)
"""A level held over a period ("annually reaches over 98%"): its year is the period's last."""
THIS_YEAR = re.compile(r"\b(?:this year'?s?|năm nay)\b", F)

QUAL_AT_LEAST = re.compile(
    r"(?:over|more than|above|upwards? (?:of )?|at least|exceed\w*|in excess of|trên|hơn|ít nhất|vượt)\s*$", F
)
QUAL_AT_MOST = re.compile(r"(?:under|less than|below|at most|no more than|dưới|không quá|tối đa)\s*$", F)
QUAL_APPROX = re.compile(
    r"(?:about|around|approximately|nearly|almost|roughly|some|khoảng|gần|xấp xỉ)\s*$", F
)
TARGET = re.compile(
    r"\b(?:striv\w*|aim(?:s|ed|ing)? (?:to|for|at)|target\w*|plans? to|planned to|will|goal|set to|"
    r"expect\w* to|endeavou?r\w*|requir\w*|must|should|to be completed|phấn đấu|mục tiêu|chỉ tiêu|đề ra|"
    r"kế hoạch|sẽ|yêu cầu|nâng tỷ lệ|nhằm|intend\w*|aspir\w*|phấn đấu|đặt mục tiêu)\b",
    F,
)

INTERNAL = re.compile(
    r"\b(?:district|commune|ward|town|huyện|xã(?! hội)|phường|thị xã|thị trấn)s?\b|\bdepartment of\b|"
    r"\bthe department\b|(?-i:\bSở [A-ZĐ])\w*|\bstate treasury\b|\bkho bạc\b|\bthe agency\b|\bkhối sở\b|"
    r"(?-i:\bThành phố [A-ZĐ])|(?-i:\bTP\.? ?[A-ZĐ][a-zà-ỹ])|\bcity of [A-Z]|"
    r"\bbank\b|\btrung tâm\b|\bcent(?:re|er)s?\b|\bprovince'?s own\b",
    F,
)
NOT_INTERNAL = re.compile(
    r"\b(?:all (?:\d|three|3) levels|all levels|of provinces, districts|province, district|"
    r"provincial(?: public administration| public service)? cent(?:re|er)|provincial agencies|"
    r"3 cấp|ba cấp|các cấp|trung tâm phục vụ hành chính công (?:tỉnh|của tỉnh)|cấp tỉnh)\b",
    F,
)
REPORTER = re.compile(
    r"(?:according to|based on|a report (?:of|by|from)|reported by|theo báo cáo của|theo|báo cáo của)"
    r"[^,.;]{0,80}|(?:the\s+)?(?:provincial\s+)?(?:Department|Sở)\s+[^,.;]{0,50}?\s+"
    r"(?:said|says|reported|announced|cho biết|báo cáo)\b",
    F,
)
"""Who reported a figure ("according to the Department of Home Affairs"): not the figure's subject."""
