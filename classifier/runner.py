"""Batch runs: score a stream of pages in worker processes, in input order, under a time limit.

``run`` is ``score_pages`` made fit for millions of scraped pages, and ``build_index`` is the
first pass of a run with recurrence evidence, segmenting pages in the same kind of workers under
the same time limit:

- **Parallel.** ``jobs`` worker processes each get the model once, at start (forked with it
  on Linux, nothing pickled; elsewhere sent to them), then score chunks of pages (one model
  call per chunk). Results come back in input order.
- **Flat memory.** Pages are read from the input only when a worker is free, and at most
  ``jobs * CHUNKS_PER_JOB`` chunks are between input and output at any time, so memory does not
  grow with the number of pages.
- **One thread per process.** The boosted trees' OpenMP threads cost far more than they
  save on a model call of a few thousand paragraphs (15 to 50 times slower on two busy
  cores), so scoring runs single-threaded and parallelism comes from ``jobs``.
- **A time limit per page that always holds.** A pathological page may spend its time inside
  libxml2 or a regular expression, where no signal or exception can stop it, so the limit is
  enforced from outside: a worker whose chunk is not done ``time_limit`` seconds after it got it
  is killed and replaced, and the chunk's pages are retried one by one, each with the same
  limit; the page that still runs out of time comes back with an ``error``. A worker that dies
  (a crash in native code, the kernel's out-of-memory killer) is handled the same way. So a page
  fails only when it alone takes longer than the limit, and costs the run at most about twice
  the limit. This is why ``jobs=1`` with a time limit still uses one worker process; only
  ``jobs=1`` without a limit scores in the calling process.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import pickle
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import IO, TYPE_CHECKING, Generic, NamedTuple, TypeVar

from classifier.api import BATCH_PAGES_DEFAULT, ScoringOptions, score_pages
from classifier.artifact import Model, load_model
from classifier.document import InputKind, Page

if TYPE_CHECKING:
    from multiprocessing.context import ForkContext, ForkServerContext, SpawnContext

    from classifier.distributed import SitePage
    from classifier.fingerprints import IndexConfig
    from classifier.recurrence import SiteIndex

#: Seconds one page may take (segmentation and scoring) before it is given up with an error.
#: Ordinary pages take milliseconds and a 20 MB page a few seconds; past 30 s a page is stuck.
TIME_LIMIT_DEFAULT = 30.0
#: Chunks each worker may have between input and output: one it works on, one waiting for
#: earlier chunks to be written. More only holds more pages in memory.
CHUNKS_PER_JOB = 2
#: A chunk closes at ``ScoringOptions.batch_pages`` pages or at this many characters of raw
#: page, whichever comes first, so a run of large pages does not fill memory.
CHUNK_CHARS = 16 * 1024 * 1024
#: What a worker's work gives back per chunk: scored pages, or the index's fingerprints.
R = TypeVar("R")


@dataclass(frozen=True)
class RunOptions:
    """How a batch runs.

    ``jobs``: worker processes (1 or more). ``time_limit``: seconds a page may take before it
    is given up with an error; ``None`` for no limit (with ``jobs=1`` the pages are then scored
    in the calling process).
    """

    jobs: int = 1
    time_limit: float | None = TIME_LIMIT_DEFAULT


def run(pages: Iterable[Page], model: Model | None = None,
        options: ScoringOptions | None = None,
        run_options: RunOptions | None = None, index: SiteIndex | None = None
        ) -> Iterator[Page]:
    """Score ``pages`` (as ``score_pages`` does), yielding them in input order, streamed.

    ``index``: recurrence evidence to read (each worker gets a copy once, at start); build it
    first with ``build_index`` over the same pages for a run's own evidence.
    A page that cannot be scored, or runs past the time limit, comes back with ``error`` set;
    nothing raises for one bad page. See the module docstring for how workers run.
    """
    model = model or load_model()
    options = options or ScoringOptions()
    run_options = run_options or RunOptions()
    work = functools.partial(score_resiliently, model=model, options=options, index=index)
    yield from _map(work, _chunks(pages, options.batch_pages), run_options)


def build_index(pages: Iterable[Page], index: SiteIndex | None = None,
                run_options: RunOptions | None = None, keep: IO[bytes] | None = None
                ) -> SiteIndex:
    """The first pass of a run: segment every page that has a site key and fingerprint its
    paragraphs for the index (in worker processes, under the time limit, as ``run`` scores),
    then add them to ``index`` (a new one by default), in input order: stages 1 and 2 of a
    distributed run (``classifier.distributed``) on one machine. Pages without a site can have no
    evidence and are passed over unsegmented, so a run of such pages costs nothing here; a
    page that fails here fails again, with its error record, when it is scored.

    ``keep``: a binary file (a temporary one) that the paragraphs of every HTML page segmented
    here are written to, for ``segmented_again`` to give back to the second pass, which then
    does not segment them again. (A text page is split again: that costs less than moving its
    paragraphs to and from the file and the worker processes.)"""
    from classifier.recurrence import SiteIndex

    index = index or SiteIndex()
    candidates = (p for p in pages if _indexed(p))
    work = functools.partial(fingerprint_chunk, config=index.config, keep=keep is not None)
    for item in _map(work, _chunks(candidates, BATCH_PAGES_DEFAULT), run_options or RunOptions()):
        paragraphs = b""
        if isinstance(item, Fingerprinted):
            found, paragraphs = item
            index.add_fingerprints(found.site, found.page_key, found.fingerprints)
        if keep is not None:
            keep.write(len(paragraphs).to_bytes(_SIZE_BYTES, "little"))
            keep.write(paragraphs)
    return index


def segmented_again(pages: Iterable[Page], kept: IO[bytes]) -> Iterator[Page]:
    """``pages``, the same as ``build_index`` read, each with the paragraphs it got there from
    ``kept`` (read from the start); text pages, and those it failed on, are left to be
    segmented (and fail) again."""
    kept.seek(0)
    for page in pages:
        if _indexed(page):
            size = int.from_bytes(kept.read(_SIZE_BYTES), "little")
            if size:
                page.paragraphs = pickle.loads(kept.read(size))
        yield page


def _indexed(page: Page) -> bool:
    """Whether the first pass segments ``page``: pages without a site key have no evidence."""
    return page.site is not None and page.error is None


#: Bytes of the size before each page's paragraphs in ``build_index``'s ``keep`` file.
_SIZE_BYTES = 8


class Fingerprinted(NamedTuple):
    """A page through the first pass: its ``SitePage``, and its paragraphs pickled if the run
    keeps them (``build_index``'s ``keep``; HTML pages only), else empty."""

    site_page: SitePage
    paragraphs: bytes


def fingerprint_chunk(pages: list[Page], config: IndexConfig, keep: bool = False
                      ) -> list[Fingerprinted | Page]:
    """Stage 1 of a distributed run (``distributed.site_page``) on each page of a chunk, with
    an HTML page's paragraphs pickled if ``keep``; a page that fails comes back as itself, with
    its error and without its payload. The index work of a page runs here, under the time
    limit, and a worker sends back fingerprints (and pickled paragraphs, which its parent only
    stores) rather than pages."""
    from classifier.distributed import site_page

    done: list[Fingerprinted | Page] = []
    for page in pages:
        found = site_page(page, config)
        if found is None:
            page.raw, page.extra, page.paragraphs = "", {}, []
            done.append(page)
        else:
            kept = keep and page.kind is InputKind.HTML
            done.append(Fingerprinted(found, pickle.dumps(page.paragraphs, pickle.HIGHEST_PROTOCOL)
                                      if kept else b""))
    return done


def _map(work: Callable[[list[Page]], Sequence[R]], chunks: Iterator[list[Page]],
         run_options: RunOptions) -> Iterator[R | Page]:
    """``work`` on each chunk, in input order: here, or in worker processes under the limit
    (where a page that runs out of time or kills its worker comes back with an error)."""
    if run_options.jobs == 1 and run_options.time_limit is None:
        for chunk in chunks:
            yield from work(chunk)
        return
    yield from _Pool(work, run_options).map(chunks)


def score_resiliently(pages: list[Page], model: Model, options: ScoringOptions,
                      index: SiteIndex | None = None) -> list[Page]:
    """``score_pages`` on one chunk, single-threaded; if the model call fails, each page is
    retried alone, so only the page that breaks it comes back with an ``error``."""
    try:
        return list(score_pages(pages, model, options, index))
    except Exception as error:  # one broken page must not sink its chunk
        if len(pages) > 1:
            return [scored for page in pages
                    for scored in score_resiliently([page], model, options, index)]
        return [_failed(pages[0], f"scoring failed: {type(error).__name__}: {error}")]


def _failed(page: Page, error: str) -> Page:
    page.paragraphs = []
    page.error = error
    return page


def _chunks(pages: Iterable[Page], size: int) -> Iterator[list[Page]]:
    chunk: list[Page] = []
    chars = 0
    for page in pages:
        chunk.append(page)
        chars += len(page.raw)
        if len(chunk) >= size or chars >= CHUNK_CHARS:
            yield chunk
            chunk, chars = [], 0
    if chunk:
        yield chunk


def _serve(conn: Connection, work: Callable[[list[Page]], Sequence[object]]) -> None:
    """A worker: say it is ready, then do ``work`` on each chunk it receives until told to
    stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    conn.send(None)
    while True:
        try:
            pages = conn.recv()
        except EOFError:  # the parent is gone
            return
        if pages is None:
            return
        conn.send(work(pages))


def _context() -> ForkContext | ForkServerContext | SpawnContext:
    """Fork on Linux: a worker starts in a millisecond with the parent's imports, model and
    index, none of them pickled, imported or loaded again. Forking after OpenMP ran with
    several threads makes a child hang in its next parallel region with several threads, but
    not with one, and workers score with one thread only (``Model.predict_proba``); tested.
    Elsewhere a fork server that imported the library once starts workers (and replacements
    after a time-out) in milliseconds."""
    methods = multiprocessing.get_all_start_methods()
    if sys.platform == "linux" and "fork" in methods:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["classifier.api"])
        return context
    return multiprocessing.get_context("spawn")


@dataclass
class _Task:
    """Pages ``start`` to ``start + len(pages)`` of chunk number ``chunk``."""

    chunk: int
    start: int
    pages: list[Page]


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    ready: bool = False
    task: _Task | None = None
    deadline: float = float("inf")


class _Pool(Generic[R]):
    """Worker processes fed one task at a time, with results gathered back into input order."""

    def __init__(self, work: Callable[[list[Page]], Sequence[R]],
                 run_options: RunOptions) -> None:
        self.work = work
        self.time_limit = run_options.time_limit
        self.max_chunks = run_options.jobs * CHUNKS_PER_JOB
        self.context = _context()
        self.workers = [self._start() for _ in range(run_options.jobs)]
        self.waiting: deque[_Task] = deque()
        self.slots: dict[int, list[R | Page | None]] = {}

    def _start(self) -> _Worker:
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_serve, args=(child, self.work),
                                       daemon=True, name="boilerplate-worker")
        process.start()
        child.close()
        return _Worker(process, parent)

    def map(self, chunks: Iterator[list[Page]]) -> Iterator[R | Page]:
        """The pages of ``chunks`` after the work, in order."""
        read = written = 0
        exhausted = False
        try:
            while True:
                while written in self.slots and None not in self.slots[written]:
                    yield from self.slots.pop(written)  # type: ignore[misc]
                    written += 1
                for worker in self.workers:
                    if not (worker.ready and worker.task is None):
                        continue
                    if not self.waiting and not exhausted and read - written < self.max_chunks:
                        chunk = next(chunks, None)
                        if chunk is None:
                            exhausted = True
                        else:
                            self.slots[read] = [None] * len(chunk)
                            self.waiting.append(_Task(read, 0, chunk))
                            read += 1
                    if self.waiting:
                        self._send(worker, self.waiting.popleft())
                if exhausted and written == read:
                    return
                self._wait()
        finally:
            self._stop()

    def _send(self, worker: _Worker, task: _Task) -> None:
        worker.task = task
        worker.deadline = time.monotonic() + self.time_limit if self.time_limit else float("inf")
        worker.conn.send(task.pages)

    def _wait(self) -> None:
        busy = [w for w in self.workers if not w.ready or w.task is not None]
        if not busy:
            return
        deadline = min(w.deadline for w in busy)
        timeout = None if deadline == float("inf") else max(0.0, deadline - time.monotonic())
        # A worker's death is known by its end of the pipe closing, not by its process
        # sentinel: with the fork server, the sentinel is a pipe from the fork server, which
        # reads as "exited" when the fork server itself is gone while the worker runs on.
        wait([w.conn for w in busy], timeout)
        for worker in busy:
            if worker.conn.poll():
                try:
                    message = worker.conn.recv()
                except (EOFError, OSError):
                    self._replace(worker, self._death(worker))
                    continue
                if worker.task is None:
                    worker.ready = True
                else:
                    self._store(worker.task, message)
                    worker.task = None
            elif time.monotonic() >= worker.deadline:
                self._replace(worker, f"time limit exceeded: still running after "
                                      f"{self.time_limit:g} s (see --time-limit)")

    def _death(self, worker: _Worker) -> str:
        worker.process.join()
        if not worker.ready:
            raise RuntimeError(f"a worker process failed to start (exit code "
                               f"{worker.process.exitcode}); run with jobs=1 and no time limit "
                               "to see why")
        return f"worker process died (exit code {worker.process.exitcode})"

    def _store(self, task: _Task, pages: Sequence[R | Page]) -> None:
        self.slots[task.chunk][task.start:task.start + len(pages)] = pages

    def _replace(self, worker: _Worker, reason: str) -> None:
        """Kill ``worker`` and start another; its pages are retried alone, or fail with
        ``reason`` if it had only one."""
        worker.process.kill()
        worker.process.join()
        worker.conn.close()
        task = worker.task
        self.workers[self.workers.index(worker)] = self._start()
        if task is None:
            return
        if len(task.pages) == 1:
            self._store(task, [_failed(task.pages[0], reason)])
            return
        singles = [_Task(task.chunk, task.start + i, [page]) for i, page in enumerate(task.pages)]
        self.waiting.extendleft(reversed(singles))

    def _stop(self) -> None:
        for worker in self.workers:
            if worker.process.is_alive() and worker.ready and worker.task is None:
                with contextlib.suppress(OSError):  # it may have died since
                    worker.conn.send(None)
        for worker in self.workers:
            worker.process.join(timeout=1.0)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
