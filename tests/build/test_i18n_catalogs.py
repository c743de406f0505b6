"""The page's catalogs (web/i18n/) against each other and against Python's messages (pycore.messages)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pycore import messages

I18N = Path(__file__).resolve().parents[2] / "web" / "i18n"
LANGUAGES = [code for code, _ in json.loads((I18N / "languages.json").read_text(encoding="utf-8"))]
# the page's own placeholders: {name}, with Python's optional conversion and format spec
PLACEHOLDER = re.compile(r"\{(\w+)(?:![rsa])?(?::[^{}]*)?\}")
# and the page's plurals: {name, plural, one {# thing} other {# things}} (web/i18n.js's PLURAL)
PLURAL = re.compile(r"\{(\w+), plural, one \{([^{}]*)\} other \{([^{}]*)\}\}")


def load(code: str) -> dict[str, str]:
    return json.loads((I18N / f"{code}.json").read_text(encoding="utf-8"))


def names(template: str) -> set[str]:
    return set(PLACEHOLDER.findall(template)) | {m.group(1) for m in PLURAL.finditer(template)}


def full(code: str) -> dict[str, str]:
    """A language's catalog as the page gets it (English: the page's words plus Python's)."""
    return {**load(code), **messages.catalog()} if code == "en" else load(code)


def test_english_is_first_and_every_language_has_a_catalog():
    assert LANGUAGES[0] == "en"
    for code in LANGUAGES:
        assert (I18N / f"{code}.json").is_file(), code


def test_the_page_does_not_repeat_pythons_english():
    assert not set(load("en")) & set(messages.catalog())


@pytest.mark.parametrize("code", LANGUAGES[1:])
def test_every_language_has_exactly_the_same_keys(code):
    english, other = full("en"), full(code)
    assert sorted(set(english) - set(other)) == [], f"{code}.json lacks these"
    assert sorted(set(other) - set(english)) == [], f"{code}.json has keys English does not"


@pytest.mark.parametrize("code", LANGUAGES[1:])
def test_every_language_has_the_same_placeholders(code):
    english, other = full("en"), full(code)
    wrong = {key: (names(english[key]), names(other[key])) for key in english}
    wrong = {key: pair for key, pair in wrong.items() if pair[0] != pair[1]}
    assert wrong == {}


@pytest.mark.parametrize("code", LANGUAGES)
def test_no_catalog_text_is_empty(code):
    assert [key for key, text in full(code).items() if not text.strip()] == []


def test_javascript_placeholders_match_pythons_parser():
    for template in messages.catalog().values():
        assert names(template) == messages.placeholders(template), template


def test_the_site_ships_every_catalog_in_one_script(site):
    """i18n/catalogs.js: the languages, English with Python's words added, precached for offline use."""
    text = (site / "i18n" / "catalogs.js").read_text(encoding="utf-8")
    data = json.loads(text[text.index("=") + 1 :].strip().rstrip(";"))
    assert [code for code, _ in data["languages"]] == LANGUAGES
    assert data["catalogs"]["en"] == full("en")
    for code in LANGUAGES[1:]:
        assert data["catalogs"][code] == load(code)
    assert not list((site / "i18n").glob("*.json"))  # the sources stay out of the site
    assert '"i18n/catalogs.js"' in (site / "sw.js").read_text(encoding="utf-8")


def test_the_page_and_this_test_read_plurals_alike():
    """The plural form web/i18n.js reads is the one these tests read, and every plural in a catalog
    is in that form (a plural written otherwise would show its braces)."""
    script = (I18N.parent / "i18n.js").read_text(encoding="utf-8")
    assert f"export const PLURAL = /{PLURAL.pattern}/g;" in script
    for code in LANGUAGES:
        for key, text in load(code).items():
            assert not re.search(r",\s*plural\s*,", PLURAL.sub("", text)), (code, key)
