"""Driver facts: online services, dossiers on time, one-stop coverage, procedures, units and
staff cut, staff in post, read clause by clause with the cue and the figure together.

Each rule of ``RULES`` is one regular expression holding a cue and a number (group ``num``) for
one indicator of ``parlib.extract.vocab.DRIVERS``; staffing cuts are read by ``staff_cuts``,
because one sentence usually gives a percent and a number of persons for each kind of body
("13.13% (decreasing 315 people) in administrative agencies and 7.72% (decreasing 1,876 people)
in non-business units").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parlib.extract.cues import NUM, F

PCT = r"\s*(?:%|percent\b|per cent\b|phần trăm)"


def _gap(n: int) -> str:
    """Up to ``n`` characters within one clause: no sentence end, no other percentage, no second
    statement ("... on time in 2015 and that the province intends to put 100 percent")."""
    return r"(?:(?!\bthat\b|\bwhile\b|\bbut\b|nhưng|trong khi|, and\b|, và\b)[^.;%]){0," + str(n) + "}?"


ONLINE = (
    r"(?:online public services?|online services?|public services? online|public online services?|"
    r"DVCTT|dịch vụ công trực tuyến|dịch vụ công|dịch vụ|thủ tục(?: hành chính)?)"
)
FULL = r"(?:full[\s-]*process|end[\s-]to[\s-]end|fully online|whole[\s-]process|toàn trình)"
ON_TIME = (
    r"(?:on[\s-]time|ahead of (?:schedule|time)|before (?:the )?deadline|timely|early|đúng hạn|trước hạn|"
    r"đúng thời hạn)"
)
ONE_STOP = r"(?:one[\s-]stop|one[\s-]door|một cửa|\bOSS\b)"
DOSSIERS = r"(?:dossiers?|applications?|files|records|requests|hồ sơ)"


def _r(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern.replace("NUM", f"(?P<num>{NUM})"), F)


@dataclass(frozen=True)
class Rule:
    """One indicator's cue and figure: ``pattern`` has a group ``num``; ``unit`` is how it is read."""

    indicator: str
    pattern: re.Pattern[str]
    percent: bool


