"""Separate editorial text from boilerplate (ads, disclaimers, navigation) in scraped pages.

The small public API::

    from classifier import load_model, clean_html, clean_text, score_html, score_text
    model = load_model()                 # the shipped default, loaded once
    text = clean_html(html, model=model)  # editorial text
    page = score_text(text, model=model)  # labelled paragraphs
"""

from classifier.api import (
    ScoringOptions,
    clean_html,
    clean_many,
    clean_page,
    clean_text,
    score_html,
    score_pages,
    score_text,
)
from classifier.artifact import Model, ModelError, load_model
from classifier.document import InputKind, Page, Paragraph, Recurrence
from classifier.labels import Label
from classifier.sites import make_page

__version__ = "0.1.0"

__all__ = [
    "InputKind",
    "Label",
    "Model",
    "ModelError",
    "Page",
    "Paragraph",
    "Recurrence",
    "ScoringOptions",
    "__version__",
    "clean_html",
    "clean_many",
    "clean_page",
    "clean_text",
    "load_model",
    "make_page",
    "score_html",
    "score_pages",
    "score_text",
]
