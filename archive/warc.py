"""The crawls' WARC files: ARCHIVE/warc/<crawl_id>.warc.gz, one per crawl.

Each fetch is a response record and a request record (warcio builds them), each record its own
gzip member, so a reader can seek to any record and a torn tail can be cut back to the last
complete pair. The capture rows that point at these records live in archive/captures.py.
"""

from __future__ import annotations

import hashlib
import io
import re
import zlib
from pathlib import Path


class WarcFiles:
    """The open .warc.gz files of the crawls written to ARCHIVE/warc/."""

    def __init__(self, root: Path):
        self.root = Path(root)  # the archive: paths given back are relative to it
        (self.root / "warc").mkdir(parents=True, exist_ok=True)
        self._open: dict[str, _GzipMembers] = {}

    def path(self, crawl_id: str) -> Path:
        if not re.match(r"^[\w.-]+$", crawl_id):
            raise ValueError(f"unsafe crawl id {crawl_id!r}")
        return self.root / "warc" / f"{crawl_id}.warc.gz"

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
        return f"warc/{path.name}", offset

    def flush(self) -> None:
        """Every open file's buffered bytes to the OS (records end their gzip member as they
        are written)."""
        for fh in self._open.values():
            fh.flush()

    def keep_pairs(self, crawl_id: str, offsets: list[int]) -> tuple[int, set[int]]:
        """After a kill: cut the crawl's file back to the end of the last complete
        response/request pair among those starting at `offsets` (a torn gzip member stops
        every reader there). Returns (bytes cut, the offsets whose pair was lost)."""
        path = self.path(crawl_id)
        if crawl_id in self._open:
            self._open.pop(crawl_id).close()
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
        return size - keep, lost

    def close(self) -> None:
        for fh in self._open.values():
            fh.close()
        self._open.clear()


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
