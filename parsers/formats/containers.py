"""ZIP and RAR attachments: archives of documents, not documents. `unpack` extracts their
members under the limits every file meets (parsers.runner.limits: sizes and compression
ratios declared and then measured, how many members, how deep archives nest) and refuses what
no report needs: names that climb out of the archive (../, absolute paths, drive letters),
links, encrypted members. Every member is a document of its own; a refused one is kept with
its reason and no bytes.

ZIP through the standard library (member names in GBK, as Windows writes them without the
UTF-8 flag, are decoded as such); RAR through rarfile, which reads the headers (names, sizes,
flags) in Python, and unar (Debian's `unar`), which extracts the checked members into a
scratch folder under a time limit (parsers.runner.commands).
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from parsers.model import ParseError

MAX_MEMBERS = 200  # attachments of one archive (a report and its 图解 are a handful)
MAX_DEPTH = 2  # an archive inside an archive is opened; one more level is refused
UNAR_TIMEOUT_S = 120
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass
class Member:
    path: str  # its name in the archive (nested: outer.zip/inner.zip/name)
    data: bytes | None  # None when refused
    error: str | None = None

    @property
    def size(self) -> int:
        return len(self.data or b"")


def unpack(data: bytes, fmt: str, name: str = "", depth: int = 0) -> list[Member]:
    """The members of a ZIP or RAR archive (nested archives opened in place, MAX_DEPTH deep)."""
    from parsers.runner.limits import MAX_UNZIPPED_MB

    budget = [MAX_UNZIPPED_MB * 2**20]  # bytes the whole archive may unpack to, all levels
    return _unpack(data, fmt, "", depth, budget)


def _unpack(data: bytes, fmt: str, prefix: str, depth: int, budget: list[int]) -> list[Member]:
    from parsers.formats.sniff import CONTAINERS, sniff_format

    raw = _zip_members(data, budget) if fmt == "zip" else _rar_members(data, budget)
    if len(raw) > MAX_MEMBERS:
        raise ParseError(
            f"{fmt.upper()} archive has too many members: {len(raw)} (limit {MAX_MEMBERS})"
        )
    out: list[Member] = []
    for m in raw:
        m.path = prefix + m.path
        if m.data is None:
            out.append(m)
            continue
        try:
            inner = sniff_format(m.data, name=m.path)
        except ParseError:
            inner = ""
        if inner in CONTAINERS:
            if depth + 1 >= MAX_DEPTH:
                out.append(
                    Member(m.path, None, f"archive nested too deeply (over {MAX_DEPTH} levels)")
                )
                continue
            try:
                out += _unpack(m.data, inner, m.path + "/", depth + 1, budget)
            except ParseError as e:
                out.append(Member(m.path, None, str(e)))
            continue
        out.append(m)
    return out


def safe_name(name: str) -> str | None:
    """The member's path inside the archive, or None when it would leave the archive.
    zipfile's extract() rewrites such names silently and rarfile leaves them to the tool;
    the archive must refuse them with a reason, so the check is ours."""
    n = name.replace("\\", "/")
    if n.startswith("/") or _DRIVE.match(n) or "\x00" in n:
        return None
    norm = posixpath.normpath(n)
    if norm == ".." or norm.startswith("../") or "/../" in f"/{n}/":
        return None
    return norm


def _take(budget: list[int], size: int, name: str) -> str | None:
    from parsers.runner.limits import max_bytes

    if size > max_bytes():
        return f"member too large: {size / 2**20:.1f} MB (limit {max_bytes() / 2**20:.0f} MB)"
    if size > budget[0]:
        return "archive unpacks to more than its limit (OGI_MAX_UNZIPPED_MB): bomb refused"
    budget[0] -= size
    return None


def _zip_name(info: zipfile.ZipInfo) -> str:
    # zipfile's metadata_encoding takes one encoding for every name of an archive; archives
    # made on Chinese Windows mix UTF-8 names without the flag and GBK ones: each is tried
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437", "replace")
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return info.filename


def _zip_members(data: bytes, budget: list[int]) -> list[Member]:
    from parsers.runner.limits import MAX_RATIO, check_zip

    check_zip(data)  # declared sizes, ratios, part count
    zf = zipfile.ZipFile(io.BytesIO(data))
    out = []
    for info in zf.infolist():
        if info.is_dir():
            continue
        name = _zip_name(info)
        path = safe_name(name)
        if path is None:
            out.append(Member(name, None, "refused: the name leaves the archive (path traversal)"))
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            out.append(Member(path, None, "refused: a symbolic link"))
            continue
        if info.flag_bits & 0x1:
            out.append(Member(path, None, "encrypted member (a password is needed)"))
            continue
        err = _take(budget, info.file_size, path)
        if err:
            out.append(Member(path, None, err))
            continue
        try:
            with zf.open(info) as f:
                body = f.read(info.file_size + 1)  # never more than it declared
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as e:
            out.append(Member(path, None, f"unreadable member: {e}"))
            continue
        if len(body) > info.file_size or (
            len(body) > 2**20 and len(body) > MAX_RATIO * max(info.compress_size, 1)
        ):
            out.append(
                Member(path, None, "bomb refused: the member inflates past what it declares")
            )
            continue
        out.append(Member(path, body))
    return out


def _rar_members(data: bytes, budget: list[int]) -> list[Member]:
    import rarfile
    from parsers.runner.commands import run_command

    with tempfile.TemporaryDirectory(prefix="ogi-rar-") as tmp:
        arc = Path(tmp) / "archive.rar"
        arc.write_bytes(data)
        try:
            rf = rarfile.RarFile(str(arc))
            infos = rf.infolist()
        except (rarfile.Error, OSError, ValueError, EOFError) as e:
            raise ParseError(f"unreadable RAR archive: {type(e).__name__}: {e}") from None
        if rf.needs_password():
            raise ParseError("encrypted RAR archive (a password is needed)")
        out, wanted = [], []
        for index, info in enumerate(infos):
            if info.is_dir():
                continue
            name = info.filename
            path = safe_name(name)
            if path is None:
                out.append(
                    Member(name, None, "refused: the name leaves the archive (path traversal)")
                )
            elif info.is_symlink() or info.file_redir:
                out.append(Member(path, None, "refused: a link"))
            elif info.needs_password():
                out.append(Member(path, None, "encrypted member (a password is needed)"))
            elif err := _take(budget, info.file_size, path):
                out.append(Member(path, None, err))
            else:
                wanted.append((info, path, index))
        if not wanted:
            return out
        dest = Path(tmp) / "out"
        dest.mkdir()
        # by index (the headers' order, as rarfile lists them): names would be wildcards
        res = run_command(
            [
                "unar",
                "-q",
                "-D",
                "-nr",
                "-f",
                "-k",
                "skip",
                "-o",
                str(dest),
                "-i",
                str(arc),
                *(str(i) for _, _, i in wanted),
            ],
            timeout_s=UNAR_TIMEOUT_S,
            what="unar",
        )
        for info, path, _ in wanted:
            f = dest / path
            try:
                inside = f.resolve().is_relative_to(dest.resolve())
                size = f.stat().st_size if inside and f.is_file() and not f.is_symlink() else -1
            except OSError:
                size = -1
            if size < 0:
                why = (res.stderr or res.stdout).decode("utf-8", "replace").strip()[-200:]
                out.append(
                    Member(path, None, f"unar could not extract it{': ' + why if why else ''}")
                )
            elif size > info.file_size:
                out.append(
                    Member(path, None, "bomb refused: the member inflates past what it declares")
                )
            else:
                out.append(Member(path, f.read_bytes()))
        return out


def container_record(members: list[Member], fmt: str, extract: bool = False) -> dict:
    """The record of an archive: its members (path, size, error), and with `extract` each
    member's own extraction record (what `ogi extract` prints for an archive)."""
    import hashlib

    rows = []
    for m in members:
        row = {
            "path": m.path,
            "size": m.size,
            "sha256": hashlib.sha256(m.data).hexdigest() if m.data is not None else None,
            "error": m.error,
        }
        if extract and m.data is not None:
            import parsers

            try:
                row["record"] = parsers.extract_bytes(m.data, name=os.path.basename(m.path))
            except ParseError as e:
                row["error"] = str(e)
        rows.append(row)
    import parsers

    return {
        "title": None,
        "agency": None,
        "year": None,
        "template": None,
        "tables": {"active": None, "requests": None, "appeals": None},
        "units": {},
        "checks": [],
        "sections": [],
        "format": fmt,
        "pages": None,
        "notes": [f"{fmt} archive of {len(members)} member(s): each is a document"],
        "members": rows,
        "extractor_version": parsers.PARSER_VERSION,
    }
