from classifier.document import InputKind, Page
from classifier.segment import (
    MAX_ANCESTOR_TOKENS,
    MAX_CONTAINERS,
    normalise_space,
    segment,
    segment_html,
    segment_text,
)


def test_text_blank_line_blocks_keep_raw_verbatim():
    raw = "Title line\n\nFirst  paragraph\nwraps here.\n\n\n[ad_1]\n"
    paragraphs = segment_text(raw)
    assert [p.text for p in paragraphs] == ["Title line", "First paragraph wraps here.", "[ad_1]"]
    assert paragraphs[1].raw == "First  paragraph\nwraps here."
    assert [p.index for p in paragraphs] == [0, 1, 2]


def test_text_without_blank_lines_splits_per_line():
    paragraphs = segment_text("one\ntwo\r\nthree")
    assert [p.text for p in paragraphs] == ["one", "two", "three"]


def test_text_empty_and_whitespace_give_nothing():
    assert segment_text("") == []
    assert segment_text(" \n\n \t\n") == []


def test_normalise_space_folds_every_white_space_character():
    # The printable shortcut must agree with splitting at white space, for every code point.
    for cp in (*range(0xD800), *range(0xE000, 0x110000)):
        ch = chr(cp)
        for text in (f"a{ch}b", f"{ch}a b", f"a  b{ch}"):
            assert normalise_space(text) == " ".join(text.replace("\x00", " ").split()), hex(cp)


def test_html_blocks_and_dom_facts():
    html = """<html><head><title>T</title><style>p{}</style></head><body>
    <nav class="main-menu"><ul><li><a href="/">Home</a></li>
    <li><a href="/n">News</a></li></ul></nav>
    <article><h1>Headline here</h1><p>First <b>bold</b> paragraph with <a href="#">a link</a>.</p>
    <script>var x = 1;</script><div hidden>secret</div><p style="display: none">gone</p>
    <div>line one<br>line two</div></article>
    <footer><p>© 2024 Example</p></footer></body></html>"""
    paragraphs = segment_html(html)
    texts = [p.text for p in paragraphs]
    assert texts == ["Home", "News", "Headline here", "First bold paragraph with a link.",
                     "line one", "line two", "© 2024 Example"]
    home, _, headline, first, *_, footer = paragraphs
    assert home.tag == "li" and home.in_nav and home.link_density == 1.0
    assert "menu" in home.ancestors and "main-menu" in home.ancestors
    assert headline.tag == "h1" and not headline.in_nav and headline.in_main
    assert 0 < first.link_density < 0.5
    assert footer.in_footer and footer.depth > 0


def test_html_broken_markup_and_entities():
    paragraphs = segment_html("<p>unclosed <b>bold<p>next &amp; more<div>tail")
    assert [p.text for p in paragraphs] == ["unclosed bold", "next & more", "tail"]


def test_html_nested_ten_thousand_levels_does_not_crash():
    html = "<div>" * 10_000 + "deep text" + "</div>" * 10_000
    paragraphs = segment_html(html)
    assert [p.text for p in paragraphs] == ["deep text"]


def test_html_empty_or_unparseable_gives_nothing():
    assert segment_html("") == []
    assert segment_html("   ") == []
    assert isinstance(segment_html(b"\x00\x01\x02"), list)  # binary junk: no exception


def test_segment_dispatches_on_kind():
    page = segment(Page(id="x", raw="<p>a</p><p>b</p>", kind=InputKind.HTML))
    assert [p.text for p in page.paragraphs] == ["a", "b"]
    page = segment(Page(id="y", raw="<p>a</p>", kind=InputKind.TEXT))
    assert [p.text for p in page.paragraphs] == ["<p>a</p>"]


def test_too_deep_page_falls_back_to_tag_stripping():
    deep = "<div>" * 5_000 + "<p>kept text</p><script>var x;</script><!-- note -->tail"
    assert [p.text for p in segment_html(deep + "</div>" * 5_000)] == ["kept text", "tail"]
    # Unclosed scripts, comments and tags: the scan drops what never closes and goes on (a
    # quadratic scan, as a lazy regex per opening would do, takes minutes on this page).
    hostile = ("<div>" * 5_000 + "<p>before</p>" + "<!--" * 20_000 + "<a " * 20_000
               + "<script>" * 20_000)
    assert [p.text for p in segment_html(hostile)] == ["before"]
    never_closed = "<div>" * 5_000 + "<p>before</p>" + "<a " * 20_000
    assert segment_html(never_closed)[0].text == "before"  # the rest, never a tag, is text


def test_zero_width_only_blocks_are_no_paragraphs():
    # Editors leave a zero-width space (U+200B) in "empty" paragraphs between story lines; such
    # a block shows nothing and must not come out as a paragraph (and so never as content).
    html = ("<article><p>The harbour reopened on Monday.</p><p>\u200b</p><p>&#8203; &#xFEFF;</p>"
            "<div>\u2060</div><p>\u200bShips queued outside.</p></article>")
    assert [p.text for p in segment_html(html)] == ["The harbour reopened on Monday.",
                                                     "\u200bShips queued outside."]
    text = "The harbour reopened.\n\n\u200b\n\n\u200b \u00ad\n\nShips queued outside."
    assert [p.raw for p in segment_text(text)] == ["The harbour reopened.",
                                                   "Ships queued outside."]


def test_html_landmark_from_tag_else_role():
    paragraphs = segment_html('<nav role="main"><p>menu</p></nav>'
                              '<div><span role="navigation">crumbs</span></div>'
                              '<div role="contentinfo"><p role="banner">fine print</p></div>')
    menu, crumbs, fine = paragraphs
    assert menu.in_nav and not menu.in_main  # a landmark tag's role adds no other landmark
    assert crumbs.in_nav and crumbs.tag == "div"  # an inline element's role counts
    assert fine.in_footer and fine.in_header


def test_html_paragraph_takes_the_context_of_its_first_text():
    # White space before the span belongs to the paragraph's own element, so the span's class
    # is not among its ancestors; text that starts inside the span takes the span's class.
    spaced, direct = segment_html('<div class="box"><p class="lead">\n <span class="x">One</span>'
                                  '</p><p><span class="y">Two</span> more</p></div>')
    assert spaced.ancestors == ("lead", "box")
    assert direct.ancestors == ("y", "box")


def test_html_deep_named_nesting_keeps_the_nearest_tokens_and_containers():
    html = "".join(f'<div class="level-{i}">' for i in range(100)) + "text" + "</div>" * 100
    (paragraph,) = segment_html(html)
    assert len(paragraph.ancestors) == MAX_ANCESTOR_TOKENS
    assert paragraph.ancestors[:3] == ("level", "99", "level-99")
    assert len(paragraph.containers) == MAX_CONTAINERS
    assert list(paragraph.containers) == sorted(paragraph.containers, reverse=True)


def test_html_link_density_counts_each_text_piece_stripped():
    (paragraph,) = segment_html('<p>Read <a href="#"> more </a> here</p>')
    assert paragraph.text == "Read more here"
    assert paragraph.link_density == 4 / (4 + 4 + 4)
