"""The one writer of files that must never be seen half-written: outputs, site indexes, models.

``atomic_path`` gives a temporary path beside the target; what is written there replaces the
target only once it is complete and on disk, and vanishes if writing fails. One policy for all:

- **Mode**: the umask's, as any new file gets from ``open()`` (not ``mkstemp``'s private
  0600): an index or a model is shared data, an output is the user's file.
- **Targets that are not regular files** are written in place, never replaced: a device
  (``-o /dev/null``), a FIFO, or a symlink to one. Renaming over one would put a regular file
  where the device was.
- **Symlinks** are followed: the file they point to is replaced, the link stays a link.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path


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
    tmp = target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
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
