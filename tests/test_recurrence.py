"""SiteIndex: near-duplicates, site isolation, idempotent adds, files, and the seed page."""

import json
import random

import pytest

from classifier import Label, make_page, score_pages, score_text
from classifier.document import InputKind, Page
from classifier.fingerprints import Fingerprints, IndexConfig, page_ranks
from classifier.index_file import IndexFileError
from classifier.recurrence import SiteIndex
from classifier.segment import segment_html, segment_text

DISCLAIMER = ("Fusion Media would like to remind you that the data contained in this website is "
              "not necessarily real-time nor accurate. All prices were last updated on {date} by "
              "{name}, and none of them should be used for trading decisions of any kind.")
STORIES = [
    "Shares of the regional carrier rose after it announced a new route to the islands.",
    "The city council approved the budget late on Tuesday after a long debate on parks.",
    "A storm knocked out power to thousands of homes along the northern coast overnight.",
    "Researchers described a beetle that survives for months without any water at all.",
    "The museum reopened its east wing with a show of maps drawn by early sailors.",
]


def page(site: str | None, n: int, disclaimer: str, story: str | None = None) -> Page:
    text = f"{story or STORIES[n % len(STORIES)]} Story number {n}.\n\n{disclaimer}"
    return Page(id=f"{site}/{n}", raw=text, kind=InputKind.TEXT, url=f"https://{site}/{n}",
                site=site, paragraphs=segment_text(text))


HEADLINES = ["Carrier adds island route", "Council passes budget", "Storm cuts coastal power",
             "Beetle lives without water"]


def _html_page(n: int) -> Page:
    """Story ``n`` under its headline, with links to the other stories and a linked menu."""
    others = "".join(f'<li><a href="/{m}">{HEADLINES[m]}</a></li>' for m in range(4) if m != n)
    html = (f'<html><body><nav><a href="/">Home</a></nav><h1>{HEADLINES[n]}</h1>'
            f'<p>{STORIES[n]}</p><ul class="related">{others}</ul></body></html>')
    return Page(id=str(n), raw=html, kind=InputKind.HTML, url=f"https://port.com/{n}",
                site="port.com", paragraphs=segment_html(html))


def test_a_headline_linked_from_other_pages_does_not_recur_on_its_own():
    pages = [_html_page(n) for n in range(4)]
    index = SiteIndex()
    index.add_all(pages)
    answers = {p.text: a for p, a in zip(pages[0].paragraphs, index.recurrence(pages[0]),
                                          strict=True)}
    assert answers[HEADLINES[0]].pages == 0  # its own headline: a link elsewhere
    assert answers[HEADLINES[1]].pages == 2  # a link here, and on two other pages
    assert answers["Home"].pages == 3  # the menu, a link on every page


def test_near_duplicate_with_changed_date_and_name_is_matched():
    index = SiteIndex()
    index.add(page("a.com", 0, DISCLAIMER.format(date="March 3, 2024", name="Alice Brown")))
    probe = page("a.com", 1, DISCLAIMER.format(date="June 9, 2025", name="Carlos Diaz"))
    story, disclaimer = index.recurrence(probe)
    assert story.pages == 0
    assert disclaimer.pages == 1 and disclaimer.share == 1.0
    assert 0.6 <= disclaimer.jaccard < 1.0


def test_exact_duplicate_after_normalisation_has_jaccard_one():
    index = SiteIndex()
    index.add(page("a.com", 0, "Copyright 2023 Example Media. All rights reserved."))
    probe = page("a.com", 1, "COPYRIGHT 2024 Example Media - all rights reserved")
    _, footer = index.recurrence(probe)
    assert footer.pages == 1 and footer.jaccard == 1.0


def test_a_different_site_never_contributes():
    index = SiteIndex()
    for n in range(5):
        index.add(page("a.com", n, DISCLAIMER.format(date="May 1", name="Ann")))
    answers = index.recurrence(page("b.org", 0, DISCLAIMER.format(date="May 1", name="Ann")))
    assert all(a.pages == 0 and a.site_pages == 0 for a in answers)


def test_a_page_added_twice_counts_once():
    index = SiteIndex()
    first = page("a.com", 0, DISCLAIMER.format(date="May 1", name="Ann"))
    index.add(first)
    index.add(first)
    index.add(page("a.com", 0, DISCLAIMER.format(date="May 2", name="Bo")))  # same URL: replaces
    assert index.site_pages("a.com") == 1
    probe = page("a.com", 7, DISCLAIMER.format(date="May 3", name="Cy"))
    assert index.recurrence(probe)[1].pages == 1


def test_page_is_not_its_own_evidence():
    index = SiteIndex()
    alone = page("a.com", 0, DISCLAIMER.format(date="May 1", name="Ann"))
    index.add(alone)
    assert [a.pages for a in index.recurrence(alone)] == [0, 0]
    assert index.recurrence(alone)[0].site_pages == 0


