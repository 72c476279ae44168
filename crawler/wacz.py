"""Each finished crawl packaged as a WACZ (Web Archive Collection Zipped, with the `wacz`
package): its WARC, a CDXJ index, pages/pages.jsonl listing the report pages and documents the
crawl fetched, and the crawl's log. ReplayWeb.page opens the file as it is; pywb replays it
after `wb-manager add` (docs/crawling.md)."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import json
import logging
import os
import re
import shutil
import tempfile
import warnings
import zlib
from pathlib import Path

log = logging.getLogger(__name__)


def report_pages(store, crawl_id: str) -> list[dict]:
    """The report pages and documents of a crawl as pages.jsonl entries (fetched with a body;
    when nothing changed since the last crawl, the ones answered 304)."""
    for statuses in ((200,), (304,)):
        rows = list(
            store.db.query(
                f"select final_url, link_text, kind from captures where crawl_id = ? and "
                f"is_report = 1 and status in ({', '.join(map(str, statuses))}) order by id",
                [crawl_id],
            )
        )
        if rows:
            seen, out = set(), []
            for r in rows:
                if r["final_url"] not in seen:
                    seen.add(r["final_url"])
                    out.append({"url": r["final_url"], "title": r["link_text"] or r["final_url"]})
            return out
    return []


# wacz.main's DEFAULT_NUM_LINES: CDXJ lines per gzip block of index.cdx.gz, as `wacz create`
# writes them (wacz.main itself is not imported for it: it imports frictionless, some 0.4 s).
INDEX_LINES = 1024


def _wacz_main():
    with warnings.catch_warnings():  # pyamf, which wacz imports, still imports pkg_resources
        warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
        from wacz.main import main
    return main


def write_wacz(store, crawl_id: str) -> Path:
    """ARCHIVE/wacz/<crawl_id>.wacz from the crawl's WARC; returns its path. Packaged from the
    index written with the WARC (`package`) when that index covers the whole file; otherwise
    (a WARC written before it existed, a part gathered from a Scrapyd node that wrote none,
    an index a kill left short; `ogi collect` merges the nodes' indexes) `wacz create` reads
    the WARC again (`package_reindexed`)."""
    warc = store.warc.path(crawl_id)
    if not warc.exists():
        raise FileNotFoundError(f"no WARC for crawl {crawl_id}: {warc}")
    out = store.root / "wacz" / f"{crawl_id}.wacz"
    out.parent.mkdir(exist_ok=True)
    try:
        return package(store, crawl_id, out)
    except StaleIndex as e:
        log.info("WACZ of %s: %s; indexing its WARC again", crawl_id, e)
    return package_reindexed(store, crawl_id, out)


class StaleIndex(Exception):
    """The index written with the WARC does not describe the file as it is."""


def _pages_lines(store, crawl_id: str) -> list[str]:
    """pages.jsonl of the crawl's report pages, header first (no timestamps: they are those of
    the pages' records in the WARC)."""
    header = {
        "format": "json-pages-1.0",
        "id": "pages",
        "title": f"Report pages of crawl {crawl_id}",
    }
    return [
        json.dumps(x, ensure_ascii=False) + "\n" for x in [header, *report_pages(store, crawl_id)]
    ]


def _title(crawl_id: str, pages: int) -> tuple[str, str]:
    return (
        f"ogi-archive crawl {crawl_id}",
        f"政府信息公开工作年度报告 captured by ogi-archive ({pages} pages)",
    )


def package_reindexed(store, crawl_id: str, out: Path) -> Path:
    """The WACZ made by `wacz create`, which indexes the WARC with cdxj-indexer and reads every
    entry of the zip back to hash it."""
    wacz_main = _wacz_main()
    warc = store.warc.path(crawl_id)
    part = out.with_suffix(".wacz.part")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pages = _pages_lines(store, crawl_id)
        (tmp / "pages.jsonl").write_text("".join(pages), encoding="utf-8")
        title, desc = _title(crawl_id, len(pages) - 1)
        args = ["create", "-o", str(part), "--title", title, "--desc", desc]
        if len(pages) > 1:
            args += ["-p", str(tmp / "pages.jsonl")]
        log_file = store.root / "logs" / f"{crawl_id}.log"
        if log_file.exists():
            (tmp / "logs").mkdir()
            shutil.copy(log_file, tmp / "logs" / log_file.name)
            args += ["-l", str(tmp / "logs")]
        with contextlib.redirect_stdout(io.StringIO()) as said:  # wacz prints its progress
            status = wacz_main([*args, str(warc)])
    if status != 0:
        part.unlink(missing_ok=True)
        raise RuntimeError(f"wacz create failed: {said.getvalue()[-500:]}")
    os.replace(part, out)
    return out


def read_index(store, crawl_id: str) -> list[list]:
    """The index entries written with the crawl's WARC (archive/warc.py), in file order; raises
    StaleIndex unless their pairs tile the whole file, from 0 to its end."""
    from archive.warc import parse_index_line

    path, warc = store.warc.index_path(crawl_id), store.warc.path(crawl_id)
    if not path.exists():
        raise StaleIndex("no index was written with its WARC")
    entries, at = [], 0
    with open(path, "rb") as fh:
        for n, line in enumerate(fh, 1):
            entry = parse_index_line(line)
            if entry is None:
                raise StaleIndex(f"index line {n} is torn or not an index line")
            if entry[0] != at:
                raise StaleIndex(f"index line {n} starts at {entry[0]}, not {at}")
            entries.append(entry)
            at = entry[2]
    size = warc.stat().st_size
    if at != size:
        raise StaleIndex(f"the index ends at byte {at} of {size}")
    return entries


class _Hashing:
    """A writable that hashes (sha256) and counts what goes through it."""

    def __init__(self, out):
        self.out, self.sha, self.size = out, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        self.size += len(data)
        return self.out.write(data)

    def resource(self, path: str) -> dict:
        """The datapackage.json entry (WACZIndexer.generate_datapackage's fields)."""
        name = os.path.basename(path).lower()
        return {
            "name": name,
            "path": path,
            "hash": "sha256:" + self.sha.hexdigest(),
            "bytes": self.size,
        }


def _copy_range(src, dst, n: int, *hashers) -> None:
    while n > 0:
        data = src.read(min(n, 1 << 20))
        if not data:
            raise StaleIndex("the WARC ended before its index")
        for h in hashers:
            h.update(data)
        dst.write(data)
        n -= len(data)


def _record_id(member: bytes) -> bytes:
    """The WARC-Record-ID of the record starting a gzip member (from its first bytes)."""
    try:
        head = zlib.decompressobj(wbits=31).decompress(member, 1024)
    except zlib.error:
        return b""
    found = re.search(rb"\r\nWARC-Record-ID: *([^\r\n]*)", head)
    return found.group(1) if found else b""


def package(store, crawl_id: str, out: Path) -> Path:
    """The WACZ written here from the index written with the WARC, with the pieces the `wacz`
    and `cdxj-indexer` packages give (`wacz create` has no way to take a ready index). The
    WARC is read once, to copy it into the zip; the response records' digests, the WARC's
    sha256 and the check that each index entry names the record at its offset are taken from
    that copy. The entries of `wacz create` (the archive first here: the index needs its
    digests); raises StaleIndex if the index does not describe the WARC."""
    import zipfile

    entries = read_index(store, crawl_id)
    part = out.with_suffix(".wacz.part")
    try:
        with zipfile.ZipFile(part, "w") as z:
            resources = [*_write_warc_and_index(z, store.warc.path(crawl_id), entries)]
            log_file = store.root / "logs" / f"{crawl_id}.log"
            if log_file.exists():
                info = zipfile.ZipInfo.from_file(log_file, f"logs/{log_file.name}")
                with open(log_file, "rb") as src, z.open(info, "w") as dst:
                    dst = _Hashing(dst)
                    shutil.copyfileobj(src, dst)
                resources.append(dst.resource(info.filename))
            pages = _pages_lines(store, crawl_id)
            found = _timestamped_pages(pages, entries)
            if found:
                resources.append(_write_entry(z, "pages/pages.jsonl", found.encode("utf-8")))
            _write_datapackage(z, resources, *_title(crawl_id, len(pages) - 1))
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, out)
    return out


