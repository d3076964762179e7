"""Lexical and DOM cues of boilerplate, in many languages, as named precompiled patterns.

They are model features (and weak-labelling rules), never final verdicts on their own: the model
learns how much each is worth beside shape, n-gram, DOM and recurrence evidence.

Text patterns expect lower-cased text (matching lower-cased text without ``re.IGNORECASE`` is
several times faster) and are multi-line, so one scan covers a batch of paragraph heads, each
between newlines of its own (``text_cue_hits``), ``^`` and ``$`` marking its ends. No pattern
reaches past the newlines around a head, so a head's cues never depend on its neighbours.
Given the batch's word tokens, a prefilter per pattern first picks the heads holding a token
that every match contains, and only those are scanned: the same hits at a fraction of the cost.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import numpy as np

_FLAGS = re.MULTILINE
#: A non-word character, and white space, other than the newlines between heads.
_NW = r"[^\w\n]"
_SP = r"[^\S\n]"

def trie(phrases: list[str]) -> str:
    """A regular expression matching any of ``phrases`` (literal text), written as a trie so
    the engine rejects a position after one character instead of trying every phrase."""
    root: dict = {}
    for phrase in phrases:
        node = root
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return f"(?:{body})?"
        return body

    return emit(root)


#: Ad placeholders and markers: ``[ad_1]``, "Advertisement", "Anzeige", "Publicité", ...
#: Each is all of a head but for non-word characters around it.
AD_PHRASES = [
    "advertisement", "advertisements", "advertising", "advertorial", "sponsored",
    "sponsored content", "sponsored post", "sponsored link", "sponsored links", "promoted",
    "promoted content", "promoted stories", "paid content", "paid post", "paid partnership",
    "anzeige", "anzeigen", "werbung", "publicité", "publicite", "publicidad", "publicidade",
    "pubblicità", "pubblicita", "reclame", "advertentie", "annons", "annonse", "mainos",
    "reklama", "реклама", "реклами", "広告", "スポンサー", "广告", "廣告", "赞助", "광고", "إعلان",
    "פרסומת", "reklam", "διαφήμιση", "quảng cáo", "iklan", "विज्ञापन",
]
AD_TEXT = re.compile(
    rf"^{_NW}*\[?{_SP}*ad(?:{_SP}|[_-])*\d*{_SP}*\]?{_NW}*$"
    rf"|^{_NW}*(?:{trie(AD_PHRASES)}|ads? by \w+){_NW}*$",
    _FLAGS,
)
#: Legal, financial, medical and affiliate disclaimers, copyright, cookie and privacy notices.
DISCLAIMER_PHRASES = [
    "copyright", "all rights reserved", "disclaimer", "terms of use", "terms of service",
    "terms of conditions", "terms and use", "terms and service", "terms and conditions",
    "privacy policy", "privacy notice", "privacy statement", "cookie", "not intended as ",
    "not constitute ", "not a substitute for ", "not be intended as ", "not be constitute ",
    "not be a substitute for ", "investment advice", "financial advice", "medical advice",
    "affiliate link", "affiliate commission", "we earn commission", "we earn a commission",
    "we may earn commission", "we may earn a commission", "forward-looking statements",
    "safe harbor", "safe harbour", "may not be published", "may not be reproduced",
    "may not be redistributed", "without written permission", "without prior written permission",
    "alle rechte vorbehalten", "datenschutz", "haftungsausschluss", "impressum",
    "tous droits réservés", "mentions légales", "politique de confidentialité", "avertissement",
    "todos los derechos reservados", "aviso legal", "política de privacidad",
    "todos os direitos reservados", "política de privacidade", "tutti i diritti riservati",
    "alle rechten voorbehouden", "wszelkie prawa zastrzeżone", "все права защищены",
    "tüm hakları saklıdır",
]
#: Disclaimer phrases matched anywhere, even inside a word (scripts written without spaces).
DISCLAIMER_ANYWHERE = ["著作権", "無断転載", "版权所有", "版權所有", "免责声明", "저작권",
                       "جميع الحقوق محفوظة"]
DISCLAIMER_TEXT = re.compile(
    rf"©|\(c\){_SP}*\d{{4}}|(?<!\w)" + trie(DISCLAIMER_PHRASES)
    + "|" + "|".join(map(re.escape, DISCLAIMER_ANYWHERE)),
    _FLAGS,
)
#: Share, follow, subscribe and comment prompts.
SOCIAL_PHRASES = [
    "share this", "share on", "follow us", "like us on", "tweet", "facebook", "twitter",
    "linkedin", "pinterest", "whatsapp", "reddit", "email this", "e-mail this", "print this",
    "subscribe", "sign up", "newsletter", "login", "log in", "register", "leave a comment",
    "leave a reply", "post a comment", "read more", "related articles", "related posts",
    "related stories", "teilen", "abonnieren", "partager", "suivez-nous", "compartir",
    "síguenos", "condividi", "compartilhar", "поделиться", "подписаться",
]
SOCIAL_ANYWHERE = ["シェア", "分享", "订阅"]
SOCIAL_TEXT = re.compile(r"(?<!\w)" + trie(SOCIAL_PHRASES) + r"\b|" + "|".join(SOCIAL_ANYWHERE),
                         _FLAGS)
#: Navigation words: home, next/previous, page x of y, skip to content, breadcrumbs. Each
#: is all of a head but for non-word characters around it; or a separator between spaces.
NAVIGATION_PHRASES = [
    "home", "startseite", "accueil", "inicio", "início", "главная", "ホーム", "首页", "menu",
    "main menu", "skip to content", "skip to main content", "back to top", "next", "previous",
    "prev", "older posts", "newer posts", "weiter", "zurück", "suivant", "précédent",
    "siguiente", "anterior", "successivo", "precedente", "more", "search",
]
NAVIGATION_SEPARATORS = "|»›>/·•"
NAVIGATION_TEXT = re.compile(
    rf"^{_NW}*(?:{trie(NAVIGATION_PHRASES)}|page \d+ of \d+|\d+ of \d+){_NW}*$"
    rf"|\s[{re.escape(NAVIGATION_SEPARATORS)}]\s",
    _FLAGS,
)
#: Readers' comments: reply links, "said...", "posted by", timestamps of posts.
COMMENT_PHRASES = ["reply", "replies", "says:", "wrote:", "posted by", "report abuse",
                   "permalink", "antworten", "répondre", "responder", "rispondi"]
COMMENT_TEXT = re.compile(
    r"(?<!\w)(?:" + trie(COMMENT_PHRASES) + r"|said\.{0,3}$|\d+ (?:minutes|hours|days) ago)\b",
    _FLAGS,
)
_CUE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cue_ad", AD_TEXT),
    ("cue_disclaimer", DISCLAIMER_TEXT),
    ("cue_social", SOCIAL_TEXT),
    ("cue_navigation", NAVIGATION_TEXT),
    ("cue_comment", COMMENT_TEXT),
)
CUE_NAMES: tuple[str, ...] = tuple(name for name, _ in _CUE_PATTERNS)

#: Class/id tokens of ancestors that mark a kind of boilerplate (matched per token).
#: Deliberately narrow: "adv" (advanced search forms), "promo", "banner" and "teaser" mark a
#: site's own related-story boxes as often as ads (the hand-checked sample, data/handcheck).
AD_CLASS = re.compile(
    r"^(ads?|advert|adverts|advertisement|advertisements|advertising|adsense|adslot|adunit|"
    r"adzone|adbox|adblock|adcontainer|adwrap|sponsor|sponsored|sponsors|dfp|gpt|doubleclick|"
    r"taboola|outbrain|commercial|werbung|anzeige)$"
)
DISCLAIMER_CLASS = re.compile(
    r"^(copyright|legal|disclaimer|cookies?|consent|gdpr|privacy|terms|imprint|impressum|"
    r"license|licence|rights)$"
)
NAVIGATION_CLASS = re.compile(
    r"^(nav\w*|menu\w*|breadcrumbs?|pagination|pager|paging|topbar|toolbar|tabs?|"
    r"sitemap|skip\w*|masthead|navbar|subnav|dropdown)$"
)
COMMENT_CLASS = re.compile(
    r"^(comments?|commentlist|comment\w+|discussion|disqus\w*|replies|reply)$"
)
SOCIAL_CLASS = re.compile(
    r"^(share\w*|social\w*|sharing|follow|newsletter|subscribe|signup|related\w*|"
    r"recommended|popular|trending|tags?|author\w*|byline|widget\w*|sidebar\w*)$"
)
_CLASS_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("class_ad", AD_CLASS),
    ("class_disclaimer", DISCLAIMER_CLASS),
    ("class_navigation", NAVIGATION_CLASS),
    ("class_comment", COMMENT_CLASS),
    ("class_social", SOCIAL_CLASS),
)
CLASS_CUE_NAMES: tuple[str, ...] = tuple(name for name, _ in _CLASS_PATTERNS)


class HeadTokens(NamedTuple):
    """The word tokens of a batch of heads, or of longer texts that start with them: lower-cased
    ``\\w+`` runs with decimal digits folded to "0", as distinct ``vocabulary`` entries, each
    token's entry (``codes``) and head (``owner``)."""

    vocabulary: np.ndarray
    codes: np.ndarray
    owner: np.ndarray


