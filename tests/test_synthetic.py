"""The synthetic report generator: deterministic, consistent, defects show up as checks."""

import io
import json
import re
import zipfile

import docx
import pdfplumber
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lhtml

from synthetic import report as R
from synthetic.layout import PRESETS
from synthetic.render_docx import render_docx
from synthetic.render_html import render_html
from synthetic.render_pdf import render_pdf
from synthetic.render_text import render_text

CLEAN = dict(
    arithmetic_errors=False,
    blanks=False,
    truncate=None,
    units=False,
    cell_noise=False,
    omit_rows=False,
    blank_table=None,
    blank_marker=None,
    thousands=False,
    zeros_blank=False,
    title_order="body_year",
)


def test_deterministic_per_seed():
    for seed in (0, 7, 12345):
        a, b = R.generate_report(seed), R.generate_report(seed)
        assert a.record == b.record and a.printed == b.printed and a.labels == b.labels
        assert render_html(a) == render_html(b)
        assert render_pdf(a) == render_pdf(b)
        assert render_text(a) == render_text(b)
        # DOCX zip members carry timestamps; the document XML must match
        xa = zipfile.ZipFile(io.BytesIO(render_docx(a))).read("word/document.xml")
        xb = zipfile.ZipFile(io.BytesIO(render_docx(b))).read("word/document.xml")
        assert xa == xb
    assert R.generate_report(1).record != R.generate_report(2).record


def _ints(rows, r, cols):
    return [rows[r][c] for c in cols]


@settings(max_examples=150, derandomize=True, deadline=None)
@given(st.integers(min_value=0, max_value=10**9))
def test_clean_reports_are_consistent(seed):
    rep = R.generate_report(seed, **CLEAN)
    rec = rep.record
    assert rec["checks"] == []
    assert rec["template"] == ("2019" if rec["year"] <= 2020 else "2021")
    assert 2019 <= rec["year"] <= 2025
    assert re.search(f"{rec['year']}年度?政府信息公开工作年度报告$", rec["title"])
    req, app = rec["tables"]["requests"], rec["tables"]["appeals"]
    keys = [k for k, _, _ in rep.req_rows_all]
    assert list(req) == keys
    outcomes = [
        k for k in keys if k not in ("new_received", "carried_over", "total", "carried_forward")
    ]
    for c, _ in R.REQ_COLS:
        assert req["total"][c] == sum(req[k][c] for k in outcomes)
        assert (
            req["new_received"][c] + req["carried_over"][c]
            == req["total"][c] + req["carried_forward"][c]
        )
    for k in keys:
        assert req[k]["total"] == sum(_ints(req, k, R.APPLICANTS))
        assert all(isinstance(v, int) and v >= 0 for v in req[k].values())
    for k, _ in R.APPEAL_ROWS:
        assert app[k]["total"] == sum(_ints(app, k, R.APPEAL_PARTS))
    act = rec["tables"]["active"]
    expected_rows = [r for _, rows, _ in R.active_bands(rec["template"]) for r, _ in rows]
    assert list(act) == expected_rows
    if rec["template"] == "2019":
        assert "other" in req
        for r in ("regulations", "normative_documents"):
            assert act[r]["new_published"] <= act[r]["total_published"]
    else:
        assert ("other" in req) != ("other_misc" in req)
    json.dumps(rec, ensure_ascii=False)


def test_other_rows_option():
    a = R.generate_report(5, year=2022, other_rows="three", **CLEAN).record["tables"]["requests"]
    b = R.generate_report(5, year=2022, other_rows="one", **CLEAN).record["tables"]["requests"]
    c = R.generate_report(5, year=2020, other_rows="three", **CLEAN).record["tables"]["requests"]
    assert {"other_no_correction", "other_unpaid_fee", "other_misc"} <= set(a) and "other" not in a
    assert "other" in b and "other_misc" not in b
    assert "other" in c and "other_misc" not in c  # template 2019 has one row


def test_arithmetic_errors_become_checks():
    for seed in range(60):
        rep = R.generate_report(seed, **{**CLEAN, "arithmetic_errors": True})
        assert rep.errors
        assert rep.record["checks"], (seed, rep.errors)
        assert all(
            c.split(":")[0]
            in (
                "requests.row_total",
                "requests.outcome_total",
                "requests.balance",
                "appeals.row_total",
            )
            for c in rep.record["checks"]
        )
        for e in rep.errors:  # every changed cell takes part in a failing check
            path = e.split()[0]
            t, r, c = path.split(".")
            assert any(
                x in rep.record["checks"]
                for x in (
                    f"{t}.row_total:{r}",
                    f"requests.outcome_total:{c}",
                    f"requests.balance:{c}",
                )
            ), e


