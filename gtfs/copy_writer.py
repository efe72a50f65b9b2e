"""Send COPY data from a thread of its own, so parsing never waits for the server.

psycopg's own `QueuedLibpqWriter` does this with a queue of 1,024 buffers of up to 128 KiB: a
server that falls behind would let 128 MiB pile up in this process. An import must stay within
bounded memory, so here the queue holds a few batches; when it is full the parser waits, which
is the back-pressure a stream needs. The thread spends its time in libpq's socket writes, which
release the GIL.
"""

from __future__ import annotations

import threading
from queue import Queue
from typing import Any

from psycopg.copy import LibpqWriter

QUEUE_BATCHES = 8  # a batch is ~4,096 rows, 0.1-0.2 MB of COPY text


class QueuedCopyWriter(LibpqWriter):
    """A `LibpqWriter` fed through a short queue by the thread that formats the rows."""

    def __init__(self, cursor: Any, depth: int = QUEUE_BATCHES) -> None:
        super().__init__(cursor)
        self._queue: Queue[bytes | bytearray | memoryview] = Queue(maxsize=depth)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def _send(self) -> None:
        try:
            while data := self._queue.get():
                super().write(data)
        except BaseException as exc:  # handed to the producer, which raises it
            self._error = exc
            while self._queue.get():  # keep draining, or the producer would block forever
                pass

    def write(self, data: Any) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._send, name="gtfs-copy", daemon=True)
            self._thread.start()
        if self._error is not None:
            raise self._error
        self._queue.put(data)

    def finish(self, exc: BaseException | None = None) -> None:
        if self._thread is not None:
            self._queue.put(b"")
            self._thread.join()
            self._thread = None
        if self._error is not None and exc is None:
            raise self._error
        super().finish(exc)
