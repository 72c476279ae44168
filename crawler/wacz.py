"""Each finished crawl packaged as a WACZ (Web Archive Collection Zipped, with the `wacz`
package): its WARC, a CDXJ index, pages/pages.jsonl listing the report pages and documents the
crawl fetched, and the crawl's log. ReplayWeb.page opens the file as it is; pywb replays it
after `wb-manager add` (docs/crawling.md)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path


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


def _wacz_main():
    import warnings

    with warnings.catch_warnings():  # pyamf, which wacz imports, still imports pkg_resources
        warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
        from wacz.main import main
    return main


def write_wacz(store, crawl_id: str) -> Path:
    """ARCHIVE/wacz/<crawl_id>.wacz from the crawl's WARC; returns its path."""
    wacz_main = _wacz_main()

    warc = store.warc.path(crawl_id)
    if not warc.exists():
        raise FileNotFoundError(f"no WARC for crawl {crawl_id}: {warc}")
    out = store.root / "wacz" / f"{crawl_id}.wacz"
    out.parent.mkdir(exist_ok=True)
    part = out.with_suffix(".wacz.part")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pages = report_pages(store, crawl_id)
        pages_file = tmp / "pages.jsonl"
        lines = [
            {
                "format": "json-pages-1.0",
                "id": "pages",
                "title": f"Report pages of crawl {crawl_id}",
            },
            *pages,
        ]
        pages_file.write_text(
            "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8"
        )
        args = [
            "create",
            "-o",
            str(part),
            "--title",
            f"ogi-archive crawl {crawl_id}",
            "--desc",
            f"政府信息公开工作年度报告 captured by ogi-archive ({len(pages)} pages)",
        ]
        if pages:
            args += ["-p", str(pages_file)]
        log = store.root / "logs" / f"{crawl_id}.log"
        if log.exists():
            (tmp / "logs").mkdir()
            shutil.copy(log, tmp / "logs" / log.name)
            args += ["-l", str(tmp / "logs")]
        with contextlib.redirect_stdout(io.StringIO()) as said:  # wacz prints its progress
            status = wacz_main([*args, str(warc)])
    if status != 0:
        part.unlink(missing_ok=True)
        raise RuntimeError(f"wacz create failed: {said.getvalue()[-500:]}")
    os.replace(part, out)
    return out


def validate(path: str | Path) -> tuple[bool, str]:
    """`wacz validate -f path`: (valid, what it printed)."""
    wacz_main = _wacz_main()
    with contextlib.redirect_stdout(io.StringIO()) as said:
        status = wacz_main(["validate", "-f", str(path)])
    return status == 0, said.getvalue()
