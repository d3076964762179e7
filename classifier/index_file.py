"""The site index file: a versioned zip of JSON and numpy arrays, no pickles.

``header.json`` holds the format name and version, the ``IndexConfig`` and, per site, its page
keys and numbers; ``arrays.npz`` holds, per site ``n``, its nodes' exact keys
(``n.hashes``), the pages each node occurs on (``n.indptr``, ``n.members``: sparse rows) and
the MinHash signatures of the nodes that have one (``n.signed``, ``n.signatures``). This module
knows the layout; the index (``recurrence.SiteIndex``) hands it and takes back one
``SiteRecord`` per site.

Reading validates before it allocates, so a hostile or damaged file is refused with an
``IndexFileError`` instead of exhausting memory or crashing: a member (and each array inside
``arrays.npz``) may inflate to at most ``MAX_INFLATION`` times its compressed size, checked on
its declared size before it is inflated (a zip bomb costs nothing); the header is JSON nested at
most ``jsondata.MAX_DEPTH`` deep and of the expected shape, its ``IndexConfig`` validated
before any array is read; each ``.npy`` array's declared shape and type must match the bytes it
has, and the arrays of a site must agree with each other and with its pages. ``FileVersion``
names the file read or written, so that a writer can tell whether another run replaced it.
"""

from __future__ import annotations

import io
import json
import math
import os
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import IO, Any

import numpy as np

from classifier import jsondata
from classifier.atomic import atomic_path, open_regular
from classifier.fingerprints import IndexConfig

#: Bumped when the layout changes; files of another version are refused with a clear message.
INDEX_FORMAT_VERSION = 2
FORMAT_NAME = "boilerplate-site-index"


#: Most bytes a member of the file (or an array inside ``arrays.npz``) may inflate to, per byte
#: it takes compressed, and at least ``MIN_INFLATED_BYTES``. A real index inflates a few times
#: (its MinHash signatures are random: incompressible); a zip bomb a thousand times.
MAX_INFLATION = 100
MIN_INFLATED_BYTES = 1 << 20
#: The arrays of a site: the type each is written with, and its dimensions.
_ARRAYS: dict[str, tuple[type, int]] = {
    "hashes": (np.uint64, 1), "indptr": (np.int64, 1), "members": (np.int64, 1),
    "signed": (np.int64, 1), "signatures": (np.uint64, 2)}


class IndexFileError(Exception):
    """An index file that cannot be read: missing, truncated, corrupt or from another version."""


@dataclass(frozen=True)
class FileVersion:
    """Which file a path held when it was read or written: a file replaced since (as every
    write replaces it) has another ``inode``."""

    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, info: os.stat_result) -> FileVersion:
        return cls(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def file_version(path: str | os.PathLike[str]) -> FileVersion | None:
    """The version of the file at ``path`` now, ``None`` when there is none."""
    try:
        return FileVersion.of(os.stat(path))
    except FileNotFoundError:
        return None


@dataclass
class SiteRecord:
    """One site of an index as its file holds it.

    ``pages``: page key (URL, else id) and page number, by number. Per node (a distinct
    normalised paragraph, numbered from 0): ``node_hashes``, its exact key, and ``node_pages``,
    the sorted numbers of the pages it occurs on. ``signed``: the nodes that have a MinHash
    signature, in order, and ``signatures`` those signatures, one row of ``num_perm`` each.
    """

    pages: list[tuple[str, int]]
    node_hashes: list[int]
    node_pages: list[list[int]]
    signed: list[int]
    signatures: np.ndarray


def write_index_file(path: str | os.PathLike[str], config: IndexConfig,
                     sites: Mapping[str, SiteRecord]) -> FileVersion | None:
    """Write an index's config and sites to ``path`` atomically; returns the version written
    (``None`` for a target written in place, such as a device)."""
    keys = sorted(sites)
    header = {"format": FORMAT_NAME, "version": INDEX_FORMAT_VERSION, "config": asdict(config),
              "sites": keys, "pages": [sites[key].pages for key in keys]}
    arrays: dict[str, np.ndarray] = {}
    for n, key in enumerate(keys):
        site = sites[key]
        arrays[f"{n}.hashes"] = np.asarray(site.node_hashes, dtype=np.uint64)
        arrays[f"{n}.indptr"] = np.cumsum([0, *map(len, site.node_pages)]).astype(np.int64)
        arrays[f"{n}.members"] = np.asarray([p for m in site.node_pages for p in m],
                                            dtype=np.int64)
        arrays[f"{n}.signed"] = np.asarray(site.signed, dtype=np.int64)
        arrays[f"{n}.signatures"] = site.signatures
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("header.json", json.dumps(header))
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)  # type: ignore[arg-type]  # numpy's stub
        archive.writestr("arrays.npz", buffer.getvalue())
    return file_version(path)


def read_index_file(path: str | os.PathLike[str]
                    ) -> tuple[IndexConfig, dict[str, SiteRecord], FileVersion]:
    """The config and sites of the index file at ``path``, and the version of the file read;
    ``IndexFileError`` saying what is wrong when it cannot be used (see the module docstring).
    The file is opened once (non-blocking: a FIFO is refused, not waited on)."""
    try:
        handle = open_regular(path)
    except FileNotFoundError:
        raise IndexFileError(f"index file {path} not found") from None
    except OSError as error:
        raise IndexFileError(f"index file {path} cannot be read: "
                             f"{error.strerror or error}") from None
    with handle:
        info = os.fstat(handle.fileno())
        config, sites = _read(handle, path)
    return config, sites, FileVersion.of(info)


