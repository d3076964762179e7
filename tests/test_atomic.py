"""The one atomic writer: targets that are not regular files are written in place, symlinks are
followed, and outputs, site indexes and models all get the umask's mode."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator

import pytest

from classifier import make_page
from classifier.api import index_page
from classifier.artifact import load_model, save_model
from classifier.atomic import atomic_path
from classifier.recurrence import SiteIndex
from tests.clirun import invoke
from tests.conftest import ROOT

SEED = str(ROOT / "data" / "seed-page.txt")


@contextlib.contextmanager
def fifo_reader(path) -> Iterator[int]:
    """A FIFO at ``path`` with its read end open (non-blocking), so that a writer's ``open``
    does not wait; the descriptor to read what was written."""
    os.mkfifo(path)
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        yield descriptor
    finally:
        os.close(descriptor)


def drain(descriptor: int) -> bytes:
    chunks = []
    with contextlib.suppress(BlockingIOError):
        while chunk := os.read(descriptor, 1 << 16):
            chunks.append(chunk)
    return b"".join(chunks)


def test_output_to_a_fifo_is_written_in_place(tmp_path):
    fifo = tmp_path / "out.fifo"
    with fifo_reader(fifo) as descriptor:
        code, _, _ = invoke("clean", "-q", "-o", str(fifo), SEED)
        written = drain(descriptor)
    assert code == 0
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced by a regular file"
    assert b"Clearview" in written and b"[ad_1]" not in written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.fifo"]


def test_output_through_a_symlink_to_a_fifo_keeps_both(tmp_path):
    fifo, link = tmp_path / "out.fifo", tmp_path / "link"
    link.symlink_to(fifo)
    with fifo_reader(fifo) as descriptor:
        code, _, _ = invoke("score", "--format", "jsonl", "-q", "-o", str(link), SEED)
        written = drain(descriptor)
    assert code == 0
    assert link.is_symlink() and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert written.count(b"\n") == 1 and b'"paragraphs"' in written


def test_output_to_a_device_node_is_written_in_place(tmp_path):
    null = tmp_path / "null"
    try:  # the same device as /dev/null, made here: creating one needs CAP_MKNOD (root)
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs CAP_MKNOD (root); the FIFO tests cover it")
    code, _, _ = invoke("clean", "-q", "--format", "jsonl", "-o", str(null), SEED)
    assert code == 0
    assert stat.S_ISCHR(os.lstat(null).st_mode), "the device was replaced by a regular file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_a_symlink_to_a_regular_file_stays_a_link(tmp_path):
    target, link = tmp_path / "real.txt", tmp_path / "link.txt"
    target.write_text("old")
    link.symlink_to(target)
    with atomic_path(link) as tmp:
        tmp.write_text("new")
    assert link.is_symlink() and target.read_text() == "new"


def test_a_failed_write_leaves_the_target_and_no_temporary_file(tmp_path):
    target = tmp_path / "kept.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("stop")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["kept.txt"]


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def test_outputs_indexes_and_models_get_the_umask_mode(tmp_path, seed_text):
    """One policy for the three kinds of file: the mode ``open()`` gives a new file."""
    index = SiteIndex()
    for n in range(2):
        index_page(make_page(seed_text, "text", id=str(n), url=f"https://a.example/{n}"), index)
    model = load_model()
    with umask(0o027):
        code, _, _ = invoke("clean", "-q", "-o", str(tmp_path / "out.txt"), SEED)
        index.save(tmp_path / "site.index")
        save_model(model.pipeline, model.card, tmp_path / "model.joblib")
    assert code == 0
    modes = {name: stat.S_IMODE(os.stat(tmp_path / name).st_mode)
             for name in ("out.txt", "site.index", "model.joblib", "model.json")}
    assert modes == dict.fromkeys(modes, 0o640)