def _wacz_parts():
    with warnings.catch_warnings():  # pyamf, which wacz imports, still imports pkg_resources
        warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
        import cdxj_indexer.main
        import wacz.util
        import wacz.waczindexer
    return cdxj_indexer.main, wacz.util, wacz.waczindexer.WACZIndexer


def _write_warc_and_index(z, warc: Path, entries: list[list]) -> list[dict]:
    """archive/<warc>, then indexes/index.cdx.gz and index.idx from the entries' lines (sorted,
    1,024 to a gzip block, as `wacz create`); their datapackage entries."""
    import zipfile

    from archive.warc import cdxj_line

    cdxj, util, _ = _wacz_parts()
    lines = []
    info = zipfile.ZipInfo.from_file(warc, f"archive/{warc.name}")
    with open(warc, "rb") as src, z.open(info, "w") as dst:
        dst = _Hashing(dst)
        for entry in entries:
            start, middle, end, record_id = entry[:4]
            head = src.read(min(middle - start, 4096))
            if _record_id(head) != record_id.encode():
                raise StaleIndex(f"no record {record_id} at byte {start}")
            digest = hashlib.sha256(head)
            dst.write(head)
            _copy_range(src, dst, middle - start - len(head), digest)
            _copy_range(src, dst, end - middle)
            lines.append(cdxj_line(entry, warc.name, "sha256:" + digest.hexdigest()))
        if src.read(1):
            raise StaleIndex("the WARC grew while it was packaged")
    idx = io.StringIO()
    cdx = zipfile.ZipInfo("indexes/index.cdx.gz", util.now())
    with z.open(cdx, "w") as data:
        data = _Hashing(data)
        writer = cdxj.CompressedWriter(
            idx,
            data_out=data,
            num_lines=INDEX_LINES,
            data_out_name="index.cdx.gz",
            digest_records=True,
        )
        sorting = cdxj.SortingWriter(writer)
        for line in lines:
            sorting.write(line)
        sorting.flush()
    return [
        dst.resource(info.filename),
        data.resource(cdx.filename),
        _write_entry(z, "indexes/index.idx", idx.getvalue().encode()),
    ]


