"""Split a page into paragraphs: blank-line blocks for text, block elements for HTML.

HTML is walked once, iteratively (no recursion, so a page nested 10,000 levels deep is fine),
collecting for every paragraph the DOM facts the model reads. The walk does little per element:
an inline element that changes nothing shares its parent's context, white space between blocks
is dropped without building a paragraph, and class/id names are tokenised only for the
elements whose text becomes a paragraph. A fact of a block element belongs in the context made
once per block (the ``BLOCK_TAGS`` branch of ``_walk``); facts over a container's paragraphs are
computed after the walk from ``Paragraph.containers``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import unescape
from typing import Any, Final

from lxml import etree

from classifier.document import InputKind, Page, Paragraph

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_TOKEN = re.compile(r"[0-9a-z]+")

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


@lru_cache(maxsize=8192)
def class_tokens(class_and_id: str) -> tuple[str, ...]:
    """Lower-cased class/id tokens: each attribute word split at non-alphanumerics, plus the
    whole word when it had such a split (``post-footer`` → ``post``, ``footer``,
    ``post-footer``)."""
    lowered = class_and_id.lower()
    pieces = _TOKEN.findall(lowered)
    held = set(pieces)
    return tuple(dict.fromkeys(pieces + [t for t in lowered.split() if t not in held]))


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


#: Bits of a context's flags: the landmarks around it, then whether it is inside a link or a
#: ``pre`` element.
_NAV, _HEADER, _FOOTER, _ASIDE, _FORM, _MAIN, _LINK, _PRE = (1 << bit for bit in range(8))
_LANDMARKS = _NAV | _HEADER | _FOOTER | _ASIDE | _FORM | _MAIN
_LANDMARK_BITS = {"nav": _NAV, "header": _HEADER, "footer": _FOOTER, "aside": _ASIDE,
                  "form": _FORM, "main": _MAIN}
_TAG_BITS = {tag: _LANDMARK_BITS[landmark] for tag, landmark in _LANDMARK_TAGS.items()}
_TAG_BITS["a"] = _LINK
_TAG_BITS["pre"] = _PRE
_ROLE_BITS = {role: _LANDMARK_BITS[landmark] for role, landmark in _LANDMARK_ROLES.items()}
#: What an open element passes down to the text inside it, as a tuple (inline children that
#: change nothing share their parent's): the block tag, depth, flags, class/id tokens nearest
#: first (at most ``MAX_ANCESTOR_TOKENS``) and the numbers of the enclosing blocks, outermost
#: first (at most ``MAX_CONTAINERS``).
_Context = tuple[str, int, int, "_Names | None", tuple[int, ...]]
_C_TAG: Final = 0
_C_DEPTH: Final = 1
_C_FLAGS: Final = 2
_C_TOKENS: Final = 3
_C_PATH: Final = 4
#: An element's class/id names as a chain up its named ancestors, tokenised only when a
#: paragraph needs them: ``[names, the parent's chain or None, tokens once known]``.
_Names = list[Any]


def _paragraph(paragraphs: list[Paragraph], parts: list[str], linked: list[str],
               context: _Context) -> None:
    """Append the paragraph of the text ``parts`` (``linked``: those inside links), whose first
    part lies in ``context``, unless it is blank."""
    joined = "".join(parts)
    text = normalise_space(joined)
    if not is_visible(text):
        return
    if linked:
        visible = sum(map(len, map(str.strip, parts)))
        link_density = sum(map(len, map(str.strip, linked))) / visible if visible else 0.0
    else:
        link_density = 0.0
    flags = context[_C_FLAGS]
    paragraphs.append(Paragraph(
        index=len(paragraphs),
        text=text,
        raw=joined.strip("\n") if flags & _PRE else text,
        tag=context[_C_TAG],
        depth=context[_C_DEPTH],
        link_density=link_density,
        ancestors=_tokens(context[_C_TOKENS]),
        containers=context[_C_PATH][::-1],
        in_nav=flags & _NAV != 0,
        in_header=flags & _HEADER != 0,
        in_footer=flags & _FOOTER != 0,
        in_aside=flags & _ASIDE != 0,
        in_form=flags & _FORM != 0,
        in_main=flags & _MAIN != 0,
    ))


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
    return _walk(root)


def _walk(root: etree._Element) -> list[Paragraph]:
    """The paragraphs under ``root``: one pass over start and end events, a paragraph being the
    text between two block boundaries, with the context of its first text."""
    paragraphs: list[Paragraph] = []
    parts: list[str] = []  # the open paragraph's text, in order
    linked: list[str] = []  # those of ``parts`` inside links
    owner: _Context = ("", 0, 0, None, ())  # the context of ``parts[0]``
    stack: list[_Context] = [owner]
    blocks = 0
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag
        if event == "end":
            if tag.__class__ is str:  # not a comment or processing instruction that survived
                stack.pop()
                if parts and tag in BLOCK_TAGS:
                    if len(parts) > 1 or not parts[0].isspace():
                        _paragraph(paragraphs, parts, linked, owner)
                    parts, linked = [], []
            text = element.tail
            if text:
                context = stack[-1]
                if not parts:
                    owner = context
                parts.append(text)
                if context[_C_FLAGS] & _LINK:
                    linked.append(text)
            continue
        if tag.__class__ is not str:
            continue
        parent = stack[-1]
        if tag in SKIP_TAGS:
            walker.skip_subtree()
            stack.append(parent)  # lxml still emits "end" for it, which pops this
            continue
        bits = _TAG_BITS.get(tag, 0)
        attrib = element.attrib
        if attrib:
            names = attrib.get("class")
            ident = attrib.get("id")
            # Only an element with attributes besides class and id can be hidden or have a role.
            if len(attrib) > (names is not None) + (ident is not None):
                if ("hidden" in attrib or attrib.get("aria-hidden") == "true"
                        or ((style := attrib.get("style")) and _HIDDEN_STYLE.search(style))):
                    walker.skip_subtree()
                    stack.append(parent)
                    continue
                role = attrib.get("role")
                if role and not bits & _LANDMARKS:  # a landmark tag's role does not add one
                    bits |= _ROLE_BITS.get(role, 0)
            if ident:
                names = f"{names} {ident}" if names else ident
        else:
            names = None
        if tag in BLOCK_TAGS:
            if parts:
                if len(parts) > 1 or not parts[0].isspace():
                    _paragraph(paragraphs, parts, linked, owner)
                parts, linked = [], []
            blocks += 1
            path = parent[_C_PATH]
            context = (tag, parent[_C_DEPTH] + 1, parent[_C_FLAGS] | bits,
                       [names, parent[_C_TOKENS], None] if names else parent[_C_TOKENS],
                       (*path[1 - MAX_CONTAINERS:], blocks) if path else (blocks,))
        elif names or bits:
            context = (parent[_C_TAG], parent[_C_DEPTH], parent[_C_FLAGS] | bits,
                       [names, parent[_C_TOKENS], None] if names else parent[_C_TOKENS],
                       parent[_C_PATH])
        else:
            context = parent
        stack.append(context)
        text = element.text
        if text:
            if not parts:
                owner = context
            parts.append(text)
            if context[_C_FLAGS] & _LINK:
                linked.append(text)
    if parts:
        _paragraph(paragraphs, parts, linked, owner)
    return paragraphs


def _tokens(names: _Names | None) -> tuple[str, ...]:
    """The class/id tokens of a chain of names, nearest first, at most ``MAX_ANCESTOR_TOKENS``."""
    if names is None:
        return ()
    tokens = names[2]
    if tokens is not None:
        return tokens
    pending: list[_Names] = []
    while names is not None and names[2] is None:
        pending.append(names)
        names = names[1]
    tokens = () if names is None else names[2]
    for node in reversed(pending):
        tokens = class_tokens(node[0]) + tokens
        if len(tokens) > MAX_ANCESTOR_TOKENS:
            tokens = tokens[:MAX_ANCESTOR_TOKENS]
        node[2] = tokens
    return tokens


def segment(page: Page) -> Page:
    """Fill ``page.paragraphs`` from its raw payload; returns the same page."""
    if page.kind is InputKind.HTML:
        page.paragraphs = segment_html(page.raw)
    else:
        page.paragraphs = segment_text(page.raw)
    return page
