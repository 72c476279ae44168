"""Score an extraction record against a synthetic report's truth, cell by cell."""

from __future__ import annotations

from dataclasses import dataclass, field


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    try:
        return abs(float(a) - float(b)) < 1e-9
    except (TypeError, ValueError):
        return False


def _cells(tables: dict | None) -> dict[str, object]:
    out = {}
    for t, rows in (tables or {}).items():
        if not rows:
            continue
        for r, cols in rows.items():
            for c, v in (cols or {}).items():
                out[f"{t}.{r}.{c}"] = v
    return out


@dataclass
class Score:
    cells: int = 0  # truth cells plus extra cells the extractor invented
    correct: int = 0
    wrong: list = field(default_factory=list)  # (path, want, got); got "<absent>"/want "<extra>"
    meta: list = field(default_factory=list)  # (field, want, got) for year/template/agency/checks

    @property
    def accuracy(self) -> float:
        return self.correct / self.cells if self.cells else 1.0

    @property
    def exact(self) -> bool:
        return not self.wrong and not self.meta

    @property
    def blanked(self) -> int:
        """Cells left null where the truth has a number (safe: nobody quotes a blank)."""
        return sum(
            1
            for _, want, got in self.wrong
            if got in (None, "<absent>") and want not in (None, "<extra>")
        )

    @property
    def misread(self) -> int:
        """Cells holding a number that is not the truth: the ones a journalist would quote."""
        return sum(1 for _, _, got in self.wrong if got not in (None, "<absent>"))

    def add(self, other: "Score") -> None:
        self.cells += other.cells
        self.correct += other.correct
        self.wrong += other.wrong
        self.meta += other.meta


def score(truth: dict, got: dict) -> Score:
    s = Score()
    want, have = _cells(truth.get("tables")), _cells(got.get("tables"))
    for path, v in want.items():
        s.cells += 1
        if path in have and _same(v, have[path]):
            s.correct += 1
        else:
            s.wrong.append((path, v, have.get(path, "<absent>")))
    for path in have.keys() - want.keys():
        s.cells += 1
        s.wrong.append((path, "<extra>", have[path]))
    for t in ("active", "requests", "appeals"):
        if (truth["tables"].get(t) is None) != ((got.get("tables") or {}).get(t) is None):
            s.meta.append(
                (
                    f"tables.{t}",
                    truth["tables"].get(t) is None and "null" or "present",
                    "null" if (got.get("tables") or {}).get(t) is None else "present",
                )
            )
    for k in ("year", "template", "agency"):
        g = got.get(k)
        ok = (g in truth[k]) if isinstance(truth[k], list) else g == truth[k]
        if not ok:
            s.meta.append((k, truth[k], g))
    if sorted(truth["checks"]) != sorted(got.get("checks") or []):
        s.meta.append(("checks", sorted(truth["checks"]), sorted(got.get("checks") or [])))
    if (truth.get("units") or {}) != (got.get("units") or {}):
        s.meta.append(("units", truth.get("units"), got.get("units")))
    return s


def text_check_counts(truth: dict, got: dict) -> tuple[int, int, int]:
    """The text-vs-table checks of a record against the planted ones (a truth record's
    `text_checks`: ids): (found, raised but not planted, planted but not found)."""
    want = set(truth.get("text_checks") or [])
    have = {c["id"] for c in got.get("text_checks") or []}
    return len(want & have), len(have - want), len(want - have)
