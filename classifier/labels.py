"""The label set every stage speaks."""

from __future__ import annotations

from enum import Enum


class Label(str, Enum):
    """What a paragraph is. ``CONTENT`` is editorial text; the rest are kinds of boilerplate."""

    CONTENT = "content"
    COMMENT = "comment"
    NAVIGATION = "navigation"
    ADVERTISEMENT = "advertisement"
    DISCLAIMER = "disclaimer"
    OTHER = "other"


#: The fixed order of the model's classes (and of probability columns).
LABELS: tuple[Label, ...] = tuple(Label)
BOILERPLATE_KINDS: tuple[Label, ...] = (
    Label.NAVIGATION,
    Label.ADVERTISEMENT,
    Label.DISCLAIMER,
    Label.OTHER,
)
