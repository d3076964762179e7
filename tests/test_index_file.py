"""The site index file (index_file.py): what a damaged or hostile file gets (a clear
``IndexFileError``, validated before anything is allocated), and concurrent writers, which
merge rather than lose each other's pages."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from classifier.index_file import MAX_INFLATION, IndexFileError
from classifier.recurrence import SiteIndex
from tests.conftest import ROOT

NOTE = "Prices are indicative only and are not an offer to buy or sell any security at all."


def _index(path: Path, pages: int = 3, site: str = "a.com", first: int = 0) -> Path:
    index = SiteIndex.load(path) if path.exists() else SiteIndex()
    for n in range(first, first + pages):
        index.add_texts(site, f"https://{site}/{n}", [f"Story {n} of the day, told once.", NOTE])
    index.save(path)
    return path


def _rewrite(path: Path, header=None, arrays: dict[str, bytes] | None = None,
             raw_header: bytes | None = None) -> Path:
    """The index at ``path`` with its header (as JSON, or raw bytes) or some ``.npy`` arrays of
    ``arrays.npz`` replaced."""
    with zipfile.ZipFile(path) as archive:
        old_header = archive.read("header.json")
        npz = archive.read("arrays.npz")
    if arrays:
        members = {}
        with zipfile.ZipFile(io.BytesIO(npz)) as inner:
            for name in inner.namelist():
                members[name] = arrays.get(name, inner.read(name))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as inner:
            for name, data in members.items():
                inner.writestr(name, data)
        npz = buffer.getvalue()
    if raw_header is None:
        raw_header = old_header if header is None else json.dumps(header).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("header.json", raw_header)
        archive.writestr("arrays.npz", npz)
    return path


def _header(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("header.json"))


@pytest.mark.parametrize("header", [b"[1, 2, 3]", b'"a string"', b"42", b"null"])
def test_issue15_item6_a_header_that_is_not_an_object_is_refused(tmp_path, header):
    path = _rewrite(_index(tmp_path / "site.index"), raw_header=header)
    with pytest.raises(IndexFileError, match="not a boilerplate site index"):
        SiteIndex.load(path)


def test_issue15_item6_a_header_nested_thousands_deep_is_refused(tmp_path):
    path = _rewrite(_index(tmp_path / "site.index"),
                    raw_header=b'{"format": ' + b"[" * 5000 + b"]" * 5000 + b"}")
    with pytest.raises(IndexFileError, match="nested deeper than 100 levels"):
        SiteIndex.load(path)


def test_issue15_item6_every_byte_flip_is_refused_or_harmless(tmp_path):
    # Flipping each byte in turn reaches the deflate data (zlib.error), the CRCs, the zip
    # directory, the JSON and the arrays: each load is refused with an IndexFileError or reads
    # an index (a flip in a timestamp or a padding byte), never anything else.
    path = _index(tmp_path / "site.index")
    data = path.read_bytes()
    outcomes = set()
    for at in range(len(data)):
        path.write_bytes(data[:at] + bytes([data[at] ^ 0x55]) + data[at + 1:])
        try:
            SiteIndex.load(path)
            outcomes.add("loaded")
        except IndexFileError as error:
            outcomes.add(str(error).split(" (")[0].split(path.name)[-1])
    assert outcomes >= {" is truncated or corrupt", "loaded"}


def test_issue15_item7_a_member_that_would_inflate_to_gigabytes_is_refused_unread(tmp_path):
    # 200 MB of blanks deflate to about 200 KB: a thousand times, refused on the member's
    # declared size before anything is inflated.
    path = tmp_path / "bomb.index"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("header.json", "w", force_zip64=True) as member:
            for _ in range(200):
                member.write(b" " * (1 << 20))
        archive.writestr("arrays.npz", b"")
    started = time.process_time()
    with pytest.raises(IndexFileError, match=f"more than {MAX_INFLATION} times"):
        SiteIndex.load(path)
    assert time.process_time() - started < 5  # not inflated (inflating takes ~1 s of CPU)


def _npy(shape: tuple[int, ...], payload: bytes, dtype: str = "<i8") -> bytes:
    header = repr({"descr": dtype, "fortran_order": False, "shape": shape})
    header += " " * (-(len(header) + 11) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + payload


@pytest.mark.parametrize(("array", "shape", "dtype"), [
    ("0.members.npy", (2_000_000_000_000,), "<i8"),  # 16 TB declared, 8 bytes given
    ("0.signatures.npy", (1, 2_000_000_000_000), "<u8"),
    ("0.hashes.npy", (1,), "|O"),  # pickled objects
    ("0.hashes.npy", (1, 1), "<u8"),  # the wrong dimensions
])
def test_issue15_item7_npy_arrays_are_checked_before_they_are_built(tmp_path, array, shape,
                                                                    dtype):
    path = _rewrite(_index(tmp_path / "site.index"), arrays={array: _npy(shape, b"\0" * 8,
                                                                         dtype)})
    with pytest.raises(IndexFileError, match="truncated or corrupt|inconsistent"):
        SiteIndex.load(path)


@pytest.mark.parametrize(("name", "value"), [("num_perm", 10**12), ("num_perm", 1e12),
                                             ("shingle_words", 10**9), ("threshold", 2),
                                             ("seed", -1), ("unknown", 1)])
def test_issue15_item7_config_parameters_are_validated_before_anything_is_built(
        tmp_path, name, value):
    path = _index(tmp_path / "site.index")
    header = _header(path)
    header["config"][name] = value
    started = time.process_time()
    with pytest.raises(IndexFileError, match="inconsistent"):
        SiteIndex.load(_rewrite(path, header))
    assert time.process_time() - started < 5


@pytest.mark.parametrize("change", ["pages", "signed", "indptr"])
def test_arrays_that_disagree_with_the_pages_are_refused(tmp_path, change):
    path = _index(tmp_path / "site.index")
    header = _header(path)
    if change == "pages":  # a node on page 1, which the site no longer lists
        header["pages"][0] = header["pages"][0][:1]
        _rewrite(path, header)
    elif change == "signed":  # a signature for node 99 of 3
        _rewrite(path, arrays={"0.signed.npy": _npy((1,), np.int64(99).tobytes())})
    else:
        _rewrite(path, arrays={"0.indptr.npy": _npy((2,), np.array([0, 999]).tobytes())})
    with pytest.raises(IndexFileError, match="inconsistent"):
        SiteIndex.load(path)


def test_a_fifo_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "site.index"
    os.mkfifo(fifo)
    with pytest.raises(IndexFileError, match="not a regular file"):
        SiteIndex.load(fifo)


WRITER = """
import sys
from classifier.recurrence import SiteIndex
path, site, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
note = "Prices are indicative only and are not an offer to buy or sell any security at all."
for n in range(rounds):
    index = SiteIndex.load(path) if __import__("os").path.exists(path) else SiteIndex()
    index.add_texts(site, f"https://{site}/{n}", [f"Story {n} of {site}, told once.", note])
    index.save(path)