def token_filter(phrases: list[str], *, starts: tuple[str, ...] = (),
                 whole: tuple[str, ...] = (), anywhere: tuple[str, ...] = ()) -> re.Pattern[str]:
    """A pattern over tokens (``HeadTokens.vocabulary``), each after a newline, that finds,
    for every possible match of ``(?<!\\w)`` + ``trie(phrases)`` (whatever follows), one token
    the match contains; likewise tokens that start with one of ``starts``, are one of ``whole``,
    or hold the first word of one of ``anywhere``. A head none of whose tokens it finds cannot
    match.

    Each phrase is found by its longest word: a word with non-word characters of the phrase
    on both sides is a whole token; a phrase's last word may go on in the token (the head may
    cut the token short).
    """
    full, opening = set(whole), set(starts)
    for phrase in phrases:
        words = [m for m in re.finditer(r"\w+", phrase) if not any(c.isdecimal() for c in m[0])]
        if not words:
            raise ValueError(f"no token filter for {phrase!r}")
        longest = max(words, key=lambda m: len(m[0]))
        (opening if longest.end() == len(phrase) else full).add(longest[0])
    return _token_pattern(full, opening, [_first_word(text) for text in anywhere])


def first_token_filter(phrases: list[str], *, starts: tuple[str, ...] = ()) -> re.Pattern[str]:
    """Like ``token_filter``, for a pattern anchored at the head's start (after non-word
    characters): the tokens that can be a matching head's first, i.e. those starting with the
    first word of one of ``phrases`` or with one of ``starts``."""
    opening = {*starts, *map(_first_word, phrases)}
    return _token_pattern(set(), opening, [])


