"""Figures stated in a generated report's prose, agreeing with its tables or not (planted
disagreements, with their truth): what the text-vs-table check (parsers/report/statements.py)
is scored against.

Phrasings follow real reports ("2020年度，本单位共收到政府信息公开申请1件", "我街道因政府信息公开
被申请行政复议0件", "2023年全区受理政府信息公开申请21件"); a statement is only written for a cell
whose printed text is a plain number.
"""

from __future__ import annotations

import random
import re

PHRASES = {
    "requests.new_received.total": [
        "{year}年度，{short}共收到政府信息公开申请{n}件",
        "全年共收到政府信息公开申请{n}件",
        "{year}年{short}受理政府信息公开申请{n}件",
        "本年度新收政府信息公开申请{n}件",
    ],
    "requests.carried_over.total": ["上年结转政府信息公开申请{n}件", "上年度结转申请{n}件"],
    "requests.carried_forward.total": [
        "结转下年度继续办理{n}件",
        "另有{n}件申请结转至下一年度办理",
    ],
    "requests.granted.total": ["其中予以公开{n}件", "予以公开的申请{n}件"],
    "requests.partly_granted.total": ["部分公开{n}件"],
    "appeals.review.total": [
        "{short}因政府信息公开被申请行政复议{n}件",
        "全年发生政府信息公开行政复议案件{n}件",
    ],
    "active.normative_documents.issued": ["本年度制发行政规范性文件{n}件", "印发规范性文件{n}件"],
    "active.normative_documents.new_published": ["主动公开规范性文件{n}件"],
    "active.normative_documents.new_made": ["新制作规范性文件{n}件"],
}
WHERE = {"requests": "（二）依申请公开", "appeals": "（五）监督保障", "active": "（一）主动公开"}


def _printed(printed: dict, cell: str) -> int | None:
    t, r, c = cell.split(".")
    text = ((printed.get(t) or {}).get(r) or {}).get(c)
    return int(text) if text is not None and re.fullmatch(r"\d+", text) else None


def plant(
    rng: random.Random, narrative: dict, printed: dict, year: int, short: str, mode: str
) -> list[str]:
    """Write statements of some cells into the narrative's 总体情况 subsections; with mode
    "disagree" one or two of them state another number. Returns the cells that disagree
    (as `text_vs_table:<cell>` ids: the truth)."""
    cells = [c for c in PHRASES if _printed(printed, c) is not None]
    if not cells:
        return []
    chosen = rng.sample(cells, min(len(cells), rng.randint(2, 4)))
    wrong = (
        set(rng.sample(chosen, min(len(chosen), rng.randint(1, 2))))
        if mode == "disagree"
        else set()
    )
    over = _printed(printed, "requests.carried_over.total") or 0
    said: dict[str, list[str]] = {}
    for cell in chosen:
        n = printed_n = _printed(printed, cell)
        if cell in wrong:
            n = printed_n + rng.randint(1, 40)
            if cell == "requests.new_received.total" and n == printed_n + over:
                n += 1  # not a number a reader could take for new + carried over
        said.setdefault(cell.split(".")[0], []).append(
            rng.choice(PHRASES[cell]).format(n=n, year=year, short=short)
        )
    overview = narrative["overview"]
    for i, (head, para) in enumerate(overview):
        for table, where in WHERE.items():
            if head == where and said.get(table):
                para = "，".join(said[table]) + "。" + para
        overview[i] = (head, para)
    return sorted(f"text_vs_table:{c}" for c in wrong)