def test_truncation_and_missing_tables():
    rep = R.generate_report(3, **{**CLEAN, "truncate": "requests"})
    req = rep.record["tables"]["requests"]
    assert "requests.incomplete" in rep.record["checks"]
    assert "carried_forward" not in req and len(req) < len(rep.req_rows_all)
    assert list(req) == [k for k, _, _ in rep.req_rows_all][: len(req)]
    rep = R.generate_report(3, **{**CLEAN, "truncate": "appeals"})
    assert rep.record["tables"]["appeals"] is None
    assert rep.record["checks"] == ["appeals.missing"]
    rep = R.generate_report(4, **{**CLEAN, "truncate": "both"})
    assert {"requests.incomplete", "appeals.missing"} <= set(rep.record["checks"])
    assert not any(c.startswith("requests.balance") for c in rep.record["checks"])


def test_checks_oracle_by_hand():
    rows = R.requests_rows("2019", "one")
    req = {k: {c: 0 for c, _ in R.REQ_COLS} for k, _, _ in rows}
    req["new_received"].update(natural_person=1)  # total stays 0: row total fails
    req["granted"].update(natural_person=1, total=1)  # outcome total (7) col total stays 0
    app = {k: {c: 0 for c, _ in R.APPEAL_COLS} for k, _ in R.APPEAL_ROWS}
    app["review"]["upheld"] = 2
    got = R.compute_checks({"requests": req, "appeals": app}, rows)
    assert set(got) == {
        "requests.row_total:new_received",
        "requests.outcome_total:natural_person",
        "requests.outcome_total:total",
        "requests.balance:natural_person",
        "appeals.row_total:review",
    }
    # a null cell makes the check unevaluable
    req["new_received"]["total"] = None
    app["review"]["total"] = None
    got = R.compute_checks({"requests": req, "appeals": app}, rows)
    assert "requests.row_total:new_received" not in got and "appeals.row_total:review" not in got
    assert "requests.balance:total" not in got


def test_blanks_units_signs():
    seen = {"null": 0, "unit": 0, "neg": 0}
    for seed in range(80):
        rep = R.generate_report(
            seed, blanks=True, units=True, signs=True, arithmetic_errors=False, truncate=None
        )
        cells = [
            v for t in rep.record["tables"].values() if t for r in t.values() for v in r.values()
        ]
        seen["null"] += cells.count(None)
        seen["unit"] += bool(rep.record["units"])
        seen["neg"] += any(isinstance(v, int) and v < 0 for v in cells)
        for path, unit in rep.record["units"].items():
            t, r, c = path.split(".")
            assert rep.printed[t][r][c].strip().endswith(unit)
            assert isinstance(rep.record["tables"][t][r][c], (int, float))
        if rep.template == "2019":
            printed = [
                rep.printed["active"][r]["change"]
                for r in rep.printed["active"]
                if "change" in rep.printed["active"][r]
            ]
            assert not any(
                p.startswith("+") and p[1:].isdigit() and int(p[1:]) < 0 for p in printed
            )
    assert all(seen.values()), seen


def test_label_variants_are_printed():
    rep = R.generate_report(11, year=2020, label_variants=["typo", "halfwidth", "numdot"], **CLEAN)
    text = render_html(rep, layout="template").decode("utf-8")
    assert "2、其他法律行政止公开" in text and "(三)不予公开" in text
    rep = R.generate_report(11, year=2022, label_variants=["kangxi"], **CLEAN)
    assert any(ch in "".join(rep.labels.values()) for ch in R.KANGXI.values())
    rep = R.generate_report(11, year=2022, label_variants=["normative"], **CLEAN)
    assert rep.label("行政规范性文件") == "规范性文件"


@pytest.mark.parametrize("layout", [None, *PRESETS])
def test_renderers_produce_files_that_open(layout):
    for seed in (21, 22):
        rep = R.generate_report(seed, pages=3)
        with pdfplumber.open(io.BytesIO(render_pdf(rep, layout=layout))) as pdf:
            assert len(pdf.pages) >= 2
            tables = [t for p in pdf.pages for t in p.extract_tables()]
            assert len(tables) >= 2
            assert rep.title_lines[-1][:6] in pdf.pages[0].extract_text()
        d = docx.Document(io.BytesIO(render_docx(rep, layout=layout)))
        assert len(d.tables) >= 2
        xml = d.element.xml
        if layout != "flat":
            assert "w:gridSpan" in xml and "w:vMerge" in xml
        tree = lhtml.fromstring(render_html(rep, layout=layout))
        assert len(tree.findall(".//table")) >= 2
        gbk = render_html(rep, layout=layout, encoding="gbk")
        assert rep.agency in gbk.decode("gbk")


def test_pdf_pages_option():
    rep = R.generate_report(8, pages=9)
    with pdfplumber.open(io.BytesIO(render_pdf(rep, layout="split"))) as pdf:
        assert 8 <= len(pdf.pages) <= 11
        pages_with_tables = [p.page_number for p in pdf.pages if p.find_tables()]
        assert len(pages_with_tables) >= 2


def _blank_printed(v: str) -> bool:
    return v.strip(" \u3000") in ("", *R.BLANK_MARKERS)