def _read(handle: IO[bytes], path: str | os.PathLike[str]
          ) -> tuple[IndexConfig, dict[str, SiteRecord]]:
    try:
        with zipfile.ZipFile(handle) as archive:
            header = jsondata.loads(_member(archive, "header.json"))
            _check_format(header, path)
            try:
                config, keys, pages = _header(header)
            except (KeyError, TypeError, ValueError) as error:
                raise IndexFileError(f"index file {path} is inconsistent ({error}); "
                                     "rebuild it") from None
            arrays = _arrays(_member(archive, "arrays.npz"))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, ValueError, OSError, EOFError,
            zlib.error, NotImplementedError) as error:
        raise IndexFileError(f"index file {path} is truncated or corrupt ({error}); "
                             "rebuild it with `boilerplate index build`") from None
    try:
        sites = {key: _site_record(pages[n], arrays, n, config.num_perm)
                 for n, key in enumerate(keys)}
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise IndexFileError(f"index file {path} is inconsistent ({error}); "
                             "rebuild it") from None
    return config, sites


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    """The bytes of member ``name``, refused (``ValueError``) before it is inflated when it
    would inflate past ``MAX_INFLATION``."""
    info = archive.getinfo(name)
    most = max(MIN_INFLATED_BYTES, info.compress_size * MAX_INFLATION)
    if info.file_size > most:
        raise ValueError(f"{name} would inflate to {info.file_size} bytes from "
                         f"{info.compress_size}: more than {MAX_INFLATION} times")
    with archive.open(info) as member:
        data = member.read(most + 1)
    if len(data) > most:
        raise ValueError(f"{name} inflates to more than {most} bytes")
    return data


def _check_format(header: Any, path: str | os.PathLike[str]) -> None:
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise IndexFileError(f"{path} is not a boilerplate site index")
    if header.get("version") != INDEX_FORMAT_VERSION:
        raise IndexFileError(f"index file {path} has format version {header.get('version')}, "
                             f"this version reads {INDEX_FORMAT_VERSION}; rebuild it")


def _header(header: dict[str, Any]) -> tuple[IndexConfig, list[str], list[list[Any]]]:
    """The validated config, site keys and per-site pages of a header."""
    if not isinstance(header.get("config"), dict):
        raise ValueError("config is not an object")
    config = IndexConfig(**header["config"])
    keys, pages = header.get("sites"), header.get("pages")
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        raise ValueError("sites is not a list of strings")
    if len(set(keys)) != len(keys):
        raise ValueError("a site is listed twice")
    if not isinstance(pages, list) or len(pages) != len(keys):
        raise ValueError("pages is not a list per site")
    for site in pages:
        if not isinstance(site, list) or not all(
                isinstance(page, list) and len(page) == 2 and isinstance(page[0], str)
                and isinstance(page[1], int) and not isinstance(page[1], bool) and page[1] >= 0
                for page in site):
            raise ValueError("a site's pages are not [key, number] pairs")
    return config, keys, pages


def _arrays(npz: bytes) -> dict[str, np.ndarray]:
    """The arrays of ``arrays.npz``, each checked (type, shape, size) before it is built."""
    arrays = {}
    with zipfile.ZipFile(io.BytesIO(npz)) as archive:
        for name in archive.namelist():
            stem = name.removesuffix(".npy")
            kind = stem.rpartition(".")[2]
            if kind not in _ARRAYS:
                raise ValueError(f"unexpected array {name}")
            arrays[stem] = _array(_member(archive, name), *_ARRAYS[kind], name)
    return arrays


def _array(data: bytes, kind: type, dimensions: int, name: str) -> np.ndarray:
    """One ``.npy`` array of 8-byte integers in ``dimensions``, its declared shape matching
    its bytes (checked before anything is allocated), as ``kind``."""
    stream = io.BytesIO(data)
    version = np.lib.format.read_magic(stream)
    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                   else np.lib.format.read_array_header_2_0)
    shape, fortran, dtype = read_header(stream)
    if dtype.kind not in "ui" or dtype.itemsize != 8 or len(shape) != dimensions or fortran:
        raise ValueError(f"{name}: {dtype} {shape} is not an array of this index")
    count = math.prod(shape)
    if count * dtype.itemsize != len(data) - stream.tell():
        raise ValueError(f"{name}: shape {shape} does not match its {len(data)} bytes")
    return np.frombuffer(data, dtype=dtype, count=count,
                         offset=stream.tell()).reshape(shape).astype(kind)


def _site_record(pages: list[list[Any]], arrays: dict[str, np.ndarray], n: int,
                 num_perm: int) -> SiteRecord:
    indptr, members = arrays[f"{n}.indptr"], arrays[f"{n}.members"]
    hashes, signed = arrays[f"{n}.hashes"], arrays[f"{n}.signed"]
    signatures = arrays[f"{n}.signatures"]
    numbers = np.array([number for _, number in pages], dtype=np.int64)
    if (len(indptr) != len(hashes) + 1 or indptr[0] != 0
            or indptr[-1] != len(members) or np.any(np.diff(indptr) < 0)):
        raise ValueError(f"site {n}: node rows do not match")
    if len(set(numbers.tolist())) != len(numbers) or len({key for key, _ in pages}) != len(pages):
        raise ValueError(f"site {n}: a page is listed twice")
    if not np.isin(members, numbers).all():
        raise ValueError(f"site {n}: a node occurs on a page the site does not have")
    if (signatures.shape != (len(signed), num_perm) or len(np.unique(signed)) != len(signed)
            or np.any((signed < 0) | (signed >= len(hashes)))):
        raise ValueError(f"site {n}: signatures do not match the nodes")
    listed = members.tolist()
    return SiteRecord(pages=[(key, number) for key, number in pages],
                      node_hashes=hashes.tolist(),
                      node_pages=[listed[indptr[i]: indptr[i + 1]] for i in range(len(hashes))],
                      signed=signed.tolist(), signatures=signatures)
