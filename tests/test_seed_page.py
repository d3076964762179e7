"""The page this project exists for: the seed page's labels, exactly."""

from classifier import Label, clean_text, score_text


def test_seed_page_labels_exactly(model, seed_text, seed_labels):
    page = score_text(seed_text, model=model)
    assert len(page.paragraphs) == len(seed_labels)
    for paragraph, expected in zip(page.paragraphs, seed_labels, strict=True):
        assert paragraph.text.startswith(expected["starts_with"])
        acceptable = {expected["label"]}
        if "boilerplate is an acceptable answer" in expected.get("note", ""):
            acceptable |= {label.value for label in Label if label is not Label.CONTENT}
        assert paragraph.label.value in acceptable, (paragraph.index, paragraph.text[:40])


def test_seed_page_ad_tags_and_disclaimers_get_their_kind(model, seed_text):
    page = score_text(seed_text, model=model)
    labels = {p.text[:20]: p.label for p in page.paragraphs}
    assert labels["[ad_1]"] is Label.ADVERTISEMENT
    assert labels["[ad_2]"] is Label.ADVERTISEMENT
    assert labels["Disclaimer: Fusion M"] is Label.DISCLAIMER
    assert labels["Fusion MediaFusion M"] is Label.DISCLAIMER


def test_seed_page_clean_keeps_story_verbatim(model, seed_text):
    cleaned = clean_text(seed_text, model=model)
    assert cleaned.startswith("France rebukes U.S. AI company")
    assert "[ad_1]" not in cleaned and "Fusion Media" not in cleaned
    assert "Clearview was investigated by the U.K. Information Commissioner’s Office." in cleaned
    for paragraph in cleaned.split("\n\n"):
        assert paragraph in seed_text