def _first_word(text: str) -> str:
    found = re.match(r"\w+", text)
    if found is None:
        raise ValueError(f"no token filter for {text!r}")
    return found[0]


def _token_pattern(full: set[str], opening: set[str], inner: list[str]) -> re.Pattern[str]:
    """Finds a token (between newlines) that is one of ``full``, starts with one of
    ``opening`` or holds one of ``inner``. Every branch opens with a literal, so the engine
    skips ahead to the newlines (and the first letters of ``inner``) instead of trying every
    position."""
    parts = [f"\n(?:{trie(sorted(full))})(?=\n)" if full else "",
             f"\n{trie(sorted(opening))}" if opening else "", *map(re.escape, inner)]
    return re.compile("|".join(part for part in parts if part))


class _Prefilter(NamedTuple):
    """Which heads a cue pattern can match: those with a token ``tokens`` finds (the first
    token, when ``first``), or where ``chars`` finds a character (a match that starts outside
    any token)."""

    tokens: re.Pattern[str]
    first: bool = False
    chars: re.Pattern[str] | None = None


def _any_of(chars: str) -> re.Pattern[str]:
    return re.compile(f"[{re.escape(chars)}]")


#: Per cue, its prefilter. ``starts``, ``whole`` and ``chars`` cover the patterns' parts that
#: are not phrase lists: "ad" ("[ad_1]", "ads by"), "page" and "0" (digits fold to "0": "page 2
#: of 5", "2 of 5"), "c" ("(c) 2012"), "said" and "ago" ("said...", "3 hours ago").
_PREFILTERS: dict[str, _Prefilter] = {
    "cue_ad": _Prefilter(first_token_filter(AD_PHRASES, starts=("ad",)), first=True),
    "cue_disclaimer": _Prefilter(token_filter(DISCLAIMER_PHRASES, whole=("c",),
                                              anywhere=tuple(DISCLAIMER_ANYWHERE)),
                                  chars=_any_of("©")),
    "cue_social": _Prefilter(token_filter(SOCIAL_PHRASES, anywhere=tuple(SOCIAL_ANYWHERE))),
    "cue_navigation": _Prefilter(first_token_filter(NAVIGATION_PHRASES, starts=("page", "0")),
                                 first=True, chars=_any_of(NAVIGATION_SEPARATORS)),
    "cue_comment": _Prefilter(token_filter(COMMENT_PHRASES, starts=("said", "ago"))),
}


