"""What went wrong with a fetch, as one short kind: the key a capture row's `error` starts with
and the crawl report counts by.

    too_large         over DOWNLOAD_MAXSIZE, declared, received or during decompression
    truncated         the connection closed before the declared body was read
    bad_encoding      a Content-Encoding that does not decode
    redirect_loop     a redirect back into its own chain, or more than REDIRECT_MAX_TIMES
    offsite_redirect  a redirect to a host outside the registry (the target is in the detail)
    dns · tls · refused · reset · timeout   the connection itself
    robots_denied     robots.txt forbids the URL (or could not be read: RFC 9309 §2.3.1.4)
    depth_limit · page_limit   a crawl limit cut the request
    blocked           an anti-bot challenge (blocked:<name>)
    http_NNN          the server answered an error status
"""

from __future__ import annotations

from OpenSSL import SSL
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from twisted.internet import error as tx
from twisted.web._newclient import ResponseFailed

# error kinds that record a fact, not a failure: not counted among the report's errors
NOT_ERRORS = {"redirect_to_seen"}


def _causes(exc: BaseException, depth: int = 0):
    """exc and the exceptions it wraps (__cause__, Twisted's reasons)."""
    yield exc
    if depth > 5:
        return
    if exc.__cause__ is not None:
        yield from _causes(exc.__cause__, depth + 1)
    if isinstance(exc, ResponseFailed):
        for reason in exc.reasons:
            yield from _causes(reason.value, depth + 1)


KINDS = [  # first match wins, checked over the exception and every cause
    ("dns", (CannotResolveHostError, tx.DNSLookupError)),
    ("tls", (SSL.Error,)),
    ("refused", (DownloadConnectionRefusedError, tx.ConnectionRefusedError)),
    ("timeout", (DownloadTimeoutError, tx.TimeoutError, TimeoutError)),
    ("truncated", (ResponseDataLossError,)),
    ("reset", (tx.ConnectionLost, tx.ConnectionDone, ConnectionResetError, ResponseFailed)),
]


def classify(exc: BaseException) -> tuple[str, str]:
    """(kind, detail) of a download exception."""
    detail = f"{type(exc).__name__}: {exc}".strip()
    causes = list(_causes(exc))
    names = {type(c).__name__ for c in causes}
    if "DNSNameError" in names or "DNSServerError" in names or "DNSQueryTimeoutError" in names:
        return "dns", detail  # twisted.names resolvers
    if isinstance(exc, DownloadCancelledError):  # Scrapy cancels a download only over its size
        return "too_large", str(exc) or "body larger than DOWNLOAD_MAXSIZE"
    for kind, types in KINDS:
        if any(isinstance(c, types) for c in causes):
            return kind, detail
    return "failed", detail


def kind_of(error: str | None) -> str | None:
    """The kind of a capture row's error text ('http_404', 'blocked', 'dns' …)."""
    if not error:
        return None
    return error.split(":", 1)[0].strip()
