"""How well two language identifiers name a page's language: the stop-word guess the features
make (``stopwords.guess_language``, unpublished) and py3langid (``language.identify_language``,
in the output of ``--with-metadata`` and ``--language``).

Two references: the 84 articles in 28 languages of ``data/synthetic/articles.json`` (our own
writing, labelled with their language), read whole and by their first paragraph; and the WCXB
pages of a split whose ``<html lang>`` attribute names a language (their gold text), which
are mostly English. Prints accuracy and CPU milliseconds per text.

    python benchmarks/language.py [--split dev]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

from classifier.language import LANGUAGE_SAMPLE_CHARS, identify_language
from classifier.stopwords import guess_language, stop_word_rows
from classifier.training.datasets import datasets_dir

ROOT = Path(__file__).resolve().parents[1]
_HTML_LANG = re.compile(r"<html[^>]*\slang\s*=\s*[\"']?([a-zA-Z]{2,3})\b", re.I)


def stop_word_language(text: str) -> str | None:
    """The language whose stop words cover most of ``text``'s first tokens, as the features
    guess it (ISO code of ``stopwordsiso``)."""
    import stopwordsiso

    words = re.findall(r"\w+", text.lower())  # the features' word tokens
    column = guess_language(stop_word_rows(np.asarray(words, dtype=object)))
    return None if column is None else sorted(stopwordsiso.langs())[column]


def references(split: str) -> dict[str, list[tuple[str, str]]]:
    """(language, text) pairs per reference set."""
    articles = json.loads((ROOT / "data" / "synthetic" / "articles.json").read_text("utf-8"))
    wcxb = []
    path = datasets_dir(None) / "wcxb.jsonl.gz"
    if path.exists():
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                match = _HTML_LANG.search(record["html"][:20000])
                if record["split"] == split and match:
                    wcxb.append((match.group(1).lower(), record["gold_text"]))
    return {"articles (28 languages), whole": [(a["language"], "\n\n".join(a["paragraphs"]))
                                               for a in articles],
            "articles (28 languages), first paragraph": [(a["language"], a["paragraphs"][0])
                                                         for a in articles],
            f"wcxb {split} with <html lang>": wcxb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="dev")
    args = parser.parse_args()
    identifiers: dict[str, Callable[[str], str | None]] = {
        "stop words": stop_word_language, "py3langid": identify_language}
    identify_language("warm up: load the model")
    for name, pairs in references(args.split).items():
        if not pairs:
            print(f"{name}: no texts (corpora absent)")
            continue
        languages = Counter(language for language, _ in pairs)
        print(f"{name}: {len(pairs)} texts, {len(languages)} languages "
              f"({', '.join(f'{k} {n}' for k, n in languages.most_common(5))}...)")
        for label, identify in identifiers.items():
            started = time.process_time()
            guesses = [identify(text) for _, text in pairs]
            seconds = time.process_time() - started
            right = sum(g == language for g, (language, _) in zip(guesses, pairs, strict=True))
            wrong = Counter(f"{language}->{g}" for g, (language, _) in
                            zip(guesses, pairs, strict=True) if g != language)
            print(f"  {label:10s} accuracy {right / len(pairs):.3f} ({right}/{len(pairs)}), "
                  f"{1000 * seconds / len(pairs):.2f} ms per text"
                  + (f"; misses {dict(wrong.most_common(6))}" if wrong else ""))
    print(f"(py3langid reads the first {LANGUAGE_SAMPLE_CHARS} characters of a text)")


if __name__ == "__main__":
    main()