RULES: list[Rule] = [
    Rule("online_services_full_process_count", _r(r"\bNUM\s+" + FULL + r"\s+" + ONLINE), False),
    Rule(
        "online_services_full_process_count",
        _r(r"\bNUM\s+(?:public |online )?services\s+(?:were|are|have been)\s+(?:offered|provided)\s+" + FULL),
        False,
    ),
    Rule(
        "online_services_level4_share",
        _r(
            r"\bNUM"
            + PCT
            + r"\s+(?:thủ tục|(?:administrative )?procedures|dịch vụ)"
            + _gap(60)
            + r"(?:mức(?: độ)? (?:3,? (?:và )?)?4|levels? (?:3 and )?4)"
        ),
        True,
    ),
    Rule(
        "procedures_count",
        _r(
            r"(?:\bcó|\bhas|\bhave|\bhad)\s+NUM\s+(?:thủ tục hành chính|administrative procedures)\b"
            r"(?!\s+(?:được|mức|đủ|có|were|are|đã|thực hiện))"
        ),
        False,
    ),
    Rule(
        "online_services_full_process_count",
        _r(r"\bNUM\s+(?:thủ tục(?: hành chính)?|(?:administrative )?procedures|services)" + _gap(60) + FULL),
        False,
    ),
    Rule(
        "online_dossiers_share",
        _r(
            r"(?:online|trực tuyến)\s+(?:dossiers|applications|files|records|submissions)"
            + _gap(40)
            + r"\bNUM"
            + PCT
        ),
        True,
    ),
    Rule(
        "online_services_level3_count", _r(r"\bNUM\s+level[\s-]*3\b(?=[^.;]{0,40}(?:online|services))"), False
    ),
    Rule(
        "online_services_level4_count", _r(r"\bNUM\s+level[\s-]*4\b(?=[^.;]{0,40}(?:online|services))"), False
    ),
    Rule(
        "online_services_level4_share",
        _r(r"(?:level[\s-]*4|mức(?: độ)? 4)\s*\((?:chiếm|accounting for|or)\s*NUM" + PCT),
        True,
    ),
    Rule("online_services_full_process_share", _r(FULL + _gap(70) + r"\bNUM" + PCT), True),
    Rule("online_services_full_process_share", _r(r"\bNUM" + PCT + _gap(70) + FULL), True),
    Rule(
        "online_services_full_process_count",
        _r(
            r"\bNUM\s+(?:" + ONLINE + r"|thủ tục(?: hành chính)?|"
            r"administrative procedures)\s+(?:(?:are |were )?(?:provided|offered|performed)\s+)?" + FULL
        ),
        False,
    ),
    Rule(
        "online_services_level4_share",
        _r(r"(?:level[\s-]*4|mức(?: độ)? 4)" + _gap(60) + r"\bNUM" + PCT),
        True,
    ),
    Rule(
        "online_services_level4_share",
        _r(
            r"\bNUM" + PCT + r"\s+of\s+(?:the\s+|all\s+)?(?:administrative\s+)?"
            r"(?:procedures|services)" + _gap(60) + r"level[\s-]*(?:3 and |3, |3-)?4"
        ),
        True,
    ),
    Rule(
        "online_services_level3_count",
        _r(
            r"\bNUM\s+" + ONLINE + r"\s+(?:(?:at|of|ở)\s+)?(?:level|mức(?: độ)?)"
            r"\s*3(?![\d,]|\s*(?:and|và|,|-)\s*4)"
        ),
        False,
    ),
    Rule(
        "online_services_level4_count",
        _r(
            r"\bNUM\s+" + ONLINE + r"\s+(?:(?:at|of|ở)\s+)?(?:level|mức(?: độ)?)"
            r"\s*4"
        ),
        False,
    ),
    Rule(
        "online_services_level3_count",
        _r(
            r"(?:level|mức(?: độ)?)\s*3\s*(?::|,)?\s*(?:is|was|reached|đạt|có|là)?"
            r"\s*NUM\s+(?:services|dịch vụ|thủ tục|DVC)"
        ),
        False,
    ),
    Rule(
        "online_services_level4_count",
        _r(
            r"(?:level|mức(?: độ)?)\s*4\s*(?::|,)?\s*(?:is|was|reached|đạt|có|là)?"
            r"\s*NUM\s+(?:services|dịch vụ|thủ tục|DVC)"
        ),
        False,
    ),
    Rule(
        "online_dossiers_share",
        _r(
            r"\bNUM" + PCT + r"\s+of\s+(?:the\s+|all\s+)?(?:\w+\s+){0,2}?"
            r"(?:dossiers|applications|files|records|requests|procedures|documents)"
            + _gap(50)
            + r"(?:online|electronically|via the (?:national )?(?:online )?(?:public service )?portal)"
        ),
        True,
    ),
    Rule(
        "online_dossiers_share",
        _r(
            DOSSIERS
            + r"(?![^.;%]{0,40}(?:thanh toán|payment|paid))"
            + _gap(60)
            + r"(?:online|trực tuyến|qua mạng)"
            + _gap(40)
            + r"\bNUM"
            + PCT
        ),
        True,
    ),
    Rule(
        "online_dossiers_share",
        _r(r"\bNUM" + PCT + r"\s+hồ sơ" + _gap(50) + r"(?:trực tuyến|qua mạng)"),
        True,
    ),
    Rule(
        "online_dossiers_share",
        _r(
            r"\bNUM" + PCT + r"\s+(?:were|was|are|is|được)\s+(?:submitted|filed|received|processed|made|nộp|"
            r"tiếp nhận)\s+(?:online|trực tuyến)"
        ),
        True,
    ),
    Rule(
        "staff_count",
        _r(
            r"(?:tổng số|total (?:number of )?)\s*(?:cán bộ|cadres|staff|civil servants)[^.;]{0,70}?"
            r"(?:là|có|hiện có|is|was|stood at|stands at)\s+(?:khoảng\s+|about\s+|around\s+|nearly\s+)?NUM\s*"
            r"(?:người|people|persons)"
        ),
        False,
    ),
    Rule("on_time_share", _r(ON_TIME + _gap(90) + r"\bNUM" + PCT), True),
    Rule("on_time_share", _r(r"\bNUM" + PCT + _gap(80) + ON_TIME), True),
    Rule("one_stop_coverage_share", _r(r"\bNUM" + PCT + r"\)?" + _gap(130) + ONE_STOP), True),
    Rule("one_stop_coverage_share", _r(ONE_STOP + _gap(60) + r"\bNUM" + PCT), True),
    Rule(
        "procedures_count",
        _r(
            r"(?:number|total) of administrative procedures[^.;]{0,80}?\b(?:is|was|are|were|"
            r"reached|stands? at|totals?|at)\s+NUM(?!" + PCT + r")"
        ),
        False,
    ),
    Rule(
        "procedures_count",
        _r(
            r"\bNUM\s+administrative procedures\s+(?:under|within|in|of) (?:the |its |their )?"
            r"(?:authority|jurisdiction|competence|settlement)"
        ),
        False,
    ),
    Rule("procedures_count", _r(r"\bNUM\s+thủ tục hành chính\s+thuộc (?:thẩm quyền|phạm vi)"), False),
    Rule(
        "procedures_count",
        _r(
            r"\bNUM\s+administrative procedures\s+(?:were|are)\s+(?:under|within) (?:the |its |their )?"
            r"(?:province'?s |provincial )?(?:authority|jurisdiction|competence)"
        ),
        False,
    ),
    Rule(
        "procedures_count",
        _r(
            r"(?:tổng số|bộ) thủ tục hành chính[^.;]{0,60}?(?:là|gồm|có|đạt)\s+NUM"
            r"(?!" + PCT + r")"
        ),
        False,
    ),
    Rule(
        "units_cut_count",
        _r(
            r"(?:reduc\w*|cut\w*|decreas\w*|eliminat\w*|abolish\w*|giảm|cắt giảm|"
            r"sắp xếp giảm|giải thể)\s+(?:by\s+)?NUM\s+(?:[\w-]+\s+){0,2}?"
            r"(?:units|agencies|divisions|organi[sz]ations|"
            r"focal points|bodies|đơn vị|cơ quan|phòng|đầu mối|tổ chức)"
        ),
        False,
    ),
    Rule(
        "staff_count",
        _r(
            r"(?:\bhas|\bhave|\bhad|there (?:are|were)|total of|\bhiện có|\bcó|tổng số)\s+NUM\s+"
            r"(?:cadres|officials|civil servants|public employees|staff|employees|cán bộ|công chức|viên chức|"
            r"biên chế)(?![^.;]{0,70}(?:in need|who |retire|quit|nghỉ|cần|nhu cầu|to be))"
        ),
        False,
    ),
]

