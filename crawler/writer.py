"""The capture store's writes off the reactor: one thread, in order, with its own SQLite
connection. Hashing and writing bodies, gzip-compressing WARC records and inserting rows would
otherwise hold Scrapy's reactor (and every other download) for as long as they take; here the
capture middleware awaits them while the reactor goes on. Reads stay on the spider's own
connection (WAL: a reader sees every committed write).

The thread takes every write queued since its last turn and commits them together (a group
commit: one WAL append for many rows), then hands all their results to the reactor at once.
A write's result is delivered only after its commit, so the spider never follows the links of
a capture that a kill could still lose."""

from __future__ import annotations

import logging
import queue
import threading

from twisted.internet import defer
from twisted.python.failure import Failure

from archive.captures import CaptureStore

log = logging.getLogger(__name__)

MAX_BATCH = 256  # writes committed together at most
_STOP = object()


class StoreWriter:
    """thread=False (OGI_WRITER_THREAD off) writes inline on the reactor, as one call each:
    a large body stalls every download while it is written."""

    def __init__(self, archive, thread: bool = True):
        self.archive = archive
        self._store: CaptureStore | None = None  # made in the writer thread, used only there
        self.threaded = thread
        self._thread: threading.Thread | None = None  # started by the first write
        self._queue: queue.SimpleQueue = queue.SimpleQueue()

    def _open(self) -> CaptureStore:
        if self._store is None:
            self._store = CaptureStore(self.archive)
        return self._store

    def _call(self, name: str, args, kw):
        if name == "drain":
            return None
        return getattr(self._open(), name)(*args, **kw)

    def call(self, _name: str, *args, **kw):
        """A Deferred of store._name(*args, **kw), run after every write asked before it."""
        if not self.threaded:
            return defer.maybeDeferred(self._call, _name, args, kw)
        if self._thread is None:  # now: Scrapy has installed its reactor
            self._thread = threading.Thread(target=self._run, name="capture-writer", daemon=True)
            self._thread.start()
        d = defer.Deferred()
        self._queue.put((d, _name, args, kw))
        return d

    def submit(self, _name: str, *args, **kw) -> None:
        """The same, not waited for (a failure is logged)."""
        self.call(_name, *args, **kw).addErrback(
            lambda f: log.error("capture write %s failed: %s", _name, f.getTraceback())
        )

    async def drain(self) -> None:
        """Wait until every write asked so far is done."""
        from scrapy.utils.defer import maybe_deferred_to_future

        await maybe_deferred_to_future(self.call("drain"))

    # -- the thread -------------------------------------------------------------------------
    def _run(self) -> None:
        from twisted.internet import reactor

        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            done, stop = self._write(batch)
            reactor.callFromThread(_deliver, done)
            if stop:
                return

    def _write(self, batch) -> tuple[list, bool]:
        done, stop = [], False
        try:
            store = self._open()
            with store.batch():
                for d, name, args, kw in batch:
                    if name is _STOP:
                        stop = True
                        done.append((d, None))
                        continue
                    try:
                        done.append((d, self._call(name, args, kw)))
                    except Exception:  # noqa: BLE001 — its caller gets the failure
                        done.append((d, Failure()))
        except Exception:  # noqa: BLE001 — the commit (or opening the store) failed: all fail
            failure = Failure()
            done = [(d, failure) for d, *_ in batch]
        if stop and self._store is not None:
            self._store.close()
            self._store = None
        return done, stop

    def close(self) -> None:
        """Write what is queued, then stop (and close the thread's connection)."""
        if self._thread is None:  # inline, or nothing was written
            if self._store is not None:
                self._store.close()
                self._store = None
            return
        self._queue.put((defer.Deferred(), _STOP, (), {}))
        self._thread.join()


def _deliver(done: list) -> None:
    for d, result in done:
        if isinstance(result, Failure):
            d.errback(result)
        else:
            d.callback(result)
