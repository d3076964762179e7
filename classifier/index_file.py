"""The site index file: a versioned zip of JSON and numpy arrays, no pickles.

``header.json`` holds the format name and version, the ``IndexConfig`` and, per site, its page
keys and numbers; ``arrays.npz`` holds, per site ``n``, its nodes' exact keys
(``n.hashes``), the pages each node occurs on (``n.indptr``, ``n.members``: sparse rows) and
the MinHash signatures of the nodes that have one (``n.signed``, ``n.signatures``). This module
knows the layout; the index (``recurrence.SiteIndex``) hands it and takes back one
``SiteRecord`` per site.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np

from classifier.atomic import atomic_path
from classifier.fingerprints import IndexConfig

#: Bumped when the layout changes; files of another version are refused with a clear message.
INDEX_FORMAT_VERSION = 2
FORMAT_NAME = "boilerplate-site-index"


class IndexFileError(Exception):
    """An index file that cannot be read: missing, truncated, corrupt or from another version."""


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
                     sites: Mapping[str, SiteRecord]) -> None:
    """Write an index's config and sites to ``path`` atomically."""
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


def read_index_file(path: str | os.PathLike[str]) -> tuple[IndexConfig, dict[str, SiteRecord]]:
    """The config and sites of the index file at ``path``; ``IndexFileError`` saying what is
    wrong when it cannot be used."""
    try:
        with zipfile.ZipFile(path) as archive:
            header = json.loads(archive.read("header.json"))
            loaded = np.load(io.BytesIO(archive.read("arrays.npz")), allow_pickle=False)
            arrays = {k: loaded[k] for k in loaded.files}
    except FileNotFoundError:
        raise IndexFileError(f"index file {path} not found") from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as error:
        raise IndexFileError(f"index file {path} is truncated or corrupt ({error}); "
                             "rebuild it with `boilerplate index build`") from None
    if header.get("format") != FORMAT_NAME:
        raise IndexFileError(f"{path} is not a boilerplate site index")
    if header.get("version") != INDEX_FORMAT_VERSION:
        raise IndexFileError(f"index file {path} has format version {header.get('version')}, "
                             f"this version reads {INDEX_FORMAT_VERSION}; rebuild it")
    try:
        config = IndexConfig(**header["config"])
        sites = {key: _site_record(header["pages"][n], arrays, n, config.num_perm)
                 for n, key in enumerate(header["sites"])}
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise IndexFileError(f"index file {path} is inconsistent ({error}); "
                             "rebuild it") from None
    return config, sites


def _site_record(pages: list[list], arrays: dict[str, np.ndarray], n: int,
                 num_perm: int) -> SiteRecord:
    indptr, members = arrays[f"{n}.indptr"], arrays[f"{n}.members"].tolist()
    hashes = arrays[f"{n}.hashes"].tolist()
    signed = arrays[f"{n}.signed"].tolist()
    signatures = arrays[f"{n}.signatures"]
    if len(indptr) != len(hashes) + 1 or signatures.shape != (len(signed), num_perm):
        raise ValueError(f"site {n}: arrays of different lengths")
    return SiteRecord(pages=[(str(key), int(number)) for key, number in pages],
                      node_hashes=hashes,
                      node_pages=[members[indptr[i]: indptr[i + 1]] for i in range(len(hashes))],
                      signed=signed, signatures=signatures)
