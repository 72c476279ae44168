"""Shared check: a crawl packaged from the index written with its WARC (crawler/wacz.py
`package`) against `wacz create`, which indexes the same WARC with cdxj-indexer."""

from __future__ import annotations

import gzip
import json
import zipfile


def assert_index_as_cdxj_indexer(store, crawl_id: str, tmp) -> list[str]:
    """Both WACZs of the crawl: the same index.cdx.gz and index.idx byte for byte, the same
    entries, stored or deflated alike, with the same hashes (pages.jsonl but for its random
    ids), both valid. Returns the CDXJ lines."""
    from crawler.wacz import package, package_reindexed, validate

    ours = package(store, crawl_id, tmp / "ours.wacz")  # raises if the index is stale
    theirs = package_reindexed(store, crawl_id, tmp / "theirs.wacz")
    assert validate(ours)[0], validate(ours)[1]
    with zipfile.ZipFile(ours) as a, zipfile.ZipFile(theirs) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        # stored or deflated alike: a replayer reads ranges of the stored WARC and index.cdx.gz
        kinds = ({i.filename: i.compress_type for i in z.infolist()} for z in (a, b))
        assert next(kinds) == next(kinds)
        lines = gzip.decompress(a.read("indexes/index.cdx.gz")).decode().splitlines(True)
        theirs_lines = gzip.decompress(b.read("indexes/index.cdx.gz")).decode().splitlines(True)
        assert lines == theirs_lines
        for name in ("indexes/index.cdx.gz", "indexes/index.idx"):
            assert a.read(name) == b.read(name), name
        if "pages/pages.jsonl" in a.namelist():
            assert _pages(a) == _pages(b)
        ra, rb = (
            {r["path"]: r for r in json.loads(z.read("datapackage.json"))["resources"]}
            for z in (a, b)
        )
        ra.pop("pages/pages.jsonl", None), rb.pop("pages/pages.jsonl", None)
        assert ra == rb
    return lines


def _pages(z) -> list[dict]:
    pages = [json.loads(x) for x in z.read("pages/pages.jsonl").splitlines()]
    for p in pages[1:]:
        assert p.pop("id")
    return pages
