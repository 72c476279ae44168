"""Reading the three statistical tables out of a Document onto the canonical keys.

Every table row of the document becomes a list of cells (spans collapsed, group labels of
row-spanning cells carried down). A row is a header, a band, or a data row whose labels name
a canonical row by meaning; its value cells are the cells after its last label. Rows are
taken in document order, so tables split over pages or flattened into text read the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parsers.report import labels as L
from parsers.model import Document, Table
from parsers.report.values import Value, clean_cell, read_value

SECTION_PATTERNS = [
    ("active", re.compile(r"^[二2][、.．]?主动公开")),
    ("requests", re.compile(r"^[三3][、.．]?(收到和处理|收到处理|依申请)")),
    ("appeals", re.compile(r"^[四4][、.．]?.{0,12}(复议|诉讼)")),
    (None, re.compile(r"^[五六5-6][、.．]?(存在|其他需要|主要问题|其他事项)")),
]


_NUM = r"[+\-]?\d+(?:\.\d+)?(?:万元|元)?"
_FLAT_ROW = re.compile(
    rf"^(?P<label>.{{0,80}}?[\u4e00-\u9fff）)”])\s+(?P<nums>{_NUM}(?:\s+{_NUM})+)$"
)
_NUM_ROW = re.compile(rf"^{_NUM}(?:\s+{_NUM}){{2,}}$")


@dataclass
class Row:
    labels: list[str]  # squashed label cells, left to right
    values: list[Value]  # the cells after the last label


@dataclass
class TableReader:
    template: str | None
    tables: dict = field(default_factory=lambda: {t: {} for t in L.TABLES})
    units: dict = field(default_factory=dict)
    context: str | None = None  # the table the document is in now
    active_cols: list[str] | None = None  # column order from the last 信息内容 header
    last_key: dict = field(default_factory=dict)  # table → last row key read
    pending: tuple[str, str] | None = None  # a labelled row whose values come on the next row
    appeal_values: list = field(default_factory=list)  # table 四's values wrapped over rows
    ocr: bool = False  # the table being read was read by OCR
    prev_row: tuple[str, str | None] | None = None  # (table, key) of the row read last
    orphan: tuple | None = None  # an OCR'd row whose label OCR garbled: (prev_row, values)
    widths: dict = field(default_factory=dict)  # table 二's row → numbers it printed
    provenance: dict = field(default_factory=dict)  # table → row → col → where it was read

    def read(self, doc: Document) -> None:
        for block in doc.blocks:
            if block.kind == "table" and block.table is not None:
                self.ocr = block.table.ocr
                for row in table_rows(block.table):
                    self.read_row(row)
            else:
                pos = block.pos or ({"page": block.page} if block.page else None)
                row = flat_row(block.text, pos) if self.context else None
                if row:
                    self.read_row(row)
                else:
                    self.read_heading(block.text)

    def read_heading(self, text: str) -> None:
        s = clean_cell(text)[:30]
        for table, pat in SECTION_PATTERNS:
            if pat.search(s):
                self.context = table
                self.pending = None
                return

    def read_row(self, row: Row) -> None:
        joined = "".join(row.labels)
        if not row.labels:
            self.read_unlabelled(row)
            return
        self.appeal_values = []
        if self.read_header(row, joined):
            self.pending = None  # a header between a label and the next row: not its values
            return
        if not row.values and all(
            re.search(L.REQUEST_HEADER, x) or re.search(L.APPEAL_HEADER, x) for x in row.labels
        ):
            return  # a stray header cell (a lone 总计) is not a row waiting for its values
        hit = self.match(row, joined)
        if hit is None:
            if self.ocr and row.values:
                self.orphan = (self.prev_row, row.values)
            return
        table, key = hit
        self.place_orphan(table, key)
        self.context = table
        if not row.values:
            self.pending = hit
            return
        self.pending = None
        self.put(table, key, row.values)

    def read_header(self, row: Row, joined: str) -> bool:
        if re.match(r"第[一二三四五六七八九十]+条", joined):  # a band: 第二十条第（五）项
            self.context = "active"
            self.active_cols = None
            return True
        if any(re.search(L.ACTIVE_HEADER, x) for x in row.labels):
            self.context = "active"
            after = row.labels[
                [bool(re.search(L.ACTIVE_HEADER, x)) for x in row.labels].index(True) + 1 :
            ]
            cols = [L.match_active_col(x) for x in after]
            self.active_cols = (
                cols if cols and None not in cols and len(set(cols)) == len(cols) else None
            )
            return True
        req = sum(bool(re.search(L.REQUEST_HEADER, x)) for x in row.labels)
        app = sum(bool(re.search(L.APPEAL_HEADER, x)) for x in row.labels)
        if (req >= 2 and req >= app) or "勾稽" in joined:
            self.context = "requests"
            if not self.tables["requests"]:  # the table starts here (else its header repeats
                self.prev_row, self.orphan = ("requests", None), None  # over a page break)
            return True
        if app >= 2 and (
            any(re.search(L.APPEAL_COLUMN, x) for x in row.labels)
            or {"行政复议", "行政诉讼"} <= set(row.labels)
            or len(_trim(row.values, 5)) < 5
        ):
            # column names, or both top groups; a group and a leaf with five values
            # (行政诉讼 | 未经复议直接起诉 | 0 2 1 0 3) is a data row
            self.context = "appeals"
            return True
        return False

    def match(self, row: Row, joined: str) -> tuple[str, str] | None:
        order = [t for t in (self.context,) if t] + [t for t in L.TABLES if t != self.context]
        for label in [*reversed(row.labels), joined]:
            for table in order:
                key = L.match_row(table, label)
                if (
                    key == "other_misc"
                    and "其他处理" not in joined
                    and self.last_key.get("requests") != "other_unpaid_fee"
                ):
                    key = None
                if (
                    key == "other"
                    and len(row.labels) > 1
                    and "其他处理" not in row.labels[-1]
                    and self.ocr
                ):
                    key = None  # （六）其他处理 carried down over a sub-row OCR could not read
                if key:
                    return table, key
        return None

    def read_unlabelled(self, row: Row) -> None:
        if self.pending:
            table, key = self.pending
            self.pending = None
            self.put(table, key, row.values)
            return
        if self.context != "appeals":
            return
        # the 15 values of table 四 in one row, or wrapped over several
        values = _trim(self.appeal_values + row.values, 15)
        if len(values) < 15:
            self.appeal_values = values
            return
        self.appeal_values = []
        if len(values) == 15:
            for i, key in enumerate(L.APPEAL_ROWS):
                self.put("appeals", key, values[5 * i : 5 * i + 5])

    def place_orphan(self, table: str, key: str) -> None:
        """An OCR'd row whose label OCR garbled, between two rows read by meaning: when the
        template has exactly one row between those two, it is that row (a garbled label
        never names a row on its own, and a row the template does not have between them
        leaves it unread)."""
        orphan, self.orphan = self.orphan, None
        if orphan is None or orphan[0] is None or orphan[0][0] != table:
            return
        prev = orphan[0][1]
        order = self._order(table, {prev, key})
        if key not in order or (prev is not None and prev not in order):
            return
        i = order.index(prev) + 1 if prev is not None else 0
        if order.index(key) - i == 1 and order[i] not in self.tables[table]:
            self.put(table, order[i], orphan[1])

    def _order(self, table: str, near: set) -> list[str]:
        if table == "active":
            return list(L.ACTIVE_ROWS[self.template or "2019"])
        if table == "appeals":
            return list(L.APPEAL_ROWS)
        split = bool(near & set(L.OTHER_SPLIT)) or any(
            r in self.tables[table] for r in L.OTHER_SPLIT
        )
        drop = {"other"} if split else set(L.OTHER_SPLIT)
        return [r for r in L.REQUEST_ROWS if r not in drop]

    def active_template(self) -> str | None:
        """The template table 二 as read shows: rows only 2019 has (其他对外管理服务事项, 政府
        集中采购), or how many numbers 行政许可/处罚/强制 print (2019: three; 2021: one)."""
        rows = self.tables["active"]
        if "other_management" in rows or "procurement" in rows:
            return "2019"
        widths = [self.widths.get(k) or 0 for k in ("licensing", "punishment", "coercion")]
        if max(widths) == 0:
            return None
        return "2021" if max(widths) == 1 else "2019"

    def columns(self, table: str, key: str) -> list[str]:
        if table == "requests":
            return L.REQUEST_COLS
        if table == "appeals":
            return L.APPEAL_COLS
        template = self.template or "2019"
        default = L.ACTIVE_ROWS[template].get(key) or L.ACTIVE_ROWS[
            "2021" if template == "2019" else "2019"
        ].get(key, [])
        allowed = set(L.ACTIVE_ROWS["2019"].get(key, [])) | set(L.ACTIVE_ROWS["2021"].get(key, []))
        if self.active_cols and set(self.active_cols) <= allowed:
            return self.active_cols
        return default

    def put(self, table: str, key: str, values: list[Value]) -> None:
        if table == "active":  # how many numbers the row prints, before they are fitted
            self.widths[key] = sum(1 for v in values if v.number is not None)
        cols = self.columns(table, key)
        fitted = _fit(values, len(cols))
        cells = {c: v.number for c, v in zip(cols, fitted, strict=True)}
        old = self.tables[table].get(key)
        if old is not None and (
            any(v is not None for v in old.values()) or all(v is None for v in cells.values())
        ):
            return  # the first printing of a row wins, unless it was empty
        self.tables[table][key] = cells
        self.provenance.setdefault(table, {})[key] = {
            c: v.pos for c, v in zip(cols, fitted, strict=True) if v.number is not None and v.pos
        }
        self.prev_row = (table, key)
        for c, v in zip(cols, fitted, strict=True):
            unit_key = f"{table}.{key}.{c}"
            if v.unit in ("万元", "元", "亿元"):
                self.units[unit_key] = v.unit
            else:
                self.units.pop(unit_key, None)
        self.last_key[table] = key


def _trim(values: list[Value], n: int) -> list[Value]:
    """Drop blank cells at the end, then at the start, while there are more than n."""
    values = list(values)
    while len(values) > n and values[-1].number is None:
        values.pop()
    while len(values) > n and values[0].number is None:
        values.pop(0)
    return values


def _fit(values: list[Value], n: int) -> list[Value]:
    values = _trim(values, n)
    if len(values) > n:
        return [Value(None)] * n  # more numbers than columns: which is which is unknown
    return values + [Value(None)] * (n - len(values))


def table_rows(table: Table) -> list[Row]:
    """Rows of a table as label and value cells, with spans collapsed."""
    rows = []
    for r, line in enumerate(table.grid()):
        cells: list[str] = []
        where: list[dict | None] = []
        seen = set()
        for pos in line:
            if pos is None:
                continue
            if id(pos.cell) in seen:
                continue
            seen.add(id(pos.cell))
            if pos.row != r:
                # a cell spanning down from above: keep it only as a group label
                if read_value(pos.text) is None:
                    cells.append(pos.text)
                    where.append(pos.cell.pos)
                continue
            cells.append(pos.text)
            where.append(pos.cell.pos)
        rows.append(split_row(cells, where))
    return rows


def flat_row(line: str, pos: dict | None = None) -> Row | None:
    """A row flattened into a line of text: a label and two or more numbers, or only numbers
    (every number placed where the line is: `pos`)."""
    line = " ".join(line.split())
    if _NUM_ROW.match(line):
        cells = line.split()
    else:
        m = _FLAT_ROW.match(line)
        if not m:
            return None
        cells = [m.group("label"), *m.group("nums").split()]
    return split_row(cells, [pos] * len(cells))


def split_row(cells: list[str], where: list[dict | None] | None = None) -> Row:
    kinds = [read_value(c) for c in cells]
    if where:
        kinds = [
            Value(k.number, k.unit, k.unreadable, p) if k is not None and p else k
            for k, p in zip(kinds, where, strict=False)
        ]
    last_label = max((i for i, k in enumerate(kinds) if k is None), default=-1)
    labels = [
        L.squash_label(c) for c, k in zip(cells[: last_label + 1], kinds, strict=False) if k is None
    ]
    labels = [x for x in labels if x]
    values = [k for k in kinds[last_label + 1 :]]
    return Row(labels, values)
