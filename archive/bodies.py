"""A body (机关) is its name and its place. China has hundreds of 城关镇人民政府 and 城关街道办事处:
a name alone does not say which one, so a body is keyed by (name, place) where the place is
the region code (GB/T 2260) of the body, or, where no code is known, the government it belongs
to (the portal's parent).

The region is read from the body's own name where the name gives it (临清市教育局 found on the
聊城市 portal is 临清市's, 371581), else it is the region of the portal the report was found on
(its registry entry). The level (省 · 市 · 县 · 乡镇街道 · 部门) is the registry's for the
portal's own body, else read from the name: 街道 and 乡镇 by their suffix, a 人民政府 by its
region's level, anything else (局, 委员会, 办公室 …) a department.
"""

from __future__ import annotations

import re
from functools import lru_cache

from archive.regions import NAMES, split_region

TOWNSHIP = re.compile(r"(街道办事处|街道办|街道|镇人民政府|乡人民政府|镇政府|乡政府|镇|乡)$")
GOVERNMENT = re.compile(r"人民政府$")


@lru_cache(maxsize=1)
def _children() -> dict[str, list[str]]:
    """Region code → the codes one level below it (municipalities' districts under xx01)."""
    out: dict[str, list[str]] = {}
    for code in NAMES:
        if code.endswith("0000"):
            continue
        parent = code[:2] + "0000" if code.endswith("00") else code[:4] + "00"
        if not code.endswith("00") and code[:4] + "00" not in NAMES:
            parent = code[:2] + "0000"  # municipalities and 省直辖 units have no city entry
        out.setdefault(parent, []).append(code)
    for codes in out.values():
        codes.sort(key=lambda c: -len(NAMES[c]))  # the longest name first
    return out


def _strip(rest: str, codes: list[str]) -> tuple[str | None, str]:
    for c in codes:
        if rest.startswith(NAMES[c]):
            return c, rest[len(NAMES[c]) :]
    return None, rest


def locate(name: str | None, portal_code: str | None) -> str | None:
    """The region code a body's name gives, read province → city → county within the portal's
    province; the portal's code where the name gives none."""
    code = (portal_code or "").strip()[:6]
    if not name or len(code) != 6 or not code.isdigit():
        return code or None
    province = code[:2] + "0000"
    found, rest = None, name
    if province in NAMES and rest.startswith(NAMES[province]):
        found, rest = province, rest[len(NAMES[province]) :]
    city, rest = _strip(rest, [c for c in _children().get(province, []) if c.endswith("00")])
    found = city or found
    within = city or (code[:4] + "00" if not code.endswith("0000") else None)
    counties = _children().get(within, []) if within else []
    if not counties and within:  # a municipality: its districts hang under the province
        counties = [c for c in _children().get(province, []) if c[:4] == within[:4]]
    county, rest = _strip(rest, [c for c in counties if not c.endswith("00")])
    return county or found or code


def level_of(name: str, code: str | None, portal: dict) -> str | None:
    if portal.get("name") == name and portal.get("level"):
        return portal["level"]
    if TOWNSHIP.search(name) or "街道办事处" in name:
        return "乡镇街道"
    if GOVERNMENT.search(name):
        if not code:
            return portal.get("level")
        return "省" if code.endswith("0000") else "市" if code.endswith("00") else "县"
    return "部门"


def body_of(name: str | None, portal: dict | None) -> dict | None:
    """The bodies row (without id) of the body named `name`, found on `portal` (a portals
    row: name, region_code, level, parent). None for a report that names no body."""
    if not name:
        return None
    portal = portal or {}
    code = locate(name, portal.get("region_code"))
    # the portal's own government belongs to the portal's parent; any other body to the
    # government whose portal published it
    own = portal.get("name") == name or (
        code == portal.get("region_code") and name == f"{NAMES.get(code or '', '')}人民政府"
    )
    parent = portal.get("parent") if own else portal.get("name")
    return {
        "name": name,
        "place": code or parent or "",
        "region_code": code,
        **split_region(code),
        "level": level_of(name, code, portal),
        "parent": parent,
        "portal": portal.get("name"),
    }
