"""The model artifact: a joblib ``Pipeline`` with a JSON card beside it, checked before loading.

joblib files are pickles, which run code when loaded, so a file is unpickled only when its
sha256 matches the card beside it, and a file other than the shipped default only when the
caller says they trust it.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from classifier import jsondata
from classifier.atomic import atomic_path, open_regular
from classifier.labels import LABELS

# numpy, joblib, scikit-learn and threadpoolctl are imported where a model is loaded or used,
# so that what never scores (``boilerplate --help``, a reader) does not wait for them.
if TYPE_CHECKING:
    import numpy as np
    from sklearn.pipeline import Pipeline
    from threadpoolctl import ThreadpoolController

    from classifier.features import ParagraphTable

#: Bumped when the artifact's input or output contract changes.
FORMAT_VERSION = 1
DEFAULT_MODEL_NAME = "default.joblib"


class ModelError(Exception):
    """A model file that cannot be used: missing, tampered with, untrusted or incompatible."""


@dataclass(frozen=True)
class Model:
    """A loaded paragraph model and its card."""

    pipeline: Pipeline
    card: dict[str, Any]

    @property
    def threshold(self) -> float:
        """Probability of content (0..1) from which a paragraph is content: the threshold chosen
        for this model on dev, from its card (options may override it)."""
        return card_threshold(self.card)

    def preset_threshold(self, preset: str) -> float:
        """The threshold of a trade-off chosen on dev and kept in the card's ``presets``
        (``"precision"``, ``"recall"``); ``ModelError`` when the card has none."""
        value = (self.card.get("presets") or {}).get(preset, {})
        return card_threshold({"threshold": value.get("threshold")}, f"{preset!r} preset")

    def predict_proba(self, table: ParagraphTable) -> np.ndarray:
        """Probabilities per paragraph row of ``table``, columns in ``labels.LABELS`` order.

        Runs single-threaded: the boosted trees' OpenMP threads cost far more than they save on
        a call of a few thousand paragraphs (several times slower on two cores, worse on a busy
        machine); parallelism comes from worker processes (``runner``) instead.
        """
        import numpy as np

        if not len(table):
            return np.zeros((0, len(LABELS)))
        with _thread_pools().limit(limits=1):
            proba = self.pipeline.predict_proba(table)
        classes = list(self.pipeline.classes_)
        out = np.zeros((len(table), len(LABELS)))
        for j, label in enumerate(LABELS):
            if label.value in classes:
                out[:, j] = proba[:, classes.index(label.value)]
        return out


@functools.cache
def _thread_pools() -> ThreadpoolController:
    # Finding the process's thread pools takes milliseconds; the controller is reused.
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def card_threshold(card: dict[str, Any], what: str = "threshold") -> float:
    """The threshold in a model card; ``ModelError`` when it has none between 0 and 1.
    ``what`` names it in the message."""
    threshold = card.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) \
            or not 0 <= threshold <= 1:
        raise ModelError(f"the model card has no {what} between 0 and 1 ({threshold!r}); "
                         "measure it with `boilerplate train --metrics-only`")
    return float(threshold)


def card_path(model_path: Path) -> Path:
    """Where the card of ``model_path`` lives: same name, ``.json``."""
    return model_path.with_suffix(".json")


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save_model(pipeline: Pipeline, card: dict[str, Any], path: Path) -> dict[str, Any]:
    """Write ``pipeline`` to ``path`` and its card (with the sha256) beside it, atomically.

    Returns the card as written.
    """
    import joblib

    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        joblib.dump(pipeline, handle, compress=3)
    card = {**card, "format_version": FORMAT_VERSION, "labels": [label.value for label in LABELS],
            "artifact": path.name, "sha256": sha256_of(path)}
    write_card(path, card)
    return card


def write_card(model_path: Path, card: dict[str, Any]) -> None:
    """Write the card of ``model_path`` atomically (the artifact and its sha256 untouched)."""
    with atomic_path(card_path(model_path)) as tmp:
        tmp.write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def default_model_path() -> Path:
    """The shipped default model inside the installed package."""
    return Path(str(resources.files("classifier.model_data").joinpath(DEFAULT_MODEL_NAME)))


def _is_shipped(info: os.stat_result) -> bool:
    """Whether an opened file (``os.fstat``) is the shipped default model itself."""
    try:
        shipped = os.stat(default_model_path())
    except OSError:
        return False
    return (info.st_dev, info.st_ino) == (shipped.st_dev, shipped.st_ino)


def _read_card(path: Path) -> dict[str, Any]:
    try:
        card = jsondata.loads(path.read_bytes())
    except (OSError, ValueError) as error:
        raise ModelError(f"model card {path} missing or unreadable: {error}") from None
    if not isinstance(card, dict):
        raise ModelError(f"model card {path} is not a JSON object")
    return card


def load_model(path: str | os.PathLike[str] | None = None, trust: bool = False) -> Model:
    """Load a model, checking its card first.

    ``path`` ``None`` loads the shipped default. Any other file needs ``trust=True``, because
    loading runs code from it (a path that is the shipped file itself, e.g. a link to it, does
    not). The file is opened once: whether it is the shipped one is asked of the opened file,
    and the bytes read from it are hashed and unpickled, so a file swapped for another along the
    way is never loaded unchecked. Raises ``ModelError`` with what to do when the card is
    missing or unreadable, the sha256 differs, or the format or label set is not this
    version's.
    """
    model_path = default_model_path() if path is None else Path(path)
    try:
        handle = open_regular(model_path)
    except OSError as error:
        raise ModelError(f"model file {model_path} cannot be read: "
                         f"{error.strerror or error}") from None
    with handle:
        info = os.fstat(handle.fileno())
        shipped = _is_shipped(info)
        if not trust and not shipped:
            raise ModelError(f"{model_path} is not the shipped model; loading a model runs code "
                             "from it, so pass --trust-model (trust=True) if you trust this "
                             "file")
        data = handle.read()
    # The shipped file is checked against the shipped card, wherever the path to it leads.
    card = _read_card(card_path(default_model_path() if shipped else model_path))
    if card.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{model_path} has format version {card.get('format_version')}, "
                         f"this version reads {FORMAT_VERSION}; retrain with `boilerplate train`")
    if card.get("labels") != [label.value for label in LABELS]:
        raise ModelError(f"{model_path} was trained on labels {card.get('labels')}, not this "
                         "version's label set; retrain with `boilerplate train`")
    if hashlib.sha256(data).hexdigest() != card.get("sha256"):
        raise ModelError(f"{model_path} does not match the sha256 in its card; the file was "
                         "changed or truncated, refusing to load it")
    import joblib

    try:
        pipeline = joblib.load(io.BytesIO(data))
    except Exception as error:  # a pickle from another library version fails in many ways
        raise ModelError(f"{model_path} could not be loaded ({type(error).__name__}: {error}); "
                         "it may come from other library versions, see its card") from None
    return Model(pipeline=pipeline, card=card)
