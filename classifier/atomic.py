"""The one writer of files that must never be seen half-written: outputs, site indexes, models.

``atomic_path`` gives a temporary path beside the target; what is written there replaces the
target only once it is complete and on disk, and vanishes if writing fails. One policy for all:

- **Mode**: the umask's, as any new file gets from ``open()`` (not ``mkstemp``'s private
  0600): an index or a model is shared data, an output is the user's file.
- **Targets that are not regular files** are written in place, never replaced: a device
  (``-o /dev/null``), a FIFO, or a symlink to one. Renaming over one would put a regular file
  where the device was.
- **Symlinks** are followed: the file they point to is replaced, the link stays a link.

``open_regular`` is the read side of the same policy, for files whose bytes are trusted only
once checked (models, site indexes): opened once, never waiting on a FIFO, refused unless a
regular file.

``locked`` serialises writers of one file that must also merge with what is there (site
indexes): it holds an exclusive lock on the file's folder, and removes the temporary files
that writers killed before they finished (SIGKILL, a power cut) left beside the file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # not POSIX: writers are not serialised
    fcntl = None  # type: ignore[assignment]


#: A temporary file beside ``NAME`` is ``.NAME.<12 random hex digits>.tmp``.
_TMP_PREFIX, _TMP_SUFFIX, _TMP_TOKEN_BYTES = ".", ".tmp", 6


def _writes_in_place(target: Path) -> bool:
    """Whether ``target`` exists and is not a regular file (after following symlinks)."""
    try:
        return not stat.S_ISREG(os.stat(target).st_mode)
    except FileNotFoundError:
        return False


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A path to write ``path``'s new content to: a temporary file beside it (its folder is
    made if missing) that replaces it when the block ends without error, synced to disk first,
    and is removed when the block raises. A target that is not a regular file is yielded itself
    and written in place."""
    target = Path(os.path.realpath(path))
    if _writes_in_place(target):
        yield target
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL refuses a name someone else holds; 0o666 leaves the mode to the umask.
    tmp = target.parent / (f"{_TMP_PREFIX}{target.name}.{secrets.token_hex(_TMP_TOKEN_BYTES)}"
                           f"{_TMP_SUFFIX}")
    os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    try:
        yield tmp
        descriptor = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def locked(path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the exclusive lock for writing ``path``: a ``flock`` on its folder (made if
    missing), so no lock file is left behind; a second writer waits until the first is done.
    Inside, temporary files of ``atomic_path`` for ``path`` left by writers that were killed
    before they finished are removed: every writer of ``path`` holds this lock, so any such
    file is a leftover."""
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        if fcntl is not None:
            fcntl.flock(folder, fcntl.LOCK_EX)
        leftover = re.compile(re.escape(_TMP_PREFIX + target.name)
                              + rf"\.[0-9a-f]{{{2 * _TMP_TOKEN_BYTES}}}" + re.escape(_TMP_SUFFIX))
        for name in os.listdir(target.parent):
            if leftover.fullmatch(name):
                (target.parent / name).unlink(missing_ok=True)
        yield
    finally:
        os.close(folder)  # releases the lock


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """``path`` opened once to read, without blocking (a FIFO does not wait for a writer), as a
    binary file; an ``OSError`` ("not a regular file") when it is a FIFO, a device or a
    folder, so that what is checked and what is read are the same file."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    handle = os.fdopen(descriptor, "rb")
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        handle.close()
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    return handle