def test_no_site_means_no_evidence():
    index = SiteIndex()
    assert index.recurrence(page(None, 0, "x")) is None


def test_save_load_round_trip_gives_identical_answers(tmp_path):
    index = SiteIndex()
    for n in range(6):
        index.add(page("a.com", n, DISCLAIMER.format(date=f"May {n}", name=f"Person {n}")))
        index.add(page("b.org", n, "Follow us on social media for more stories like this one."))
    index.add(page("d.net", 0, DISCLAIMER.format(date="May 1", name="Only Page")))  # one page
    path = tmp_path / "site.index"
    index.save(path)
    loaded = SiteIndex.load(path)
    assert loaded.stats() == index.stats()
    for site in ("a.com", "b.org", "c.net", "d.net"):
        probe = page(site, 99, DISCLAIMER.format(date="Dec 9", name="Zed"))
        assert loaded.recurrence(probe) == index.recurrence(probe)
    near = page("d.net", 9, DISCLAIMER.format(date="Jun 2", name="Zed"))
    assert loaded.recurrence(near)[1].pages == 1  # the one page's nodes were signed for the file
    assert [p.name for p in tmp_path.iterdir()] == ["site.index"]


def test_truncated_index_file_is_refused_with_a_clear_message(tmp_path):
    index = SiteIndex()
    index.add(page("a.com", 0, DISCLAIMER.format(date="May 1", name="Ann")))
    path = tmp_path / "site.index"
    index.save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexFileError, match="truncated or corrupt"):
        SiteIndex.load(path)
    path.write_bytes(b"")
    with pytest.raises(IndexFileError):
        SiteIndex.load(path)


def test_index_file_of_another_version_is_refused(tmp_path):
    import zipfile

    path = tmp_path / "old.index"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("header.json", json.dumps({"format": "boilerplate-site-index",
                                                    "version": 0}))
        archive.writestr("arrays.npz", b"")
    with pytest.raises(IndexFileError):
        SiteIndex.load(path)


SUBJECTS = ["The port authority", "A regional airline", "The city zoo", "A chip maker",
            "The national orchestra", "A grain trader", "The water utility", "A toy retailer",
            "The state railway", "A coffee roaster"]
EVENTS = ["reported higher quarterly revenue on strong summer demand",
          "named a new chief executive after a six-month search",
          "opened a second site on the outskirts of the capital",
          "settled a long dispute with its largest supplier",
          "announced plans to cut emissions by half before the decade ends",
          "delayed the launch of its new service until the spring",
          "agreed to buy a smaller rival for an undisclosed sum",
          "won a court case over the use of its brand name",
          "raised its prices for the first time in three years",
          "hired two hundred staff for its new distribution centre"]


def sibling(seed_text: str, n: int) -> str:
    """A page of the seed's site: its template (navigation, ad tags, disclaimers) around a
    story of its own."""
    head, _, tail = seed_text.partition("\n\nDisclaimer:")
    story = [f"{SUBJECTS[n]} {EVENTS[n]}",
             f"By Staff Writer {chr(65 + n)}",
             f"{SUBJECTS[n]} {EVENTS[n]}, officials said on {['Monday', 'Friday'][n % 2]}.",
             f"Analysts had expected the move since {SUBJECTS[(n + 3) % 10].lower()} "
             f"{EVENTS[(n + 5) % 10]}.",
             f"Shares of comparable firms moved little, and {SUBJECTS[(n + 7) % 10].lower()} "
             f"declined to comment."]
    return "\n\n".join(["Stock Groups", story[0], "[ad_1]", *story[1:]]) + \
        "\n\nDisclaimer:" + tail


def test_seed_disclaimer_is_caught_with_more_confidence_with_ten_siblings(model, seed_text):
    alone = score_text(seed_text, model=model)
    pages = [make_page(seed_text, InputKind.TEXT, id="seed",
                       url="https://www.investing.example/news/seed")]
    pages += [make_page(sibling(seed_text, n), InputKind.TEXT, id=f"sib{n}",
                        url=f"https://www.investing.example/news/{n}") for n in range(10)]
    index = SiteIndex()
    for p in pages:
        p.paragraphs = segment_text(p.raw)
        assert p.site == "investing.example"  # from the URL
        index.add(p)
    with_index = next(score_pages([pages[0]], model=model, index=index))
    disclaimers = [i for i, p in enumerate(alone.paragraphs) if p.label is Label.DISCLAIMER]
    assert len(disclaimers) == 2
    for i in disclaimers:
        after = with_index.paragraphs[i]
        assert after.label is Label.DISCLAIMER
        assert after.recurrence.pages == 10
        assert after.content_probability < alone.paragraphs[i].content_probability
    story = [i for i, p in enumerate(alone.paragraphs) if p.label is Label.CONTENT]
    assert [with_index.paragraphs[i].label for i in story] == [Label.CONTENT] * len(story)
    # The index only removes what recurs: the story, unique to this page, is no less content.
    assert all(with_index.paragraphs[i].content_probability
               >= alone.paragraphs[i].content_probability for i in story)