"""


def test_issue15_two_processes_sharing_an_index_lose_no_pages(tmp_path):
    # Two real processes load, add a page and save, 15 times each, as fast as they can: each
    # save merges what the other wrote since its load, under the file's lock. (Before: each
    # renamed its own copy over the file, and about half the pages were lost.)
    path = tmp_path / "site.index"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), site, "15"], env=env,
                                stderr=subprocess.PIPE) for site in ("a.com", "b.org")]
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err.decode()
    assert SiteIndex.load(path).stats()["pages"] == 30
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site.index"]


def test_issue15_a_killed_writer_leaves_no_temporary_file_once_the_index_is_written_again(
        tmp_path):
    path = _index(tmp_path / "site.index")
    leftover = tmp_path / ".site.index.0123456789ab.tmp"  # what a SIGKILL mid-write leaves
    leftover.write_bytes(b"PK half an index")
    unrelated = tmp_path / ".site.index.old.tmp"
    unrelated.write_bytes(b"not ours")
    _index(path, first=3)
    assert not leftover.exists() and unrelated.exists()
    assert SiteIndex.load(path).stats()["pages"] == 6


def test_a_file_made_with_another_config_is_not_merged_into(tmp_path):
    from classifier.fingerprints import IndexConfig

    path = _index(tmp_path / "site.index")
    other = SiteIndex(IndexConfig(num_perm=32))
    other.add_texts("b.org", "https://b.org/0", [NOTE])
    with pytest.raises(IndexFileError, match="another configuration"):
        other.save(path)
    other.save(path, replace=True)
    assert SiteIndex.load(path).config.num_perm == 32
