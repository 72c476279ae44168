"""The crawls' WARC files: ARCHIVE/warc/<crawl_id>.warc.gz, one per crawl.

Each fetch is a response record and a request record (warcio builds them), each record its own
gzip member, so a reader can seek to any record and a torn tail can be cut back to the last
complete pair. The capture rows that point at these records live in archive/captures.py.

Beside each WARC, ARCHIVE/warc/<crawl_id>.index.jsonl holds, for every pair as it is written,
the parts of its CDXJ line (what cdxj-indexer would read back from the records) and where the
pair lies in the file: the crawl's WACZ is packaged from it without reading the WARC again
(crawler/wacz.py). A line is a JSON array:
[start, response end, pair end, response WARC-Record-ID, urlkey, timestamp, fields, request fields]
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import warnings
import zlib
from pathlib import Path


log = logging.getLogger(__name__)


class WarcFiles:
    """The open .warc.gz files of the crawls written to ARCHIVE/warc/."""

    def __init__(self, root: Path):
        self.root = Path(root)  # the archive: paths given back are relative to it
        (self.root / "warc").mkdir(parents=True, exist_ok=True)
        self._open: dict[str, _GzipMembers] = {}
        self._index: dict[str, object] = {}  # the open index files, beside the WARCs

    def path(self, crawl_id: str) -> Path:
        if not re.match(r"^[\w.-]+$", crawl_id):
            raise ValueError(f"unsafe crawl id {crawl_id!r}")
        return self.root / "warc" / f"{crawl_id}.warc.gz"

    def index_path(self, crawl_id: str) -> Path:
        """The crawl's index lines, written with its WARC (see the module's doc)."""
        return self.path(crawl_id).with_name(f"{crawl_id}.index.jsonl")

    def write(
        self,
        crawl_id: str,
        url: str,
        method: str,
        request_headers: list,
        request_body: bytes,
        status: int,
        reason: str,
        response_headers: list,
        body: bytes,
        fetched_at: str,
        truncated: str | None = None,
    ) -> tuple[str, int]:
        """Append a response and a request record; returns (warc file, offset of the pair).
        truncated: the WARC-Truncated reason ('disconnect', 'length') of a partial body.
        Each record is one gzip member (what every WARC reader expects of a .warc.gz)."""
        from warcio.statusandheaders import StatusAndHeaders

        path = self.path(crawl_id)
        fh = self._open.get(crawl_id)
        if fh is None:
            fh = self._open[crawl_id] = _GzipMembers(open(path, "ab"))
            self._index[crawl_id] = open(self.index_path(crawl_id), "ab")
        offset = fh.tell()
        writer = fh.writer
        date = fetched_at.replace(".000000", "")[:19] + "Z"
        # the body is stored de-chunked: a Transfer-Encoding header would misdescribe it
        headers = [(k, v) for k, v in response_headers if k.lower() != "transfer-encoding"]
        http = StatusAndHeaders(f"{status} {reason}".strip(), headers, protocol="HTTP/1.1")
        fh.level = _gzip_level(body)
        more = {"WARC-Truncated": truncated} if truncated else {}
        resp = _record(writer, url, "response", body, http, date, more)
        writer.write_record(resp)
        middle = fh.tell()
        path_q = url.split("/", 3)[3] if url.count("/") >= 3 else ""
        req_http = StatusAndHeaders(
            f"{method} /{path_q} HTTP/1.1", request_headers, is_http_request=True
        )
        request_body = request_body or b""
        fh.level = 6
        req = _record(writer, url, "request", request_body, req_http, date)
        req.rec_headers.add_header(
            "WARC-Concurrent-To", resp.rec_headers.get_header("WARC-Record-ID")
        )
        writer.write_record(req)
        try:
            line = index_line(offset, middle, fh.tell(), resp, req, method, request_body)
        except Exception as e:  # cdxj-indexer's parsing of an odd request body, say
            # the pair is in the WARC and its capture must be filed: without its line, the
            # crawl's WACZ is not packaged from the index (crawler/wacz.py falls back to
            # `wacz create`, whose cdxj-indexer may stop on the same body: then no WACZ)
            log.warning(
                "no index line for %s %s: %r; the WACZ will index the WARC again", method, url, e
            )
        else:
            self._index[crawl_id].write(line)
        return f"warc/{path.name}", offset

    def flush(self) -> None:
        """Every open file's buffered bytes to the OS (records end their gzip member as they
        are written); a capture row is committed only after this."""
        for fh in self._open.values():
            fh.flush()
        for fh in self._index.values():
            fh.flush()

    def keep_pairs(self, crawl_id: str, offsets: list[int]) -> tuple[int, set[int]]:
        """After a kill: cut the crawl's file back to the end of the last complete
        response/request pair among those starting at `offsets` (a torn gzip member stops
        every reader there). Returns (bytes cut, the offsets whose pair was lost)."""
        path = self.path(crawl_id)
        if crawl_id in self._open:
            self._open.pop(crawl_id).close()
            self._index.pop(crawl_id).close()
        members = warc_members(path) if path.exists() else {}
        keep, lost = 0, set()
        for offset in offsets:
            end = members.get(offset)
            end = end and members.get(end)  # the pair: the response member, then the request
            if end:
                keep = max(keep, end)
            else:
                lost.add(offset)
        size = path.stat().st_size if path.exists() else 0
        if path.exists():
            with open(path, "r+b") as fh:
                fh.truncate(keep)
        self.cut_index(crawl_id, keep)
        return size - keep, lost

    def cut_index(self, crawl_id: str, keep: int) -> None:
        """The index lines of the pairs kept (ending at or before `keep`), up to the first
        torn or unreadable line: what a kill left past the cut describes bytes now gone."""
        path = self.index_path(crawl_id)
        if not path.exists():
            return
        kept = []
        with open(path, "rb") as fh:
            for line in fh:
                entry = parse_index_line(line)
                if entry is None or entry[2] > keep:
                    break
                kept.append(line)
        part = path.with_suffix(".part")
        part.write_bytes(b"".join(kept))
        os.replace(part, path)

    def append_index(self, crawl_id: str, lines: Path, shift: int) -> None:
        """Another WARC's index lines (a node's, crawler/node_store.py) for its file appended
        to this crawl's at byte `shift`: their offsets moved by it. Stops at a torn line."""
        with open(lines, "rb") as src, open(self.index_path(crawl_id), "ab") as out:
            for line in src:
                entry = parse_index_line(line)
                if entry is None:
                    break
                entry[0], entry[1], entry[2] = entry[0] + shift, entry[1] + shift, entry[2] + shift
                out.write(json.dumps(entry, ensure_ascii=False).encode("utf-8") + b"\n")
            out.flush()
            os.fsync(out.fileno())

    def close(self) -> None:
        for fh in self._open.values():
            fh.close()
        for fh in self._index.values():
            fh.close()
        self._open.clear()
        self._index.clear()