STAFF_CUE = re.compile(
    r"(?:downsiz\w*|streamlin\w*|reduc\w*|cut\w*|decreas\w*|tinh giản|cắt giảm|giảm)\s+(?:the\s+|of\s+)?"
    r"(?:[\w%.,-]+\s+){0,7}?(?:staff\w*|payroll\w*|personnel|workforce|employees|biên chế|civil servants?|"
    r"positions|posts)|"
    r"(?:staff\w*|payroll|biên chế|người làm việc)\s+(?:[\w-]+\s+){0,6}?(?:downsiz\w*|streamlin\w*|reduc\w*|"
    r"cut\w*|tinh giản|cắt giảm|giảm|decreased|fell)",
    F,
)
STAFF_PCT = re.compile(rf"(?P<num>{NUM}){PCT}", F)
STAFF_PERSONS = re.compile(
    rf"(?P<num>{NUM})\s*(?:people|persons|staff|(?:public )?employees|officials|"
    r"civil servants?(?: positions)?|cadres|positions|người|biên chế)",
    F,
)
ADMIN = re.compile(
    r"(?:state )?administrative (?:agencies|bodies|organi[sz]ations|offices)|cơ quan hành chính|"
    r"khối hành chính|\bcông chức\b",
    F,
)
PUBLIC_UNITS = re.compile(
    r"(?:public |state )?(?:non-business|service|non-productive|public service|non-commercial) units|"
    r"đơn vị sự nghiệp|khối sự nghiệp|\bviên chức\b",
    F,
)


def staff_cuts(sentence: str) -> list[tuple[str, int, int]]:
    """Staffing cuts in ``sentence``: (indicator, start, end of the number) per figure.

    A percent gives ``staff_cut_pct_*``, a number of persons ``staff_cut_persons_*``; the body
    (``admin_agencies`` or ``public_units``) is the one named after the figure (before the next
    percent, for a percent: its persons come in brackets before the body is named), else the
    one named between the cue and the figure, else ``total``.
    """
    cue = STAFF_CUE.search(sentence)
    if not cue:
        return []
    tail = cue.start()
    figures = [("pct", m) for m in STAFF_PCT.finditer(sentence, tail)]
    figures += [("persons", m) for m in STAFF_PERSONS.finditer(sentence, tail)]
    figures.sort(key=lambda f: f[1].start())
    out = []
    for i, (what, m) in enumerate(figures):
        if re.search(r"(?:19|20)\d\d\s*\(\s*$", sentence[: m.start()]):
            continue  # "giảm 158 biên chế so với năm 2021 (3.156 biên chế)": the base, not a cut
        nxt = figures[i + 1][1].start() if i + 1 < len(figures) else len(sentence)
        nxt_pct = next((f[1].start() for f in figures[i + 1 :] if f[0] == "pct"), len(sentence))
        after = sentence[m.end() : min(nxt_pct if what == "pct" else nxt, m.end() + 80)]
        before = sentence[cue.start() : m.start()]
        if what == "pct" and re.search(
            r"(?:\bor|i\.e\.|equal to|equivalent to|tức|tương đương|tương ứng|bằng|\()\s*$", before
        ):
            # "112 civil servants in administrative agencies, or 10.2 percent": the body came first
            after = ""
            before = sentence[figures[i - 1][1].end() if i else cue.start() : m.start()]
        body = "total"
        for text, last in ((after, False), (before, True)):
            found = [
                (b.start(), name)
                for name, rx in (("admin_agencies", ADMIN), ("public_units", PUBLIC_UNITS))
                for b in rx.finditer(text)
            ]
            if found:
                body = (max(found) if last else min(found))[1]
                break
        out.append((f"staff_cut_{what}_{body}", m.start("num"), m.end("num")))
    return out
