"""The capture store's writes off the reactor: one thread, in order, with its own SQLite
connection. Hashing and writing bodies, gzip-compressing WARC records and inserting rows would
otherwise hold Scrapy's reactor (and every other download) for as long as they take; here the
capture middleware awaits them while the reactor goes on. Reads stay on the spider's own
connection (WAL: a reader sees every committed write)."""
from __future__ import annotations

import logging

from twisted.internet import threads
from twisted.python.threadpool import ThreadPool

from archive.captures import CaptureStore

log = logging.getLogger(__name__)


class StoreWriter:
    """thread=False (OGI_WRITER_THREAD off) writes inline on the reactor, as one call each:
    cheaper per small page, but a large body stalls every download while it is written."""

    def __init__(self, archive, thread: bool = True):
        self.archive = archive
        self._store: CaptureStore | None = None   # made in the writer thread, used only there
        self.pool = None
        if thread:
            self.pool = ThreadPool(minthreads=1, maxthreads=1, name="capture-writer")
            self.pool.start()

    def _call(self, name: str, args, kw):
        if name == "drain":
            return None
        if self._store is None:
            self._store = CaptureStore(self.archive)
        return getattr(self._store, name)(*args, **kw)

    def call(self, _name: str, *args, **kw):
        """A Deferred of store._name(*args, **kw), run after every write asked before it."""
        from twisted.internet import defer, reactor
        if self.pool is None:
            return defer.maybeDeferred(self._call, _name, args, kw)
        return threads.deferToThreadPool(reactor, self.pool, self._call, _name, args, kw)

    def submit(self, _name: str, *args, **kw) -> None:
        """The same, not waited for (a failure is logged)."""
        self.call(_name, *args, **kw).addErrback(
            lambda f: log.error("capture write %s failed: %s", _name, f.getTraceback()))

    async def drain(self) -> None:
        """Wait until every write asked so far is done."""
        from scrapy.utils.defer import maybe_deferred_to_future
        await maybe_deferred_to_future(self.call("drain"))

    def close(self) -> None:
        def shut():
            if self._store is not None:
                self._store.close()
        if self.pool is None:
            return shut()
        self.pool.callInThread(shut)
        self.pool.stop()   # runs what is queued, then joins the thread
