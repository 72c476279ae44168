"""Synthetic OGI annual reports with known truth.

`generate_report(seed, **options)` draws a random but internally consistent report, injects
the defects asked for (or drawn at random), and keeps two views of it:
- `printed`: the text of every cell as the renderers print it ("" for a blank cell);
- `record`: the extraction record the extractor must produce (../shared/spec/ogi-report.md).
The expected checks are computed here from the spec's rules, independently of `parsers/`.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field

# canonical keys and template labels: archive/template.py
from archive.template import (  # noqa: F401  (R.REQ_COLS … for the renderers)
    ACTIVE_2019,
    ACTIVE_2021,
    APPEAL_COLS,
    APPEAL_PARTS,
    APPEAL_ROWS,
    APPLICANTS,
    OTHER_ONE,
    OTHER_THREE,
    REQ_COLS,
    REQ_NOTE,
    REQ_OUTCOMES,
    REQ_ROWS_HEAD,
    REQ_TAIL,
    RESULTS_GROUP,
    SECTIONS,
)
from synthetic import text

# Kangxi radicals that NFKC folds back to the ordinary hanzi
KANGXI = {
    "一": "⼀",
    "二": "⼆",
    "人": "⼈",
    "十": "⼗",
    "文": "⽂",
    "方": "⽅",
    "日": "⽇",
    "行": "⾏",
    "大": "⼤",
    "子": "⼦",
    "工": "⼯",
    "己": "⼰",
    "自": "⾃",
    "至": "⾄",
    "生": "⽣",
    "用": "⽤",
    "目": "⽬",
    "示": "⽰",
    "立": "⽴",
    "力": "⼒",
    "入": "⼊",
}


def requests_rows(template: str, other_rows: str) -> list[tuple[str, str | None, str]]:
    other = OTHER_THREE if (template == "2021" and other_rows == "three") else OTHER_ONE
    return REQ_ROWS_HEAD + REQ_OUTCOMES + other + REQ_TAIL


def active_bands(template: str):
    return ACTIVE_2019 if template == "2019" else ACTIVE_2021


# --- the report -------------------------------------------------------------------------------


@dataclass
class SyntheticReport:
    seed: int
    agency: str
    short: str  # short name used in the narrative
    portal: str  # the site that publishes it (CMS noise)
    year: int
    template: str
    title: str
    title_lines: list[str]  # the title as printed (1 or 2 lines)
    publish_date: dt.date
    options: dict  # the defects injected (after drawing)
    printed: dict  # table -> row -> col -> printed text ("" = blank); missing table = None
    req_rows: list  # requests rows as printed: (row, group, label) after truncation
    req_rows_all: list  # the template's requests rows for this report
    labels: dict  # template label -> printed spelling (label variants)
    narrative: dict
    record: dict
    errors: list = field(default_factory=list)  # human-readable list of injected errors
    signature: str | None = None  # the body as the 落款 prints it (None: the date alone)
    publisher: str | None = None  # the body as the file's metadata names it (author, 来源)

    def label(self, s: str) -> str:
        return self.labels.get(s, s)


BLANK_MARKERS = ("—", "/", "－")  # printed in a cell that says nothing: read as null
MINUS_SIGNS = ("-", "－", "−")


def _value(text_: str):
    """The record value of a printed cell (the spec's rules for our own printed forms)."""
    t = text_.strip().replace(" ", "").replace("\u3000", "").replace("\xa0", "")
    t = t.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    for u in ("万元", "元"):
        if t.endswith(u):
            t = t[: -len(u)]
    if t == "" or t in BLANK_MARKERS:
        return None
    t = t.replace(",", "")  # thousands separators
    if t[:1] in MINUS_SIGNS:
        t = "-" + t[1:]
    if "." in t:
        return float(t)
    return int(t)


def _unit(text_: str) -> str | None:
    t = text_.strip()
    for u in ("万元", "元"):
        if t.endswith(u):
            return u
    return None


def _draw_options(rng: random.Random, options: dict) -> dict:
    o = dict(options)
    o.setdefault("arithmetic_errors", rng.random() < 0.2)
    o.setdefault("blanks", rng.random() < 0.15)
    o.setdefault("units", rng.random() < 0.2)
    o.setdefault("signs", rng.random() < 0.25)
    o.setdefault(
        "truncate", rng.choices([None, "requests", "appeals", "both"], weights=[88, 5, 5, 2])[0]
    )
    o.setdefault("other_rows", rng.choice(["one", "three", "three"]))
    o.setdefault("label_variants", rng.random() < 0.5)
    o.setdefault("cell_noise", rng.random() < 0.2)
    pages = rng.randint(5, 8)  # about how many pages the PDF comes out
    if o.get("pages") is None:
        o["pages"] = pages
    if o["truncate"] is True:
        o["truncate"] = rng.choice(["requests", "appeals", "both"])
    if o["truncate"] is False:
        o["truncate"] = None
    return o


# --- drift seen in real reports, drawn from a stream of its own (older options keep their draws)

# table 二 rows a body may leave out (never the table's last row: that would read as truncation)
OMIT_CHOICES = {
    "2019": [
        (["regulations"], 6),
        (["other_management"], 2),
        (["coercion"], 1),
        (["regulations", "coercion"], 1),
    ],
    "2021": [(["regulations"], 6), (["coercion"], 2)],
}
GROUP_LABELS = ["（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"]


def _draw_drift(rng: random.Random, o: dict, template: str) -> None:
    """Options for the drift of real reports: omitted rows, blank tables and blank markers,
    header cells cut short, lost group labels, thousands separators, minus signs."""

    def flag(name, p):
        v = o.get(name, "draw")
        o[name] = (rng.random() < p) if v == "draw" else v
        return o[name]

    if flag("omit_rows", 0.1) is True:
        choices = OMIT_CHOICES[template]
        o["omit_rows"] = list(rng.choices([c for c, _ in choices], [w for _, w in choices])[0])
    elif not o["omit_rows"]:
        o["omit_rows"] = []
    if flag("blank_table", 0.05) is True:
        o["blank_table"] = rng.choice(["active", "requests", "appeals"])
    elif not o["blank_table"]:
        o["blank_table"] = None
    if flag("blank_marker", 0.35) is True:
        o["blank_marker"] = rng.choice(list(BLANK_MARKERS) + ["mixed"])
    elif not o["blank_marker"]:
        o["blank_marker"] = None
    flag("short_heads", 0.12)
    if flag("lost_groups", 0.12) is True:
        pool = GROUP_LABELS + [RESULTS_GROUP]
        o["lost_groups"] = rng.choice(
            [
                ["（三）不予公开"],
                ["（三）不予公开"],
                [RESULTS_GROUP],
                ["（三）不予公开", RESULTS_GROUP],
                rng.sample(pool, rng.randint(1, 3)),
            ]
        )
    elif not o["lost_groups"]:
        o["lost_groups"] = []
    flag("thousands", 0.15)
    if o.get("minus", "draw") == "draw":
        o["minus"] = rng.choice(["-", "-", "－", "−"])


_NUM = re.compile(r"^([+\-]?)(\d{4,})(\.\d+)?(\s?万元|\s?元)?$")


def _apply_drift(rng: random.Random, printed: dict, o: dict) -> None:
    act = printed["active"]
    for r in o["omit_rows"]:
        act.pop(r, None)
    if o["blank_table"] and printed[o["blank_table"]] is not None:
        for row in printed[o["blank_table"]].values():
            for c in row:
                row[c] = ""
    for t in printed.values():
        for row in (t or {}).values():
            for c, v in row.items():
                if v.startswith("-") and o["minus"] != "-":
                    v = o["minus"] + v[1:]
                m = _NUM.match(v)
                if o["thousands"] and m and rng.random() < 0.85:
                    sign, digits, frac, unit = m.groups()
                    v = f"{sign}{int(digits):,}{frac or ''}{unit or ''}"
                if v == "" and o["blank_marker"]:
                    mk = o["blank_marker"]
                    v = rng.choice(BLANK_MARKERS) if mk == "mixed" else mk
                row[c] = v


def _cut_heads(rng: random.Random, template: str, labels: dict) -> None:
    """Header cells of table 二 cut short (seed: 本年新 / 本年新 for 本年新制作数量 /
    本年新公开数量): only the template's column order tells them apart."""
    bands = active_bands(template)
    done = set()
    if rng.random() < 0.6:  # the first two heads cut to the same stem
        for _, h in bands[0][2][:2]:
            labels[h] = h[:3] if template == "2019" else h[:2]
            done.add(h)
    for _, _, cols in bands:
        for _, h in cols:
            if h in done:
                continue
            done.add(h)
            base = h.split("（")[0]
            k = rng.choice([2, 3, 4])
            if rng.random() < 0.5 and k < len(base):
                labels[h] = base[:k]


def _draw_labels(rng: random.Random, template: str, variants) -> dict:
    """Choose printed spellings for template labels. `variants` True draws a random subset."""
    all_kinds = [
        "normative",
        "numdot",
        "halfwidth",
        "spaces",
        "typo",
        "split",
        "kangxi",
        "dotspace",
        "annot",
        "spaced",
    ]
    if variants is True:
        kinds = {k for k in all_kinds if rng.random() < 0.35} or {rng.choice(all_kinds)}
    elif not variants:
        kinds = set()
    else:
        kinds = set(variants)
    labels: dict[str, str] = {}
    req_labels = [
        lab for _, _, lab in REQ_ROWS_HEAD + REQ_OUTCOMES + OTHER_ONE + OTHER_THREE + REQ_TAIL
    ]
    groups = ["（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理", RESULTS_GROUP]
    all_labels = req_labels + groups + [lab for b in ACTIVE_2019 + ACTIVE_2021 for _, lab in b[1]]
    all_labels += [b[0] for b in ACTIVE_2019] + SECTIONS
    heads = [h for _, h in REQ_COLS] + ["法人或其他组织", "申请人情况"]
    all_labels += heads
    long_labels = [s for s in req_labels if len(s) >= 9]
    spaced = set(rng.sample(long_labels, 3)) if "spaces" in kinds else set()
    split = set(rng.sample(long_labels, 3)) if "split" in kinds else set()
    kx_rate = 0.5 if "kangxi" in kinds else 0.0
    for s in all_labels:
        p = s
        if "normative" in kinds:
            p = {"规范性文件": "行政规范性文件", "行政规范性文件": "规范性文件"}.get(p, p)
        if "typo" in kinds and p == "2.其他法律行政法规禁止公开":
            p = "2.其他法律行政止公开"
        if "numdot" in kinds:
            p = p.replace(".", "、", 1) if p[:1].isdigit() else p
        if "dotspace" in kinds and p[:1].isdigit():  # 1. 属于国家秘密
            p = p[:2] + " " + p[2:]
        if "annot" in kinds and p in ("规范性文件", "行政规范性文件"):
            p += rng.choice(["（有规范性文件登记号）", " (有规范性文件登记号)"])
        if "spaced" in kinds and (s in heads or s == RESULTS_GROUP):  # 自 然 人
            p = " ".join(p) if s in heads else p[:2] + " " + " ".join(p[2:])
        if "halfwidth" in kinds:
            p = p.replace("（", "(").replace("）", ")")
        if s in spaced:
            i = rng.randint(3, len(p) - 2)
            p = p[:i] + " " + p[i:]
        if s in split:
            i = rng.randint(4, len(p) - 2)
            p = p[:i] + "\n" + p[i:]
        if kx_rate and rng.random() < kx_rate:
            p = "".join(KANGXI.get(ch, ch) if rng.random() < 0.7 else ch for ch in p)
        if p != s:
            labels[s] = p
    if "split" in kinds:  # column headers of table 二 wrapped by hand, as in Word exports
        heads = sorted({h for b in ACTIVE_2019 + ACTIVE_2021 for _, h in b[2] if len(h) >= 5})
        for h in rng.sample(heads, 3):
            i = rng.randint(2, len(h) - 2)
            labels[h] = labels.get(h, h)[:i] + "\n" + labels.get(h, h)[i:]
    labels["__kinds__"] = ",".join(sorted(kinds))
    return labels


def _split(rng: random.Random, n: int, weights: list[float]) -> list[int]:
    """Distribute n items over len(weights) bins."""
    out = [0] * len(weights)
    if n <= 0:
        return out
    if n > 200:  # proportional for big numbers, then the rest one by one
        tot = sum(weights)
        for i, w in enumerate(weights):
            out[i] = int(n * w / tot * rng.uniform(0.6, 1.0))
        n -= sum(out)
    for i in rng.choices(range(len(weights)), weights=weights, k=n):
        out[i] += 1
    return out


def _draw_active(rng: random.Random, template: str, o: dict) -> dict:
    t: dict[str, dict[str, str]] = {}

    def num(hi: int, zero: float = 0.35) -> int:
        return 0 if rng.random() < zero else rng.randint(1, hi)

    if template == "2019":
        for r in ("regulations", "normative_documents"):
            made = num(80 if r == "normative_documents" else 5)
            pub = made if rng.random() < 0.8 else rng.randint(0, made)
            t[r] = {
                "new_made": str(made),
                "new_published": str(pub),
                "total_published": str(pub + num(300, 0.3)),
            }
        for r in ("licensing", "other_management", "punishment", "coercion", "fees"):
            prev = num(2000 if r in ("licensing", "punishment") else 150)
            ch = num(50, 0.5)
            if o["signs"] and ch and rng.random() < 0.4:
                ch = -min(ch, prev) if prev else ch
            cht = f"+{ch}" if (o["signs"] and ch > 0 and rng.random() < 0.7) else str(ch)
            t[r] = {"prev_items": str(prev), "change": cht}
            if r != "fees":
                t[r]["decisions"] = str(num(5000 if r in ("licensing", "punishment") else 300))
        t["procurement"] = {"projects": str(num(400)), "amount": str(num(5000, 0.4))}
        if rng.random() < 0.5:
            t["procurement"]["amount"] = f"{rng.uniform(1, 99999):.{rng.choice([1, 2, 2, 4])}f}"
    else:
        for r in ("regulations", "normative_documents"):
            iss = num(3 if r == "regulations" else 40)
            rep = num(10, 0.6)
            t[r] = {"issued": str(iss), "repealed": str(rep), "in_force": str(iss + num(200, 0.2))}
        for r in ("licensing", "punishment", "coercion"):
            t[r] = {"decisions": str(num(6000 if r != "coercion" else 300))}
        t["fees"] = {
            "amount": (
                f"{rng.uniform(0, 9000):.{rng.choice([1, 2, 2, 4])}f}"
                if rng.random() < 0.6
                else "0"
            )
        }
    return t


def _draw_requests(rng: random.Random, rows: list) -> dict:
    keys = [r for r, _, _ in rows]
    outcomes = [
        r for r in keys if r not in ("new_received", "carried_over", "total", "carried_forward")
    ]
    scale = rng.choice([0, 3, 10, 30, 100, 400, 2000])
    w = {r: 1.0 for r in outcomes}
    w.update(
        granted=8.0,
        partly_granted=2.0,
        unavailable_not_held=4.0,
        declined_duplicate=1.5,
        declined_petition=1.5,
    )
    cols: dict[str, dict[str, int]] = {}
    for c in APPLICANTS:
        if c == "natural_person":
            new = rng.randint(0, scale) if scale else 0
        else:
            new = rng.randint(0, max(1, scale // 20)) if rng.random() < 0.3 else 0
        carried = rng.randint(0, max(1, new // 10)) if new and rng.random() < 0.4 else 0
        pool = new + carried
        fwd = rng.randint(0, max(1, pool // 8)) if pool and rng.random() < 0.4 else 0
        fwd = min(fwd, pool)
        split_ = _split(rng, pool - fwd, [w[r] for r in outcomes])
        col = {"new_received": new, "carried_over": carried, "carried_forward": fwd}
        col.update(zip(outcomes, split_, strict=True))
        col["total"] = pool - fwd
        cols[c] = col
    out = {}
    for r in keys:
        vals = {c: cols[c][r] for c in APPLICANTS}
        vals["total"] = sum(vals.values())
        out[r] = {c: str(v) for c, v in vals.items()}
    return out


def _draw_appeals(rng: random.Random) -> dict:
    out = {}
    for r, _ in APPEAL_ROWS:
        hi = rng.choice([0, 0, 2, 5, 30])
        vals = {c: (rng.randint(0, hi) if hi else 0) for c in APPEAL_PARTS}
        vals["total"] = sum(vals.values())
        out[r] = {c: str(v) for c, v in vals.items()}
    return out


TITLE_ORDERS = ("body_year", "year_body", "signature", "metadata")


def _draw_tail(rng: random.Random, o: dict) -> None:
    """Options for the long tail of real portals, drawn from a stream of their own: the title's
    word order (the body before the year, after it, only in the 落款, only in the file's
    metadata) and zeros printed as blanks. `metadata` is never drawn: a plain text file has no
    metadata, so only a caller that renders a format with metadata asks for it."""
    if o.get("title_order", "draw") == "draw":
        o["title_order"] = rng.choices(TITLE_ORDERS[:3], weights=[86, 8, 6])[0]
    if o.get("zeros_blank", "draw") == "draw":
        o["zeros_blank"] = rng.random() < 0.04


def _title(agency: str, year: int, order: str, year_word: str) -> str:
    tail = "政府信息公开工作年度报告"
    if order == "year_body":  # 2019年…办公厅政府信息公开工作年度报告
        return f"{year}{year_word}{agency}{tail}"
    if order in ("signature", "metadata"):
        return f"{year}{year_word}{tail}"
    return f"{agency}{year}{year_word}{tail}"


def _blank_zeros(printed: dict) -> None:
    """Every zero printed as an empty cell, whole rows and 总计 cells included."""
    for t in printed.values():
        for row in (t or {}).values():
            for c, v in row.items():
                if v.strip() in ("0", "+0", "-0"):
                    row[c] = ""


def _inject_errors(rng: random.Random, printed: dict, errors: list) -> None:
    req, app = printed["requests"], printed["appeals"]
    kinds = rng.sample(
        ["row_total", "outcome_total", "balance", "appeals_row_total", "zero_total"],
        rng.randint(1, 2),
    )
    for kind in kinds:
        delta = rng.choice([1, 1, 2, 3, 10, -1, -2])
        if kind == "row_total":
            r = rng.choice(list(req))
            cell = (r, "total")
        elif kind == "outcome_total":
            cell = ("total", rng.choice(APPLICANTS))
        elif kind == "balance":
            cell = ("carried_forward", rng.choice(APPLICANTS + ["total"]))
        elif kind == "appeals_row_total":
            r = rng.choice([r for r, _ in APPEAL_ROWS])
            old = int(app[r]["total"])
            app[r]["total"] = str(old + delta if old + delta >= 0 else old + abs(delta))
            errors.append(f"appeals.{r}.total {old}->{app[r]['total']}")
            continue
        else:  # a total printed as 0 where the parts are not (seen in real reports)
            r = rng.choice(list(req))
            if req[r]["natural_person"] == "0":
                req[r]["natural_person"] = str(rng.randint(1, 5))
                errors.append(f"requests.{r}.natural_person 0->{req[r]['natural_person']}")
            old = req[r]["total"]
            req[r]["total"] = "0" if old != "0" else str(rng.randint(1, 9))
            errors.append(f"requests.{r}.total {old}->{req[r]['total']}")
            continue
        r, c = cell
        old = int(req[r][c])
        new = old + delta if old + delta >= 0 else old + abs(delta)
        req[r][c] = str(new)
        errors.append(f"requests.{r}.{c} {old}->{new}")


def _inject_blanks(rng: random.Random, printed: dict) -> None:
    cells = [
        (t, r, c)
        for t in ("active", "requests", "appeals")
        if printed[t]
        for r in printed[t]
        for c in printed[t][r]
    ]
    for t, r, c in rng.sample(cells, rng.randint(1, 6)):
        printed[t][r][c] = ""
    if rng.random() < 0.2:  # a whole row left blank
        t = rng.choice(["active", "requests"])
        r = rng.choice(list(printed[t]))
        for c in printed[t][r]:
            printed[t][r][c] = ""


def _inject_units(rng: random.Random, printed: dict, template: str) -> None:
    if template == "2019":
        cell = printed["active"]["procurement"]
        v = float(cell["amount"] or "0")
        if rng.random() < 0.5:
            cell["amount"] = f"{v:.{rng.choice([2, 4, 6])}f}万元"
        else:
            cell["amount"] = f"{int(v * 10000)}{rng.choice(['元', ' 元'])}"
    else:
        cell = printed["active"]["fees"]
        cell["amount"] = f"{float(cell['amount'] or '0'):.2f}万元"


def _noise(rng: random.Random, s: str) -> str:
    """Stray spaces and the odd fullwidth digit around a printed number."""
    if not s:
        return rng.choice(["", " ", "\u3000"]) if rng.random() < 0.5 else s
    r = rng.random()
    if r < 0.3:
        return " " + s
    if r < 0.55:
        return s + "\u3000"
    if r < 0.7 and s.isdigit():
        return s.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return s


def compute_checks(tables: dict, req_rows_all: list) -> list[str]:
    """The spec's checks over record values (None = unevaluable), missing/incomplete tables."""
    checks: list[str] = []
    req, app = tables.get("requests"), tables.get("appeals")
    if req is not None:
        keys = [r for r, _, _ in req_rows_all]
        outcomes = [
            r for r in keys if r not in ("new_received", "carried_over", "total", "carried_forward")
        ]
        cols = [c for c, _ in REQ_COLS]

        def get(r, c):
            return req.get(r, {}).get(c) if r in req else None

        for r in keys:
            if r not in req:
                continue
            parts = [get(r, c) for c in APPLICANTS]
            tot = get(r, "total")
            if tot is not None and None not in parts and sum(parts) != tot:
                checks.append(f"requests.row_total:{r}")
        for c in cols:
            parts = [get(r, c) for r in outcomes]
            tot = get("total", c)
            if tot is not None and None not in parts and sum(parts) != tot:
                checks.append(f"requests.outcome_total:{c}")
        for c in cols:
            vals = [get(r, c) for r in ("new_received", "carried_over", "total", "carried_forward")]
            if None not in vals and vals[0] + vals[1] != vals[2] + vals[3]:
                checks.append(f"requests.balance:{c}")
    if app is not None:
        for r, _ in APPEAL_ROWS:
            parts = [app.get(r, {}).get(c) for c in APPEAL_PARTS]
            tot = app.get(r, {}).get("total")
            if tot is not None and None not in parts and sum(parts) != tot:
                checks.append(f"appeals.row_total:{r}")
    if req is None:
        checks.append("requests.missing")
    elif len(req) < len(req_rows_all):
        checks.append("requests.incomplete")
    if app is None:
        checks.append("appeals.missing")
    return checks


def generate_report(seed: int, **options) -> SyntheticReport:
    rng = random.Random(seed)
    o = _draw_options(rng, options)
    year = o.get("year") or rng.randint(2019, 2025)
    template = "2019" if year <= 2020 else "2021"
    agency, short, portal = text.agency_name(rng)
    if "agency" in o:
        agency = o["agency"]
    two_lines = rng.random() < 0.15
    year_word = "年度" if rng.random() < 0.15 else "年"
    title_tail = f"{year}{year_word}政府信息公开工作年度报告"
    title_lines = [agency, title_tail] if two_lines else [agency + title_tail]
    title = title_tail if two_lines else agency + title_tail
    _draw_tail(random.Random(f"{seed}:tail"), o)
    if o["title_order"] != "body_year":
        title = _title(agency, year, o["title_order"], year_word)
        title_lines = [title]
    publish = dt.date(year + 1, rng.randint(1, 3), rng.randint(1, 28))

    rows_all = requests_rows(template, o["other_rows"])
    printed = {
        "active": _draw_active(rng, template, o),
        "requests": _draw_requests(rng, rows_all),
        "appeals": _draw_appeals(rng),
    }
    errors: list[str] = []
    if o["arithmetic_errors"]:
        _inject_errors(rng, printed, errors)
    if o["zeros_blank"]:
        _blank_zeros(printed)
    if o["units"]:
        _inject_units(rng, printed, template)
    if o["blanks"]:
        _inject_blanks(rng, printed)
    if o["cell_noise"]:
        for t in printed.values():
            for row in t.values():
                for c in row:
                    if rng.random() < 0.1:
                        row[c] = _noise(rng, row[c])
    drng = random.Random(f"{seed}:drift")
    _draw_drift(drng, o, template)
    _apply_drift(drng, printed, o)
    if o["cell_noise"]:
        nrng = random.Random(f"{seed}:noise")
        for t in printed.values():
            for row in t.values():
                for c in row:
                    if row[c] in BLANK_MARKERS and nrng.random() < 0.1:
                        row[c] = _noise(nrng, row[c])
    req_rows = list(rows_all)
    if o["truncate"] in ("requests", "both"):
        cut = rng.randint(4, len(rows_all) - 1)
        req_rows = rows_all[:cut]
        printed["requests"] = {r: printed["requests"][r] for r, _, _ in req_rows}
        errors.append(f"requests truncated after {req_rows[-1][0]}")
    if o["truncate"] in ("appeals", "both"):
        printed["appeals"] = None
        errors.append("appeals missing")

    labels = _draw_labels(rng, template, o["label_variants"])
    if o["short_heads"]:
        _cut_heads(drng, template, labels)
    pages = o["pages"]
    budget = max(500, int((pages - 2.3) * 2300))  # narrative characters
    narr = text.narrative(rng, short, year, budget)
    planted = None
    if o.get("prose_figures"):  # "agree" | "disagree": figures in the prose (synthetic.prose)
        from synthetic.prose import plant

        planted = plant(
            random.Random(f"{seed}:prose"), narr, printed, year, short, o["prose_figures"]
        )

    tables: dict = {}
    units: dict = {}
    for t, rows in printed.items():
        if rows is None:
            tables[t] = None
            continue
        tables[t] = {r: {c: _value(v) for c, v in cols.items()} for r, cols in rows.items()}
        for r, cols in rows.items():
            for c, v in cols.items():
                u = _unit(v)
                if u:
                    units[f"{t}.{r}.{c}"] = u
    record = {
        "title": title,
        "agency": agency,
        "year": year,
        "template": template,
        "tables": tables,
        "units": units,
        "checks": compute_checks(tables, rows_all),
    }
    if planted is not None:
        record["text_checks"] = planted
    return SyntheticReport(
        seed=seed,
        agency=agency,
        short=short,
        portal=portal,
        year=year,
        template=template,
        title=title,
        title_lines=title_lines,
        publish_date=publish,
        options=o,
        printed=printed,
        req_rows=req_rows,
        req_rows_all=rows_all,
        labels=labels,
        narrative=narr,
        record=record,
        errors=errors,
        signature=None if o["title_order"] == "metadata" else agency,
        publisher=agency,
    )
