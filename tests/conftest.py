"""Shared fixtures: the shipped model, the seed page, and the public corpora when present."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from classifier.artifact import Model, load_model

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def datasets_path() -> Path:
    """The corpora folder: $BOILERPLATE_DATASETS or ../shared/datasets beside the checkout."""
    return Path(os.environ.get("BOILERPLATE_DATASETS", ROOT.parent / "shared" / "datasets"))


@pytest.fixture(scope="session")
def model() -> Model:
    return load_model()


@pytest.fixture(scope="session")
def seed_text() -> str:
    return (ROOT / "data" / "seed-page.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_labels() -> list[dict]:
    lines = (FIXTURES / "seed-page.labels.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="session")
def datasets() -> Path:
    path = datasets_path()
    if not (path / "dragnet.jsonl.gz").exists():
        pytest.skip(f"public datasets not found at {path} (set BOILERPLATE_DATASETS)")
    return path
