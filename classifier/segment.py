"""Split a page into paragraphs: blank-line blocks for text, block elements for HTML.

HTML is walked once, iteratively (no recursion, so a page nested 10,000 levels deep is fine),
collecting for every paragraph the DOM facts the model reads.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import unescape

from lxml import etree

from classifier.document import InputKind, Page, Paragraph

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_TOKEN_SPLIT = re.compile(r"[^0-9a-z]+")

#: Elements that end one paragraph and start another.
BLOCK_TAGS = frozenset(
    "address article aside blockquote body br caption center dd details dialog dir div dl dt "
    "fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 header hgroup hr "
    "html legend li main menu nav noframes ol p pre section summary table tbody td tfoot th "
    "thead title tr ul option select textarea label button".split()
)
#: Elements whose whole subtree never holds readable text.
SKIP_TAGS = frozenset(
    "script style noscript template svg math head iframe object embed canvas audio video "
    "map datalist select input img picture source track link meta base param".split()
)
_LANDMARK_ROLES = {
    "navigation": "nav",
    "banner": "header",
    "contentinfo": "footer",
    "complementary": "aside",
    "search": "form",
    "main": "main",
}
_LANDMARK_TAGS = {"nav": "nav", "header": "header", "footer": "footer", "aside": "aside",
                  "form": "form", "main": "main", "article": "main"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
#: Ancestor class/id tokens kept per paragraph, nearest first; bounds memory on deep pages.
MAX_ANCESTOR_TOKENS = 48
#: Characters that render as nothing (zero-width space, joiners, word joiner, byte order mark,
#: soft hyphen): a block holding only these and white space is no paragraph.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
#: Enclosing block elements kept per paragraph (its own and the nearest around it): the
#: story's container sits within a few levels of its paragraphs.
MAX_CONTAINERS = 8


def normalise_space(text: str) -> str:
    """Collapse runs of white space (and NUL characters) to one space and strip the ends."""
    # Most paragraphs are normalised already: white space other than " " (and NUL) is never
    # printable, so a printable text without a double or outer space has nothing to fold.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    if "\x00" in text:
        text = text.replace("\x00", " ")
    return " ".join(text.split())


def is_visible(text: str) -> bool:
    """Whether a normalised text shows anything: not empty and not only ``INVISIBLE``
    characters (and spaces between them)."""
    return bool(text) and (text[0] not in INVISIBLE or bool(text.strip(INVISIBLE + " ")))


def segment_text(raw: str) -> list[Paragraph]:
    """Split plain text into paragraphs at blank lines, or per line if there are none.

    Each paragraph keeps its original text (``raw``) verbatim, line breaks included.
    """
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    blocks = _BLANK_LINE.split(text) if _BLANK_LINE.search(text) else text.split("\n")
    paragraphs: list[Paragraph] = []
    for block in blocks:
        stripped = block.strip("\n")
        normalised = normalise_space(stripped)
        if is_visible(normalised):
            paragraphs.append(Paragraph(index=len(paragraphs), text=normalised, raw=stripped))
    return paragraphs


class _Context:
    """What an open element passes down to the text inside it (shared by inline children that
    change nothing, so most elements allocate nothing)."""

    __slots__ = ("tag", "depth", "tokens", "landmarks", "in_link", "preformatted", "path")

    def __init__(self, tag: str, depth: int, tokens: tuple[str, ...], landmarks: frozenset[str],
                 in_link: bool, preformatted: bool, path: tuple[int, ...]):
        self.path = path
        self.tag = tag
        self.depth = depth
        self.tokens = tokens
        self.landmarks = landmarks
        self.in_link = in_link
        self.preformatted = preformatted


@lru_cache(maxsize=8192)
def class_tokens(class_and_id: str) -> tuple[str, ...]:
    """Lower-cased class/id tokens: each attribute word split at non-alphanumerics, plus the
    whole word when it had such a split (``post-footer`` → ``post``, ``footer``,
    ``post-footer``)."""
    lowered = class_and_id.lower()
    pieces = [t for t in _TOKEN_SPLIT.split(lowered) if t]
    whole = [t for t in lowered.split() if t not in pieces]
    return tuple(dict.fromkeys(pieces + whole))


def _is_hidden(attrib: etree._Attrib) -> bool:
    if "hidden" in attrib or attrib.get("aria-hidden") == "true":
        return True
    style = attrib.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


class NestingTooDeep(Exception):
    """libxml2 stopped at its nesting limit (2048 levels) and dropped the rest of the page."""


def parse_html(html: str | bytes) -> etree._Element | None:
    """Parse HTML leniently (libxml2 recovers from broken markup); ``None`` if nothing parses.

    Raises ``NestingTooDeep`` when the page nests deeper than libxml2 will follow.
    """
    if isinstance(html, str):
        html = html.encode("utf-8", "surrogatepass")
        parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                                  huge_tree=True, no_network=True)
    else:
        parser = etree.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True,
                                  no_network=True)
    if not html.strip():
        return None
    try:
        root = etree.fromstring(html, parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        raise NestingTooDeep
    return root


# A tag (attributes bounded, so an unclosed "<a" cannot make each search scan to the end) or
# the start of a comment.
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]{0,4096}>|<!--")
_FLAT_SKIPPED = ("script", "style", "noscript", "template", "svg")
_CLOSING = {name: re.compile(rf"</{name}\s*>", re.I) for name in _FLAT_SKIPPED}


def _flat_paragraphs(html: str) -> list[Paragraph]:
    """Paragraphs of a page too deep to parse: tags stripped, block tags as breaks, no DOM facts.

    One left-to-right scan (linear in the page, whatever its unclosed comments or scripts).
    """
    pieces: list[str] = []
    position = 0
    while (match := _TAG.search(html, position)) is not None:
        pieces.append(html[position: match.start()])
        name = (match.group(2) or "").lower()
        if not name:  # a comment: skip to its end, or drop the rest when it never ends
            close = html.find("-->", match.end())
            position = len(html) if close < 0 else close + 3
        elif name in _CLOSING and not match.group(1):
            closing = _CLOSING[name].search(html, match.end())
            position = len(html) if closing is None else closing.end()
        else:
            pieces.append("\n\n" if name in BLOCK_TAGS else "")
            position = match.end()
    pieces.append(html[position:])
    paragraphs = segment_text(unescape("".join(pieces)))
    for paragraph in paragraphs:
        paragraph.raw = paragraph.text
    return paragraphs


def segment_html(html: str | bytes) -> list[Paragraph]:
    """Split HTML into block-level paragraphs, each with its DOM facts.

    Script, style, hidden elements and the like are dropped. A ``<br>`` ends a paragraph.
    """
    try:
        root = parse_html(html)
    except NestingTooDeep:
        text = html if isinstance(html, str) else html.decode("utf-8", "replace")
        return _flat_paragraphs(text)
    if root is None:
        return []
    paragraphs: list[Paragraph] = []
    parts: list[str] = []
    counts = [0, 0]  # visible characters, of which inside links
    owner: list[_Context] = []  # the context of the paragraph's first text, once there is one
    stack: list[_Context] = [_Context("", 0, (), frozenset(), False, False, ())]
    blocks = 0

    def flush() -> None:
        if not parts:  # most block boundaries close nothing
            return
        if owner:
            joined = "".join(parts)
            text = normalise_space(joined)
            if is_visible(text):
                context = owner[0]
                landmarks = context.landmarks
                paragraphs.append(Paragraph(
                    index=len(paragraphs),
                    text=text,
                    raw=joined.strip("\n") if context.preformatted else text,
                    tag=context.tag,
                    depth=context.depth,
                    link_density=counts[1] / counts[0] if counts[0] else 0.0,
                    ancestors=context.tokens[:MAX_ANCESTOR_TOKENS],
                    containers=context.path[: -MAX_CONTAINERS - 1: -1],
                    in_nav="nav" in landmarks,
                    in_header="header" in landmarks,
                    in_footer="footer" in landmarks,
                    in_aside="aside" in landmarks,
                    in_form="form" in landmarks,
                    in_main="main" in landmarks,
                ))
        parts.clear()
        owner.clear()
        counts[0] = counts[1] = 0

    def add(text: str | None, context: _Context) -> None:
        if not text:
            return
        if not owner:
            owner.append(context)
        parts.append(text)
        visible = len(text.strip())
        counts[0] += visible
        if context.in_link:
            counts[1] += visible

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag
        if tag.__class__ is not str:  # comments and processing instructions that survived
            if event == "end":
                add(element.tail, stack[-1])
            continue
        if event == "end":
            stack.pop()
            if tag in BLOCK_TAGS:
                flush()
            add(element.tail, stack[-1])
            continue
        parent = stack[-1]
        attrib = element.attrib
        if tag in SKIP_TAGS or (attrib and _is_hidden(attrib)):
            walker.skip_subtree()
            stack.append(parent)  # lxml still emits "end" for it, which pops this
            continue
        is_block = tag in BLOCK_TAGS
        if is_block:
            flush()
        names = role = None
        if attrib:
            names, ident, role = attrib.get("class"), attrib.get("id"), attrib.get("role")
            if ident:
                names = f"{names} {ident}" if names else ident
        landmark = _LANDMARK_TAGS.get(tag) or (_LANDMARK_ROLES.get(role) if role else None)
        if is_block or names or landmark or tag == "a" or tag == "pre":
            if is_block:
                blocks += 1
            context = _Context(  # positional: the order of _Context's parameters
                tag if is_block else parent.tag,
                parent.depth + 1 if is_block else parent.depth,
                class_tokens(names) + parent.tokens if names else parent.tokens,
                parent.landmarks | {landmark} if landmark else parent.landmarks,
                parent.in_link or tag == "a",
                parent.preformatted or tag == "pre",
                (*parent.path, blocks) if is_block else parent.path,
            )
        else:
            context = parent
        stack.append(context)
        add(element.text, context)
    flush()
    return paragraphs


def segment(page: Page) -> Page:
    """Fill ``page.paragraphs`` from its raw payload; returns the same page."""
    if page.kind is InputKind.HTML:
        page.paragraphs = segment_html(page.raw)
    else:
        page.paragraphs = segment_text(page.raw)
    return page