def _site_pages(count: int, versions: int = 1) -> list[Page]:
    """``count`` pages of a.com sharing a disclaimer whose date and name change, each story
    distinct; with ``versions`` > 1, pages 0 and 1 are crawled again with another story."""
    pages = [page("a.com", n, DISCLAIMER.format(date=f"May {n}", name=f"Person {n}"),
                  story=f"{STORIES[n % len(STORIES)]} Report {n} of {count}.")
             for n in range(count)]
    for version in range(1, versions):
        pages += [page("a.com", n, DISCLAIMER.format(date=f"June {n}", name=f"Again {n}"),
                       story=f"Version {version} of report {n}. {STORIES[-1]}")
                  for n in (0, 1)]
    return pages


def _answers(index: SiteIndex, pages: list[Page]) -> list:
    return [index.recurrence(p) for p in pages]


def test_a_capped_site_keeps_its_lowest_ranked_pages_whatever_the_input_order():
    pages = _site_pages(9, versions=2)
    ranks = dict(zip([p.url for p in pages], page_ranks([p.url for p in pages]), strict=True))
    kept = sorted(ranks, key=ranks.__getitem__)[:4]
    config = IndexConfig(max_site_pages=4)
    answers = []
    for seed in range(4):
        order = pages[:]
        random.Random(seed).shuffle(order)
        # Re-crawled pages keep their order: the later version is the one indexed.
        order.sort(key=lambda p: pages.index(p) >= 9)
        index = SiteIndex(config)
        index.add_all(order)
        assert index.site_pages("a.com") == 4
        assert sorted(index._sites["a.com"].page_numbers) == sorted(kept)
        answers.append(_answers(index, pages))
    assert all(a == answers[0] for a in answers)
    # The same answers as an index of the kept pages alone (the others asked as outsiders),
    # holding no more paragraphs than that index: what left was forgotten.
    latest = {p.url: p for p in pages}
    alone = SiteIndex(IndexConfig(max_site_pages=None))
    alone.add_all(latest[url] for url in sorted(latest) if url in kept)
    assert _answers(alone, pages) == answers[0]
    index = SiteIndex(config)
    index.add_all(pages)
    assert index.stats() == alone.stats()
    outsider = next(p for p in pages if p.url not in kept)
    assert {a.site_pages for a in index.recurrence(outsider)} == {4}
    assert index.recurrence(outsider)[1].pages == 4  # the disclaimer, on every page kept


def test_a_capped_index_saves_and_loads_its_cap(tmp_path):
    pages = _site_pages(7)
    index = SiteIndex(IndexConfig(max_site_pages=3))
    index.add_all(pages[:5])
    index.save(tmp_path / "site.index")
    loaded = SiteIndex.load(tmp_path / "site.index")
    assert loaded.config.max_site_pages == 3
    for more in (index, loaded):
        more.add_all(pages[5:])
    assert loaded.stats() == index.stats()
    assert _answers(loaded, pages) == _answers(index, pages)


@pytest.mark.parametrize("cap", [0, -1, 2.5, True])
def test_a_bad_cap_is_refused_by_name(cap):
    with pytest.raises(ValueError, match="max_site_pages"):
        IndexConfig(max_site_pages=cap)


def test_runs_sharing_a_capped_index_file_merge_to_the_cap(tmp_path):
    """Two runs add different pages of one site to one file (the second merges in what the
    first saved): the file keeps the cap's pages, those one index of every page keeps, and
    answers as it does."""
    pages = _site_pages(9)
    config = IndexConfig(max_site_pages=4)
    path = tmp_path / "site.index"
    first, second = SiteIndex(config), SiteIndex(config)
    first.add_all(pages[::2])
    second.add_all(pages[1::2])
    first.save(path)
    second.save(path)  # merges first's pages in, under the cap
    merged = SiteIndex.load(path)
    whole = SiteIndex(config)
    whole.add_all(pages)
    assert merged.site_pages("a.com") == 4
    assert sorted(merged._sites["a.com"].page_numbers) == sorted(whole._sites["a.com"].page_numbers)
    assert merged.stats() == whole.stats()
    assert _answers(merged, pages) == _answers(whole, pages)


def test_fingerprints_whose_keys_and_texts_differ_are_refused_before_the_site_changes():
    index = SiteIndex()
    index.add_texts("a.com", "1", ["A paragraph long enough to be signed."])
    before = index.stats()
    with pytest.raises(ValueError, match="2 keys and 1 texts"):
        index.add_fingerprints("a.com", "1", Fingerprints((1, 2), ("one text only",)))
    assert index.stats() == before
    assert index.site_pages("a.com") == 1
