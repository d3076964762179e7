"""Page bytes to text (io/decode.py): the one decoding path, which never raises."""

from __future__ import annotations

import pytest

from classifier.io.decode import decode, page_codec

CAFE = "Café crème at the château, naïve déjà vu"


def _page(charset: str, body: str, encoding: str) -> bytes:
    return (f'<html><head><meta charset="{charset}"></head><body><p>{body}</p></body>'
            "</html>").encode(encoding)


@pytest.mark.parametrize("label", ["undefined", "base64", "hex", "zlib", "bz2", "uu", "rot13",
                                   "quopri", "idna", "punycode", "unicode_escape",
                                   "raw_unicode_escape", "cp037", "no-such-charset", "", "../x"])
def test_issue15_item1_charset_python_cannot_decode_falls_through(label):
    # Python maps these names to codecs that raise, or that do not read ASCII as ASCII; in a
    # meta tag or an HTTP header they fall through to the next guess (here windows-1252).
    assert CAFE in decode(_page(label, CAFE, "cp1252"))
    assert decode(CAFE.encode("cp1252"), charset=label) == CAFE
    assert page_codec(label) is None or label == "idna"  # idna reads ASCII, fails on the rest


@pytest.mark.parametrize("label", ["utf-16", "utf-16le", "utf-32", "utf-7", "UTF-7"])
def test_meta_utf16_and_utf7_on_an_8_bit_page_are_ignored_as_browsers_do(label):
    assert CAFE in decode(_page(label, CAFE, "cp1252"))
    # UTF-7 would turn "+ADw-" into "<": the page's text stays the text it shows.
    assert "+ADw-script+AD4-" in decode(_page(label, f"{CAFE} +ADw-script+AD4-", "cp1252"))


@pytest.mark.parametrize(("label", "encoding", "text"), [
    ("x-sjis", "shift_jis", "日本語のテキストです。東京の天気は晴れ。"),
    ("shift_jis", "cp932", "日本語のテキストです。①②③"),
    ("windows-874", "cp874", "ภาษาไทยเป็นภาษาราชการของประเทศไทย"),
    ("tis-620", "cp874", "ภาษาไทยเป็นภาษาราชการ"),
    ("gb2312", "gb18030", "中文文本，天气晴朗。"),
    ("euc-kr", "cp949", "한국어 텍스트입니다."),
    ("big5", "big5hkscs", "繁體中文文本。"),
    ("koi8-r", "koi8_r", "Русский текст страницы."),
    ("latin1", "cp1252", "Prices in € — “quoted”"),
])
def test_issue14_item7_legacy_charsets_decode_by_their_web_labels(label, encoding, text):
    assert text in decode(_page(label, text, encoding))
    assert decode(text.encode(encoding), charset=label) == text


def test_http_charset_wins_over_the_page_declaration():
    data = _page("windows-1251", CAFE, "cp1252")
    assert CAFE in decode(data, charset="windows-1252")
    assert CAFE not in decode(data)  # read as the page says


def test_a_declared_charset_keeps_a_page_with_one_bad_byte():
    # A stray byte (or a page cut inside a character) costs one U+FFFD, not the whole page.
    text = "日本語のテキストです。" * 20
    data = _page("shift_jis", text, "shift_jis")
    damaged = data[:60] + b"\x81\x20" + data[60:]  # a lead byte, then no trail byte
    assert decode(damaged).count("\ufffd") == 1
    assert decode(damaged).count("日本語のテキストです。") == 19
    utf8 = (CAFE + " 日本語").encode()
    assert decode(utf8[:-1]) == CAFE + " 日本\ufffd"  # a UTF-8 download cut mid-character


def test_bom_then_utf8_then_declaration_then_windows_1252():
    assert decode(b"\xff\xfe" + CAFE.encode("utf-16-le")) == CAFE
    assert decode(CAFE.encode()) == CAFE
    assert decode(_page("utf-8", CAFE, "cp1252")).count("château") == 1  # declared wrongly
    assert decode(b"Caf\xe9") == "Café"  # ASCII, then a byte UTF-8 would start a character with


def test_a_declaration_the_bytes_do_not_fit_is_passed_over():
    # windows-1252 bytes declared Shift_JIS or EUC-KR: the declared codec fails on many bytes,
    # so the page is read as windows-1252 (a stray byte or a cut costs one U+FFFD, above).
    for label in ("shift_jis", "euc-kr", "gb2312"):
        assert CAFE * 3 in decode(_page(label, CAFE * 3, "cp1252"))


def test_iso_2022_jp_is_seven_bit_yet_read_as_declared():
    text = "日本語のテキストです。"
    data = _page("iso-2022-jp", text, "iso2022_jp")
    assert data.isascii() and text in decode(data)