#: The cues, in ``CUE_NAMES`` order, by their prefilters.
_CUE_PREFILTERS = tuple(_PREFILTERS[name] for name, _ in _CUE_PATTERNS)


@lru_cache(maxsize=1 << 16)
def _token_mask(token: str) -> int:
    """Bit ``j`` set when the ``j``-th cue's token prefilter finds ``token`` (each token is
    judged alone; common words are judged once per process)."""
    listed = f"\n{token}\n"
    return sum(1 << j for j, prefilter in enumerate(_CUE_PREFILTERS)
               if prefilter.tokens.search(listed))


def _candidates(prefilter: _Prefilter, found: np.ndarray, heads: list[str], tokens: HeadTokens,
                firsts: HeadTokens) -> np.ndarray:
    """The heads (indexes, ascending) that ``prefilter`` lets through, given which vocabulary
    entries its token filter finds; ``firsts`` are the heads' first tokens."""
    read = firsts if prefilter.first else tokens
    chosen = np.zeros(len(heads), dtype=bool)
    chosen[read.owner[found[read.codes]]] = True
    if prefilter.chars is not None:
        chosen[_scan(prefilter.chars, heads)] = True
    return np.flatnonzero(chosen)


def _scan(pattern: re.Pattern[str], heads: list[str]) -> np.ndarray:
    """The heads (indexes, ascending) ``pattern`` matches, from one scan over all of them."""
    joined = "\n" + "\n\n".join(heads) + "\n"
    lengths = np.fromiter(map(len, heads), dtype=np.int64, count=len(heads))
    starts = np.concatenate([[0], np.cumsum(lengths + 2)[:-1]])  # each head's opening newline
    return np.unique(np.searchsorted(starts, [m.start() for m in pattern.finditer(joined)],
                                     side="right") - 1)


def text_cue_hits(heads: list[str], tokens: HeadTokens | None = None) -> list[list[int]]:
    """Per cue in ``CUE_NAMES`` order, the heads (indexes into ``heads``: lower-cased paragraph
    heads without newlines) it matches. One scan per cue over all heads, each between newlines
    of its own: a separator at a head's start or end counts as surrounded by white space,
    whatever the heads around it. With the heads' ``tokens``, each cue scans only the heads
    its prefilter lets through (the same hits, several times faster)."""
    if tokens is None:
        return [_scan(pattern, heads).tolist() for _, pattern in _CUE_PATTERNS]
    masks = np.fromiter(map(_token_mask, tokens.vocabulary), dtype=np.int64,
                        count=len(tokens.vocabulary))
    owner = tokens.owner
    opens = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]]) if len(owner) else owner
    firsts = HeadTokens(tokens.vocabulary, tokens.codes[opens], owner[opens])
    hits = []
    for j, (prefilter, (_, pattern)) in enumerate(zip(_CUE_PREFILTERS, _CUE_PATTERNS,
                                                      strict=True)):
        chosen = _candidates(prefilter, (masks >> j) & 1 > 0, heads, tokens, firsts)
        hits.append(chosen[_scan(pattern, [heads[i] for i in chosen])].tolist())
    return hits


#: The class patterns for one scan over many tokens, each on a line of its own.
_CLASS_SCANS = tuple(re.compile(pattern.pattern, _FLAGS) for _, pattern in _CLASS_PATTERNS)


def class_cue_hits(tokens: list[str]) -> np.ndarray:
    """Per class/id token (no white space in any), whether it matches each class cue
    (``CLASS_CUE_NAMES`` columns): one scan per cue over all tokens."""
    hits = np.zeros((len(tokens), len(_CLASS_SCANS)), dtype=bool)
    for column, pattern in enumerate(_CLASS_SCANS):
        hits[_scan(pattern, tokens), column] = True
    return hits