class _GzipMembers:
    """A .warc.gz being appended to: each record (from its first write to warcio's flush at
    its end) becomes one gzip member, compressed at `level`. warcio's own gzip writer always
    uses level 9, which costs about twice level 6 for 1 % less."""

    def __init__(self, fh):
        from warcio.warcwriter import WARCWriter

        self.fh, self.level, self._z = fh, 6, None
        self.writer = WARCWriter(self, gzip=False)

    def write(self, data: bytes) -> None:
        if self._z is None:
            self._z = zlib.compressobj(self.level, zlib.DEFLATED, 31)
        self.fh.write(self._z.compress(data))

    def flush(self) -> None:
        """The end of a record (warcio calls it after each) or of a batch of writes."""
        if self._z is not None:
            self.fh.write(self._z.flush())
            self._z = None
        self.fh.flush()

    def tell(self) -> int:
        return self.fh.tell()

    def close(self) -> None:
        self.flush()
        self.fh.close()


# Formats that are compressed inside already: deflate gains a few per cent on them for many
# times the CPU (the farm's PDFs: 9 % smaller at level 1 for 8× the time of storing), so their
# records are stored uncompressed within their gzip member.
_COMPRESSED_MAGIC = (
    b"%PDF",
    b"PK\x03\x04",
    b"\xff\xd8\xff",
    b"\x89PNG",
    b"GIF8",
    b"\x1f\x8b",
    b"Rar!",
    b"7z\xbc\xaf",
    b"BZh",
    b"\x28\xb5\x2f\xfd",
    b"RIFF",
)


def _record(writer, url: str, kind: str, payload: bytes, http, date: str, more=None):
    """A warcio record of `payload`. The length given and the payload digest made here:
    warcio then neither copies the payload into a temporary file nor hashes it twice."""
    headers = {"WARC-Date": date, "WARC-Payload-Digest": _sha1_label(payload), **(more or {})}
    return writer.create_warc_record(
        url,
        kind,
        payload=io.BytesIO(payload),
        length=len(payload),
        http_headers=http,
        warc_headers_dict=headers,
    )


def _gzip_level(body: bytes) -> int:
    return 0 if body.startswith(_COMPRESSED_MAGIC) else 6


_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_B32_PAIRS = [a + b for a in _B32 for b in _B32]  # 10 bits → two characters


def _sha1_label(data: bytes) -> str:
    """The WARC digest label of data, `sha1:` and base 32, as warcio writes it (without the
    pure-Python base64.b32encode)."""
    n = int.from_bytes(hashlib.sha1(data).digest(), "big")
    return "sha1:" + "".join([_B32_PAIRS[(n >> s) & 1023] for s in range(150, -1, -10)])


def warc_members(path: Path) -> dict[int, int]:
    """{start: end} of every complete gzip member of a .warc.gz (each WARC record is one);
    the scan stops at the first torn or corrupt member. Output is decoded 1 MiB at a time."""
    out: dict[int, int] = {}
    step = 1 << 20
    with open(path, "rb") as fh:
        start = fed = 0  # file offsets: the current member's start, bytes fed so far
        d = zlib.decompressobj(wbits=31)
        pending = b""
        while True:
            data = pending or fh.read(step)
            pending = b""
            if not data:
                return out
            base = fed
            try:
                d.decompress(data, step)
                while d.unconsumed_tail and not d.eof:
                    d.decompress(d.unconsumed_tail, step)
            except zlib.error:
                return out
            if d.eof:
                pending = d.unused_data
                end = base + len(data) - len(pending)
                out[start] = end
                start = fed = end
                d = zlib.decompressobj(wbits=31)
            else:
                fed = base + len(data)


