"""The language of a page's editorial text, by py3langid (langid.py's model: 97 languages).

The stop-word guess the features make (``stopwords.guess_language``) picks which stop-word list
to count; it is not published: on our 84 articles in 28 languages it names the language of
88% of them (it has no lists for Chinese and Japanese, and reads Thai as Spanish), py3langid
all of them (``python benchmarks/language.py``). The model loads on first use, in the process
that scores (about a second), never at import time.
"""

from __future__ import annotations

#: Characters of a page's kept text read to name its language: the first few paragraphs say
#: it as well as the whole page does (``benchmarks/language.py``), at a fraction of the time.
LANGUAGE_SAMPLE_CHARS = 2000


def identify_language(text: str) -> str | None:
    """The ISO 639-1 code of the language ``text`` is in (``"en"``), or ``None`` when it has
    no letters to tell by. Reads the first ``LANGUAGE_SAMPLE_CHARS`` characters."""
    sample = text[:LANGUAGE_SAMPLE_CHARS]
    if not any(ch.isalpha() for ch in sample):
        return None
    import py3langid  # its model loads on the first call (py3langid keeps it)

    return str(py3langid.classify(sample)[0])