def _timestamped_pages(pages: list[str], entries: list[list]) -> str:
    """pages.jsonl with each page found in the WARC given the timestamp of its first response
    record, as WACZIndexer.check_pages_and_text gives it; "" if none is found."""
    _, util, indexer = _wacz_parts()
    wanted = util.construct_passed_pages_dict(pages[1:])
    found = {}
    for entry in entries:
        if not wanted:
            break
        url, ts = entry[6]["url"], entry[5]
        key = util.check_http_and_https(url, ts, wanted)
        if key:
            page = wanted.pop(key)
            page["timestamp"] = ts
            page.setdefault("url", url)
            page.setdefault("title", url)
            found[key] = page
    if not found:
        return ""
    header = json.loads(pages[0])
    lines = indexer(None, []).serialize_json_pages(
        found.values(), id=header["id"], title=header["title"]
    )
    return "".join(lines)


def _write_datapackage(z, resources: list[dict], title: str, desc: str) -> None:
    """datapackage.json (WACZIndexer.generate_datapackage's, from the hashes taken as each
    entry was written) and datapackage-digest.json."""
    _, util, indexer = _wacz_parts()
    package = {"profile": "data-package", "resources": resources}
    package["title"], package["description"] = title, desc
    package["created"] = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    package["wacz_version"] = util.WACZ_VERSION
    package["software"] = "py-wacz " + util.get_py_wacz_version()
    body = json.dumps(package, indent=2).encode("utf-8")
    _write_entry(z, "datapackage.json", body)
    digest = indexer(None, []).generate_datapackage_digest(body)
    _write_entry(z, "datapackage-digest.json", digest.encode("utf-8"))


def _write_entry(z, path: str, data: bytes) -> dict:
    """A deflated zip entry (as `wacz create` writes its small ones); its datapackage entry."""
    import zipfile

    info = zipfile.ZipInfo(path, _wacz_parts()[1].now())
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data)
    out = _Hashing(io.BytesIO())
    out.write(data)
    return out.resource(path)


def validate(path: str | Path) -> tuple[bool, str]:
    """`wacz validate -f path`: (valid, what it printed)."""
    wacz_main = _wacz_main()
    with contextlib.redirect_stdout(io.StringIO()) as said:
        status = wacz_main(["validate", "-f", str(path)])
    return status == 0, said.getvalue()