def test_omitted_rows_are_not_truncation():
    for seed in range(20):
        rep = R.generate_report(
            seed, omit_rows=True, **{k: v for k, v in CLEAN.items() if k != "omit_rows"}
        )
        act = rep.record["tables"]["active"]
        assert rep.options["omit_rows"] and not set(rep.options["omit_rows"]) & set(act)
        last = R.active_bands(rep.template)[-1][1][-1][0]
        assert last in act and last not in rep.options["omit_rows"]
        assert not any(c.startswith("active.") for c in rep.record["checks"])
        assert rep.record["checks"] == []
        text = render_html(rep, layout="template").decode("utf-8")
        if "regulations" in rep.options["omit_rows"]:
            assert ">规章<" not in text


def test_blank_tables_and_markers():
    for t in ("active", "requests", "appeals"):
        rep = R.generate_report(
            9, **{**CLEAN, "blank_table": t, "blank_marker": "—", "arithmetic_errors": True}
        )
        vals = [v for r in rep.record["tables"][t].values() for v in r.values()]
        assert vals and all(v is None for v in vals)
        assert all(v == "—" for r in rep.printed[t].values() for v in r.values())
        assert not any(c.startswith(f"{t}.") for c in rep.record["checks"])
    rep = R.generate_report(12, **{**CLEAN, "blanks": True, "blank_marker": "mixed"})
    cells = [(t, r, c) for t in rep.printed for r in rep.printed[t] for c in rep.printed[t][r]]
    marked = [rep.printed[t][r][c] for t, r, c in cells if _blank_printed(rep.printed[t][r][c])]
    assert marked and all(m in R.BLANK_MARKERS for m in marked)
    assert all(
        rep.record["tables"][t][r][c] is None
        for t, r, c in cells
        if _blank_printed(rep.printed[t][r][c])
    )


def test_thousands_separators_and_minus_signs():
    seen = {"comma": 0, "minus": 0, "decimal": 0}
    for seed in range(60):
        rep = R.generate_report(
            seed,
            **{**CLEAN, "thousands": True, "signs": True, "minus": "－", "units": seed % 2 == 0},
        )
        for t, rows in rep.printed.items():
            for r, cols in rows.items():
                for c, v in cols.items():
                    got = rep.record["tables"][t][r][c]
                    if "," in v:
                        seen["comma"] += 1
                        assert got == float(v.replace(",", "").rstrip("万元 ")) and abs(got) >= 1000
                    if v.startswith("－"):
                        seen["minus"] += 1
                        assert got < 0
                    if rep.template == "2021" and r == "fees" and "." in v:
                        seen["decimal"] += 1
                        assert isinstance(got, float)
    assert all(seen.values()), seen


def test_short_heads_and_lost_groups_are_printed():
    rep = R.generate_report(
        11,
        year=2020,
        short_heads=True,
        lost_groups=["（三）不予公开"],
        label_variants=False,
        **CLEAN,
    )
    heads = [rep.label(h) for _, h in R.ACTIVE_2019[0][2]]
    assert any(rep.label(h) != h for b in R.ACTIVE_2019 for _, h in b[2])
    assert all(h.startswith(rep.label(h)) for b in R.ACTIVE_2019 for _, h in b[2]), heads
    for layout in ("template", "flat", {"lost_style": "absent"}):
        text = render_html(rep, layout=layout).decode("utf-8")
        assert "不予公开" not in text and "属于国家秘密" in text
    rep = R.generate_report(11, year=2020, lost_groups=[R.RESULTS_GROUP], **CLEAN)
    assert "本年度办理结果" not in render_html(rep, layout="flat").decode("utf-8")
    assert "本年度办理结果" not in render_html(rep, layout="template").decode("utf-8")


@pytest.mark.parametrize("mode", ["cell-lines", "pipes", "tab-rows"])
def test_text_flattenings(mode):
    rep = R.generate_report(31, year=2020, **{**CLEAN, "label_variants": False})
    text = render_text(rep, layout={"text": mode, "text_wrap": True}).decode("utf-8")
    lines = text.split("\n")
    assert rep.title_lines[0] in lines
    if mode == "cell-lines":
        assert "\t规章" in lines and "\t行政许可" in lines
        assert sum(1 for x in lines if x.startswith("\t")) > 300
    elif mode == "pipes":
        assert "规章 |" in lines and "||" in lines
    else:
        row = next(x for x in lines if x.startswith("规章\t")).split("\t")
        assert row[1:4] == [
            rep.printed["active"]["regulations"][c]
            for c in ("new_made", "new_published", "total_published")
        ]
        vals = [rep.printed["appeals"][r][c] for r, _ in R.APPEAL_ROWS for c, _ in R.APPEAL_COLS]
        wrapped = [
            x.split("\t")
            for x in lines
            if x.count("\t") in (4, 6, 7, 9) and all(f.strip().isdigit() for f in x.split("\t"))
        ]
        assert sum(wrapped[-2:], []) == vals
