"""Content-Encoding decoded as a stream, in place of Scrapy's HttpCompressionMiddleware.

Scrapy decodes a body in memory, up to DOWNLOAD_MAXSIZE, with copies: six gzip responses of
425 KB that expand to 190 MB took a crawl to 5 GB. Here the decoded bytes go in 64 KiB chunks
to a spool file beside the blob store, hashed on the way, in a worker thread (the reactor goes
on). A body that decodes to at most OGI_BODY_IN_MEMORY comes back into memory for the spider; a
larger one stays on disk and the capture moves the file into the blob store, so the crawl's
memory does not depend on what bodies expand to. Past DOWNLOAD_MAXSIZE decoding stops: the
response keeps its raw (encoded) body and is refused as `too_large`, recorded with those raw
bytes. The wire body and headers are kept for the WARC record (request.meta['ogi_wire']).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zlib
from gzip import GzipFile
from io import BytesIO
from pathlib import Path

from scrapy.http import TextResponse
from scrapy.responsetypes import responsetypes
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import threads

CHUNK = 64 * 1024
ENCODINGS = [b"gzip", b"deflate", b"br"]
try:  # zstd: Scrapy's own dependency on Python < 3.14
    from backports import zstd

    ENCODINGS.append(b"zstd")
except ImportError:  # pragma: no cover
    zstd = None


class TooLarge(ValueError):
    def __init__(self, size: int, limit: int):
        super().__init__(f"more than {size} bytes after decompression (DOWNLOAD_MAXSIZE {limit})")


def _gzip_chunks(src):
    f = GzipFile(fileobj=src)
    got = 0
    while True:
        try:
            chunk = f.read1(CHUNK)
        except (OSError, EOFError):  # a bad CRC or a cut tail: keep what decoded, as Scrapy does
            if got:
                return
            raise
        if not chunk:
            return
        got += len(chunk)
        yield chunk


def _deflate_chunks(src):
    data = src.read()
    d = zlib.decompressobj()
    try:
        out = d.decompress(data, CHUNK)
    except zlib.error:  # raw deflate, as some servers send
        d = zlib.decompressobj(wbits=-15)
        out = d.decompress(data, CHUNK)
    yield out
    while d.unconsumed_tail and not d.eof:
        yield d.decompress(d.unconsumed_tail, CHUNK)


def _brotli_chunks(src):
    import brotli

    d = brotli.Decompressor()
    yield d.process(src.read(), output_buffer_limit=CHUNK)
    while not d.is_finished():
        chunk = d.process(b"", output_buffer_limit=CHUNK)
        if not chunk:
            return
        yield chunk


def _zstd_chunks(src):
    f = zstd.ZstdFile(src)
    while True:
        try:
            chunk = f.read(CHUNK)
        except EOFError:
            return
        if not chunk:
            return
        yield chunk


DECODERS = {
    b"gzip": _gzip_chunks,
    b"x-gzip": _gzip_chunks,
    b"deflate": _deflate_chunks,
    b"br": _brotli_chunks,
    b"zstd": _zstd_chunks,
}


def split_encodings(values: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """(encodings to undo, outermost first; encodings left that we cannot undo)."""
    todo = [e.strip().lower() for v in values for e in v.split(b",") if e.strip()]
    undo = []
    while todo and todo[-1] in DECODERS and (todo[-1] != b"zstd" or zstd):
        undo.append(todo.pop())
    return undo, todo


def decode_to_file(
    body: bytes, encodings: list[bytes], limit: int, spool_dir: Path
) -> tuple[Path, int, str]:
    """Undo encodings (outermost first) into a spool file; (path, size, sha256).
    Raises TooLarge past `limit` bytes, zlib.error / OSError / EOFError on bad data."""
    src = BytesIO(body)
    path = None
    try:
        for _i, enc in enumerate(encodings):
            fd, name = tempfile.mkstemp(dir=spool_dir, suffix=".spool")
            out_path = Path(name)
            sha, size = hashlib.sha256(), 0
            with os.fdopen(fd, "wb") as out:
                for chunk in DECODERS[enc](src):
                    size += len(chunk)
                    if limit and size > limit:
                        out_path.unlink()
                        raise TooLarge(size, limit)
                    sha.update(chunk)
                    out.write(chunk)
            src.close()
            if path is not None:
                path.unlink()
            path = out_path
            src = open(path, "rb")
        src.close()
        return path, size, sha.hexdigest()
    except BaseException:
        src.close()
        if path is not None and path.exists():
            path.unlink()
        raise


class DecodeMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.limit = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        self.in_memory = crawler.settings.getint("OGI_BODY_IN_MEMORY", 16 * 2**20)
        self.accept = b", ".join(ENCODINGS)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        request.headers.setdefault("Accept-Encoding", self.accept)

    async def process_response(self, request, response, spider=None):
        values = response.headers.getlist("Content-Encoding")
        if (
            not values
            or request.method == "HEAD"
            or not response.body
            or "replayed" in response.flags
        ):
            return response
        undo, left = split_encodings(values)
        if not undo:
            return response
        meta = request.meta
        meta["ogi_wire"] = {"body": response.body, "headers": response.headers.copy()}
        limit = meta.get("download_maxsize", self.limit)
        spool = self.crawler.spider.store.spool_dir()
        try:
            path, size, sha = await maybe_deferred_to_future(
                threads.deferToThread(decode_to_file, response.body, undo, limit, spool)
            )
        except TooLarge as e:
            names = b",".join(undo).decode()
            meta["ogi_refusal"] = ("too_large", f"{len(response.body)} bytes {names} encoded, {e}")
            return response
        except (zlib.error, OSError, EOFError, ValueError) as e:
            meta["ogi_refusal"] = ("bad_encoding", f"{b','.join(undo).decode()}: {e}")
            return response
        headers = response.headers.copy()
        if left:
            headers["Content-Encoding"] = b", ".join(left)
        else:
            del headers["Content-Encoding"]
        headers.pop("Content-Length", None)
        if size <= self.in_memory:
            body = path.read_bytes()
            path.unlink()
            flags = response.flags
        else:  # stays on disk: the capture stores the file; the spider gets no body
            meta["ogi_spool"] = {"path": str(path), "size": size, "sha256": sha}
            body, flags = b"", [*response.flags, "spooled"]
        cls = responsetypes.from_args(headers=headers, url=response.url, body=body[:5000])
        kw = {"encoding": None} if issubclass(cls, TextResponse) else {}
        return response.replace(cls=cls, body=body, headers=headers, flags=flags, **kw)
