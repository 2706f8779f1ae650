"""Every sentence of the 34-unit report, in English and Vietnamese: one message table.

``UNIT34_WORDS`` is rendered with ``parlib.sections.words.say`` by parlib.sections.unit34 and
parlib.sections.unit34_chart; the tests run ``words.check_table`` on it (both languages, the same
``{fields}``). Names, numbers, ranks, lists, regions and index names are filled in by the
``words`` helpers, so a key holds only the wording. The Vietnamese follows the usage of the
provincial Departments of Home Affairs after the 2025 merger: "tỉnh ... (cũ)", "được hợp nhất từ",
"xếp thứ 13/61"; a synthetic score is "số liệu quy đổi", always with what it is computed from.
"""

from __future__ import annotations

UNIT34_WORDS: dict[str, dict[str, str]] = {
    # how a unit is named in a sentence (English needs no word for the kind of unit)
    "unit_province": {"en": "{name}", "vi": "tỉnh {name}"},
    "unit_city": {"en": "{name}", "vi": "thành phố {name}"},
    "old_province": {"en": "{name}", "vi": "tỉnh {name}"},
    "old_city": {"en": "{name}", "vi": "thành phố {name}"},
    "old_label": {"en": "{name} (former province)", "vi": "{name} (cũ)"},
    # ------------------------------------------------------------------ title
    "title_head": {"en": "## {unit}, {year}", "vi": "## {unit}, năm {year}"},
    "title_merged": {
        "en": "{unit} is one of the 34 provincial units in force from 1 July 2025 ({region} region; code "
        "{code}), formed by merging the former provinces {olds}.",
        "vi": "{unit} là một trong 34 đơn vị hành chính cấp tỉnh từ ngày 1/7/2025 (vùng {region}; mã "
        "{code}), được hợp nhất từ {olds}.",
    },
    "title_same": {
        "en": "{unit} is one of the 34 provincial units in force from 1 July 2025 ({region} region; code "
        "{code}); it was not merged: its territory is that of the former province {old}.",
        "vi": "{unit} là một trong 34 đơn vị hành chính cấp tỉnh từ ngày 1/7/2025 (vùng {region}; mã "
        "{code}), không thực hiện hợp nhất: địa giới giữ nguyên như {old} trước đây.",
    },
    "title_synthetic": {
        "en": "Scores for {unit} before the merger are synthetic: the population-weighted mean of the "
        "official scores of {olds}, computed by parlib, not a score any publisher gave the new unit.",
        "vi": "Điểm số của {unit} trước khi hợp nhất là số liệu quy đổi: bình quân gia quyền theo dân số "
        "của điểm chính thức của {olds}, do parlib tính, không phải điểm do cơ quan công bố chỉ số đưa ra "
        "cho đơn vị mới.",
    },
    "title_synthetic_same": {
        "en": "Scores for {unit} before the merger are labelled synthetic like those of the merged units; "
        "as the unit was not merged, each equals the official score of {old}.",
        "vi": "Điểm số của {unit} trước khi hợp nhất được ghi là số liệu quy đổi như các đơn vị hợp nhất; "
        "vì không hợp nhất, mỗi điểm bằng đúng điểm chính thức của {old}.",
    },
    # ------------------------------------------------------------------ glance
    "glance_head": {
        "en": "### {unit} in {year} at a glance: synthetic scores and the former provinces' official scores",
        "vi": "### Tổng quan {unit} năm {year}: số liệu quy đổi và điểm chính thức của các tỉnh cũ",
    },
    "col_index": {"en": "Index", "vi": "Chỉ số"},
    "col_synthetic": {
        "en": "{unit}: synthetic score (population-weighted mean, not official)",
        "vi": "{unit}: số liệu quy đổi (bình quân gia quyền theo dân số, không phải điểm chính thức)",
    },
    "col_old": {
        "en": "{name}: official score, rank",
        "vi": "{name}: điểm chính thức, thứ hạng",
    },
    "index_unit": {"en": "{index} ({unit})", "vi": "{index} ({unit})"},
    "unit_points": {"en": "points, {scale}", "vi": "điểm, thang {scale}"},
    "unit_scale": {"en": "scale {scale}", "vi": "thang {scale}"},
    "phrase_points": {"en": " points on the {scale} scale", "vi": " điểm trên thang {scale}"},
    "phrase_scale": {"en": " on the {scale} scale", "vi": " trên thang {scale}"},
    "cell_synthetic": {
        "en": "{value} (synthetic rank {rank})",
        "vi": "{value} (xếp thứ {rank} theo số liệu quy đổi)",
    },
    "cell_not_computed": {
        "en": "not computed: no score for {names}",
        "vi": "không tính được: thiếu điểm của {names}",
    },
    "cell_no_score": {"en": "no score", "vi": "không có điểm"},
    "cell_old": {"en": "{value}, {rank}", "vi": "{value}, {rank}"},
    "rank": {"en": "rank {rank}", "vi": "xếp thứ {rank}"},
    "rank_source": {
        "en": "rank {rank} in parlib's source; PAPI ranked {big}",
        "vi": "xếp thứ {rank} trong nguồn của parlib; PAPI xếp hạng {big} tỉnh",
    },
    "rank_only": {
        "en": "rank {rank} as published, no score",
        "vi": "xếp thứ {rank} theo công bố, không có điểm",
    },
    "foot_merged": {
        "en": "Synthetic: population-weighted mean of {olds} (weights: GSO average population {wyear}: "
        "{shares}); not an official score.",
        "vi": "Số liệu quy đổi: bình quân gia quyền theo dân số của {olds} (trọng số: dân số trung bình năm "
        "{wyear} theo Tổng cục Thống kê: {shares}); không phải điểm chính thức.",
    },
    "foot_same": {
        "en": "Synthetic: the unit was not merged, so its synthetic score is the official score of {old}; "
        "not an official score of the new unit.",
        "vi": "Số liệu quy đổi: đơn vị không hợp nhất nên số liệu quy đổi bằng điểm chính thức của {old}; "
        "không phải điểm chính thức của đơn vị mới.",
    },
    "share": {"en": "{name} {pct}%", "vi": "{name} {pct}%"},
    "how_merged": {
        "en": "population-weighted mean of {olds}",
        "vi": "bình quân gia quyền theo dân số của {olds}",
    },
    "how_same": {"en": "equal to the official score of {old}", "vi": "bằng điểm chính thức của {old}"},
    "s_value": {
        "en": "{index} {year}, synthetic ({how}, not an official score): {value}{unit}{rank}.",
        "vi": "{index} năm {year}, số liệu quy đổi ({how}, không phải điểm chính thức): {value}{unit}{rank}.",
    },
    "s_rank": {
        "en": ", synthetic rank {rank} among the units with a synthetic score",
        "vi": ", xếp thứ {rank} trong số các đơn vị có số liệu quy đổi",
    },
    "s_olds": {
        "en": "Official scores of the former provinces: {list}.",
        "vi": "Điểm chính thức của các tỉnh cũ: {list}.",
    },
    "s_old": {"en": "{name} {value} ({rank})", "vi": "{name} {value} ({rank})"},
    "s_not_computed": {
        "en": "{index} {year}, synthetic: not computed, because there is no score for {names} (a mean over "
        "part of the unit would describe another territory).",
        "vi": "{index} năm {year}, số liệu quy đổi: không tính được vì không có điểm của {names} (bình quân "
        "của một phần địa bàn không đại diện cho đơn vị mới).",
    },
    "s_none": {
        "en": "No synthetic score for {year} from {indices}: no figure was published for any of the former "
        "provinces ({olds}).",
        "vi": "Không có số liệu quy đổi năm {year} của {indices}: không tỉnh cũ nào ({olds}) có số liệu công "
        "bố.",
    },
    "s_no_year": {
        "en": "No synthetic score for {year} from {indices}: no figures for {year}.",
        "vi": "Không có số liệu quy đổi năm {year} của {indices}: không có số liệu năm {year}.",
    },
    "published_head": {
        "en": "Published for the 34 units (official figures, not synthetic):",
        "vi": "Số liệu công bố cho 34 đơn vị mới (số liệu chính thức, không phải quy đổi):",
    },
    "s_published": {
        "en": "{index} {year}: {value}{rank}. Source: {url}",
        "vi": "{index} năm {year}: {value}{rank}. Nguồn: {url}",
    },
    "published_rank": {"en": ", rank {rank}", "vi": ", xếp thứ {rank}"},
    "published_no_value": {"en": "no score published", "vi": "không công bố điểm"},
    "published_note": {
        "en": " (note in parlib's record: {note})",
        "vi": " (ghi chú trong dữ liệu của parlib, tiếng Anh: {note})",
    },
    "s_no_published": {
        "en": "Published for the 34 units: parlib's record has no official figure for {unit} yet.",
        "vi": "Số liệu công bố cho 34 đơn vị mới: dữ liệu của parlib chưa có số liệu chính thức nào của "
        "{unit}.",
    },
    # ------------------------------------------------------------------ one-line notes
    "no_data_after": {
        "en": "No scores for {unit} in {year}: the unit exists from 1 July 2025 and parlib has no index "
        "score for {year}.",
        "vi": "Chưa có số liệu của {unit} năm {year}: đơn vị được thành lập từ ngày 1/7/2025 và parlib chưa "
        "có điểm chỉ số nào của năm {year}.",
    },
    "no_data_before": {
        "en": "No scores for {unit} in {year}: no index in parlib covers {year}.",
        "vi": "Không có số liệu của {unit} năm {year}: parlib không có chỉ số nào cho năm {year}.",
    },
    "no_papi": {
        "en": "PAPI has no scores for {year} (the survey covers {coverage}): no synthetic PAPI total for "
        "{unit}.",
        "vi": "Chỉ số PAPI không có số liệu năm {year} (khảo sát có các năm {coverage}): không có tổng điểm "
        "PAPI quy đổi của {unit}.",
    },
    # ------------------------------------------------------------------ trajectory
    "traj_head": {
        "en": "### PAPI over the years: {unit} (synthetic) and its former provinces",
        "vi": "### Chỉ số PAPI qua các năm: {unit} (số liệu quy đổi) và các tỉnh cũ",
    },
    "traj_title": {
        "en": "{unit}: PAPI total, synthetic (population-weighted mean of the former provinces), {span}",
        "vi": "{unit}: tổng điểm PAPI quy đổi (bình quân gia quyền theo dân số của các tỉnh cũ), {span}",
    },
    "legend_synthetic": {"en": "{unit} (synthetic)", "vi": "{unit} (số liệu quy đổi)"},
    "legend_old": {"en": "{name} (former province, official)", "vi": "{name} (tỉnh cũ, điểm chính thức)"},
    "legend_break": {"en": "PAPI method change", "vi": "PAPI thay đổi phương pháp"},
    "legend_year": {"en": "{year} (synthetic)", "vi": "năm {year} (quy đổi)"},
    "xlabel": {"en": "survey year", "vi": "năm khảo sát"},
    "ylabel": {"en": "PAPI total\n(scale {scales})", "vi": "Tổng điểm PAPI\n(thang {scales})"},
    "scale_to": {"en": "{scale} to {year}", "vi": "{scale} đến {year}"},
    "scale_from": {"en": "{scale} from {year}", "vi": "{scale} từ {year}"},
    "chart": {
        "en": "synthetic PAPI total of {unit} and the official totals of its {n} former provinces by year",
        "vi": "tổng điểm PAPI quy đổi của {unit} và tổng điểm chính thức của {n} tỉnh cũ theo năm",
    },
    "traj_cover": {
        "en": "The synthetic total of {unit} ({how}, not an official score) exists for {n} of the {m} PAPI "
        "years ({span}).",
        "vi": "Tổng điểm quy đổi của {unit} ({how}, không phải điểm chính thức) có ở {n} trên {m} năm PAPI "
        "({span}).",
    },
    "traj_gaps": {
        "en": "No synthetic total in {years}: not every former province was scored (no score for {names}).",
        "vi": "Không có tổng điểm quy đổi các năm {years}: không phải tỉnh cũ nào cũng có điểm (thiếu điểm "
        "của {names}).",
    },
    "traj_year": {
        "en": "In {year} the synthetic total was {value}; the former provinces' official totals: {list}.",
        "vi": "Năm {year}, tổng điểm quy đổi là {value}; tổng điểm chính thức của các tỉnh cũ: {list}.",
    },
    "traj_year_missing": {
        "en": "In {year} there is no synthetic total; the former provinces' official totals: {list}.",
        "vi": "Năm {year} không có tổng điểm quy đổi; tổng điểm chính thức của các tỉnh cũ: {list}.",
    },
    "traj_breaks": {
        "en": "PAPI changed its method in {years} (dotted lines): compare levels within a period, not "
        "across a change.",
        "vi": "PAPI thay đổi phương pháp vào các năm {years} (đường chấm): chỉ so sánh trong cùng một giai "
        "đoạn, không so sánh qua các lần thay đổi.",
    },
    "traj_none": {
        "en": "{unit} has no synthetic PAPI total in any year, and its former provinces no score.",
        "vi": "{unit} không có tổng điểm PAPI quy đổi ở năm nào, các tỉnh cũ cũng không có điểm.",
    },
    # ------------------------------------------------------------------ about
    "about": {
        "en": "### About the synthetic scores\n\n- A synthetic score is the mean of the official scores of "
        "the provinces a unit absorbed, each weighted by its GSO average population of the same year (after "
        "the latest GSO year in the data, that year's; before the first, the first year's). PAPI and SIPAS "
        "are survey means, so an unweighted mean would over-weight small provinces.\n- When one absorbed "
        "province has no score, the unit has no synthetic score that year: a mean over the others would "
        "describe a different territory.\n- A synthetic rank compares synthetic scores with each other "
        "only; it is not an official rank, and synthetic scores are never ranked against figures published "
        "for the 34 units.\n- The former provinces' scores and ranks are the official ones, among the 63 "
        "provinces in force until 30 June 2025.",
        "vi": "### Về số liệu quy đổi\n\n- Số liệu quy đổi là bình quân điểm chính thức của các tỉnh được "
        "hợp nhất vào một đơn vị, mỗi tỉnh có trọng số là dân số trung bình cùng năm theo Tổng cục "
        "Thống kê (các năm sau năm gần nhất có số liệu dân số dùng dân số của năm đó; các năm trước năm "
        "đầu tiên dùng dân số năm đầu tiên). PAPI và SIPAS là bình quân kết quả khảo sát, nên bình quân "
        "không trọng số sẽ đánh giá "
        "quá cao các tỉnh nhỏ.\n- Khi một tỉnh cũ không có điểm, đơn vị không có số liệu quy đổi năm đó: "
        "bình quân của các tỉnh còn lại đại diện cho một địa bàn khác.\n- Thứ hạng theo số liệu quy đổi chỉ "
        "so sánh các số liệu quy đổi với nhau; đó không phải thứ hạng chính thức, và số liệu quy đổi không "
        "bao giờ được xếp hạng cùng số liệu công bố cho 34 đơn vị mới.\n- Điểm và thứ hạng của các tỉnh cũ "
        "là số liệu chính thức, trong số 63 tỉnh, thành phố đến ngày 30/6/2025.",
    },
}
"""The 34-unit report's wording, ``{key: {"en": ..., "vi": ...}}`` (``words.say`` renders it)."""
