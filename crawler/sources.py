"""The portal registry: YAML files under sources/, one entry per portal (or portal column).

portals:
  - name: 临清市人民政府              # unique across all files
    region_code: "371581"            # GB/T 2260, 6 digits, optional
    level: 县                         # 省 | 市 | 县 | 乡镇街道 | 部门
    parent: 聊城市人民政府            # optional
    family: trs                      # trs | hanweb | gkmlpt | ucap | generic, optional (detected)
    start_urls: [http://www.linqing.gov.cn/xxgk/ndbg/index.html]
    allowed_domains: [www.linqing.gov.cn]   # optional, default: hosts of start_urls
    catid: "2637"                     # gkmlpt only, optional (else the URL fragment)
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

FAMILIES = ("trs", "hanweb", "gkmlpt", "ucap", "generic")
LEVELS = ("省", "市", "县", "乡镇街道", "部门")
KNOWN = {
    "name",
    "region_code",
    "level",
    "parent",
    "family",
    "start_urls",
    "allowed_domains",
    "catid",
    "notes",
}


@dataclass
class Portal:
    name: str
    start_urls: list[str]
    level: str | None = None
    region_code: str | None = None
    parent: str | None = None
    family: str | None = None
    allowed_domains: list[str] = field(default_factory=list)
    catid: str | None = None
    source_file: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


class SourceError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def source_files(path: str | Path) -> list[Path]:
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
    return [path]


def _check_entry(raw, where: str, problems: list[str]) -> Portal | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: an entry must be a mapping, got {type(raw).__name__}")
        return None
    bad = len(problems)
    for key in sorted(set(raw) - KNOWN):
        known = ", ".join(sorted(KNOWN))
        problems.append(f"{where}: field '{key}': unknown field (known: {known})")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where}: field 'name': required, a non-empty string")
    urls = raw.get("start_urls")
    if isinstance(urls, str):
        urls = [urls]
    if not isinstance(urls, list) or not urls:
        problems.append(f"{where}: field 'start_urls': required, a list of http(s) URLs")
        urls = []
    for u in urls:
        parts = urlsplit(str(u))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(f"{where}: field 'start_urls': not an http(s) URL: {u!r}")
    code = raw.get("region_code")
    if code is not None and not re.fullmatch(r"\d{6}", str(code)):
        problems.append(
            f"{where}: field 'region_code': must be 6 digits (GB/T 2260), got {code!r}"
            + (" (quote it in YAML to keep leading zeros)" if isinstance(code, int) else "")
        )
    level = raw.get("level")
    if level is not None and level not in LEVELS:
        problems.append(f"{where}: field 'level': {level!r} is not one of {', '.join(LEVELS)}")
    family = raw.get("family")
    if family is not None and family not in FAMILIES:
        problems.append(f"{where}: field 'family': {family!r} is not one of {', '.join(FAMILIES)}")
    domains = raw.get("allowed_domains") or []
    if not isinstance(domains, list) or not all(isinstance(d, str) and d for d in domains):
        problems.append(f"{where}: field 'allowed_domains': must be a list of host names")
        domains = []
    if len(problems) > bad:
        return None
    hosts = [urlsplit(u).hostname for u in urls]
    return Portal(
        name=name.strip(),
        start_urls=[str(u) for u in urls],
        level=level,
        region_code=str(code) if code is not None else None,
        parent=raw.get("parent"),
        family=family,
        allowed_domains=domains or sorted(set(hosts)),
        catid=str(raw["catid"]) if raw.get("catid") is not None else None,
    )


def load_sources(path: str | Path, strict: bool = True) -> list[Portal]:
    """Load every portal of a YAML file or a directory of them; raise SourceError listing
    every problem (file, entry, field) when strict."""
    portals, problems, seen = [], [], {}
    files = source_files(path)
    if not files or not all(f.exists() for f in files):
        raise SourceError([f"{path}: no such file or directory of *.yaml"])
    for f in files:
        try:
            doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            problems.append(f"{f}: not valid YAML: {e}")
            continue
        entries = doc.get("portals") if isinstance(doc, dict) else None
        if not isinstance(entries, list):
            problems.append(f"{f}: expected a top-level 'portals:' list")
            continue
        for i, raw in enumerate(entries):
            label = raw.get("name") if isinstance(raw, dict) else None
            where = f"{f}: entry {i + 1}" + (f" ({label})" if label else "")
            if isinstance(label, str) and label.strip() in seen:
                first = seen[label.strip()]
                problems.append(f"{where}: field 'name': duplicate of an entry in {first}")
                continue
            if isinstance(label, str):
                seen[label.strip()] = f
            portal = _check_entry(raw, where, problems)
            if portal is None:
                continue
            portal.source_file = str(f)
            portals.append(portal)
    if problems and strict:
        raise SourceError(problems)
    return portals


def check_sources(path: str | Path) -> list[str]:
    """Every problem found, as 'file: entry N (name): field 'x': message' lines."""
    try:
        load_sources(path)
    except SourceError as e:
        return e.problems
    return []
