"""Evaluation gate: F1 on a fixed, checksummed slice of the public test data must not drop.

Floors are pinned from a real run of the shipped model (minus a small margin for library
noise); the slice's checksum makes sure the pages are the ones the floors were pinned on.
"""

import hashlib

import pytest

from classifier.training.evaluate import quality_by_dataset, score_split

#: First pages of each corpus' test split.
SLICE_PAGES = 25
#: sha256 over the slice's ids and gold texts, pinned with the floors.
SLICE_SHA256 = "f39cd9337998e16ab18c0b93466a873a7d07213d101f0ca0789057c234de011f"
#: Mean token F1 per mode over dragnet, cleaneval and l3s-gn1 on the slice, pinned from
#: `python -m pytest tests/test_quality_gate.py -s` on the shipped model, minus 0.01.
FLOORS = {"html": 0.946, "text": 0.827}


@pytest.fixture(scope="module")
def scored(model, datasets):
    return score_split(model, datasets, "test", datasets=("dragnet", "cleaneval", "l3s-gn1"),
                       limit=SLICE_PAGES)


def test_slice_is_the_pinned_one(scored):
    digest = hashlib.sha256()
    for page in scored:
        if page.mode == "html":
            digest.update(page.id.encode() + b"\0" + page.gold.encode() + b"\0")
    print("slice sha256", digest.hexdigest())
    assert digest.hexdigest() == SLICE_SHA256


@pytest.mark.parametrize("mode", ["html", "text"])
def test_f1_above_floor(scored, model, mode):
    f1 = quality_by_dataset(scored, model.threshold)[mode]["headline"].f1
    print(f"{mode} slice F1 {f1:.4f}")
    assert f1 >= FLOORS[mode]