# -- the index lines written with the WARC -----------------------------------------------------
# cdxj-indexer (as `wacz create` runs it: post_append, digest_records, fields
# "referrer,req.http:cookie") makes one line per response record from what it reads back: the
# urlkey (SURT of the URL; for POST/PUT with the method and body appended), the 14-digit
# WARC-Date, then JSON of url, mime, status, digest, length, offset, filename, recordDigest,
# referrer, req.http:cookie, requestBody, method (those it finds). Here the same fields are
# taken from the records as warcio writes them; length, offset, filename and recordDigest (the
# sha256 of the record's gzip member) are added when the WACZ is packaged, from the bytes then
# copied. tests/wacz_check.py compares the result with cdxj-indexer's, byte for byte.


def index_line(start: int, middle: int, end: int, resp, req, method: str, body: bytes) -> bytes:
    """The index line of a response/request pair written at [start, end), its request from
    `middle`; `body` the request body."""
    from warcio.timeutils import iso_date_to_timestamp

    warc = resp.rec_headers  # its other fields are made here, plain
    url = warc.get_header("WARC-Target-URI")
    if not _plain(url):
        warc = _as_read(warc, warc.to_bytes)
        url = warc.get_header("WARC-Target-URI")
    http = _as_read(resp.http_headers, lambda: resp.http_headers.headers_buff)
    req_http = _as_read(req.http_headers, lambda: req.http_headers.headers_buff)
    fields = {"url": url}
    mime = http.get_header("Content-Type")
    if mime:
        mime = _MIME_END.split(mime, 1)[0].strip()
    if mime is not None:
        fields["mime"] = mime
    fields["status"] = http.get_statuscode()
    fields["digest"] = warc.get_header("WARC-Payload-Digest")
    more = {}
    for name, key in (("Referer", "referrer"), ("Cookie", "req.http:cookie")):
        value = req_http.get_header(name)
        if value:
            more[key] = value
    urlkey = url
    if method.upper() in ("POST", "PUT"):  # cdxj_indexer/bufferiter.py: join_req_resp
        with warnings.catch_warnings():  # its pyamf still imports pkg_resources
            warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
            from cdxj_indexer.postquery import append_method_query
        query, tail = append_method_query(
            method,
            req_http.get_header("Content-Type"),
            req_http.get_header("Content-Length"),
            io.BytesIO(body),
            req.rec_headers.get_header("WARC-Target-URI"),
        )
        more["requestBody"], more["method"] = query, method.upper()
        urlkey = url + tail
    entry = [
        start,
        middle,
        end,
        resp.rec_headers.get_header("WARC-Record-ID"),
        url_key(urlkey),
        iso_date_to_timestamp(warc.get_header("WARC-Date")),
        fields,
        more,
    ]
    return json.dumps(entry, ensure_ascii=False).encode("utf-8") + b"\n"


def parse_index_line(line: bytes) -> list | None:
    """An index line read back; None if it is torn or not one."""
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    ok = (
        isinstance(entry, list)
        and len(entry) == 8
        and all(isinstance(x, int) for x in entry[:3])
        and entry[0] < entry[1] < entry[2]
    )
    return entry if ok and line.endswith(b"\n") else None


def cdxj_line(entry: list, filename: str, record_digest: str) -> str:
    """The CDXJ line of an index entry, as cdxj-indexer writes it (json.dumps' defaults)."""
    start, middle, _end, _id, urlkey, ts, fields, more = entry
    index = {
        **fields,
        "length": str(middle - start),
        "offset": str(start),
        "filename": filename,
        "recordDigest": record_digest,
        **more,
    }
    return f"{urlkey} {ts} {json.dumps(index)}\n"


def url_key(url: str) -> str:
    """The SURT key of a URL (cdxj_indexer's CDXJIndexer.get_url_key)."""
    import surt

    try:
        return surt.surt(url)
    except Exception:  # noqa: BLE001 — cdxj-indexer keys an unparsable URL by itself
        return url


_MIME_END = re.compile(r"[;\s]")  # cdxj_indexer's CDXJIndexer.RE_SPACE


def _plain(text: str) -> bool:
    return text.isascii() and text.isprintable() and text == text.strip()


def _as_read(headers, written):
    """`headers` as a WARC reader parses them back from the bytes `written()` gives (warcio
    %-encodes non-ASCII HTTP header values, and a reader strips the edges of each value): the
    headers themselves when every name and value would come back unchanged."""
    from warcio.statusandheaders import StatusAndHeadersParser

    if all(_plain(k) and ":" not in k and _plain(v) for k, v in headers.headers):
        return headers
    return StatusAndHeadersParser([], verify=False).parse(io.BytesIO(written()))
