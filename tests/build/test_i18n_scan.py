"""No words for people outside the catalogs: a scan of web/index.html and web/*.js.

index.html: every text with letters is in an element marked data-i18n (or is code), every
aria-label, title and placeholder is named in data-i18n-attr, and every key exists.
web/*.js: no sentence in a string literal, and no literal text given to the DOM or to the
page's message verbs (textContent, title, aria-label, setStatus, showMessage, output, Error, Option).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "web"
CATALOG = json.loads((WEB / "i18n" / "en.json").read_text(encoding="utf-8"))
WORDS = re.compile(r"[A-Za-z]{2,}")
SHOWN_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
NOT_SHOWN = {"script", "style", "code", "title"}  # <title> is set from the catalog (page.title) by i18n.js


class Scan(HTMLParser):
    """Collects index.html's words that no data-i18n / data-i18n-attr covers."""

    VOID = frozenset({"meta", "link", "input", "br", "img", "hr", "source"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict]] = []
        self.problems: list[str] = []
        self.keys: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if "data-i18n" in a:
            self.keys.append(a["data-i18n"])
        covered = {pair.split(":")[0].strip() for pair in a.get("data-i18n-attr", "").split(";") if pair.strip()}
        for pair in a.get("data-i18n-attr", "").split(";"):
            if ":" in pair:
                self.keys.append(pair.split(":", 1)[1].strip())
        for name in SHOWN_ATTRIBUTES:
            if a.get(name) and WORDS.search(a[name]) and name not in covered:
                self.problems.append(f"<{tag}> {name}={a[name]!r}")
        if tag == "meta" and a.get("name") == "description":
            self.keys.append("page.description")  # set by i18n.js
        if tag not in self.VOID:
            self.stack.append((tag, a))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if not WORDS.search(data):
            return
        marked = any("data-i18n" in a or "data-i18n-slot" in a or t in NOT_SHOWN for t, a in self.stack)
        if not marked:
            where = self.stack[-1][0] if self.stack else "document"
            self.problems.append(f"<{where}> text {' '.join(data.split())[:60]!r}")


def test_index_html_takes_every_word_from_the_catalog():
    scan = Scan()
    scan.feed((WEB / "index.html").read_text(encoding="utf-8"))
    assert scan.problems == []
    assert sorted(k for k in set(scan.keys) if k not in CATALOG) == []


# --- web/*.js ----------------------------------------------------------------------------------

STRING = re.compile(r"""(?P<q>["'`])(?P<body>(?:\\.|(?!(?P=q)).)*)(?P=q)""", re.S)
COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
SENTENCE = re.compile(r"\b[A-Za-z]{2,}[,:;]? [A-Za-z]{2,}\b")
# Calls whose literal arguments are shown to people (the message verbs take message objects).
SHOWN_CALLS = re.compile(
    r"""(?:\.textContent\s*=|\.innerText\s*=|\.title\s*=|\.label\s*=|setAttribute\(\s*["'](?:aria-label|title|placeholder)["']\s*,"""
    r"""|setStatus\(|showMessage\(\s*["'][\w-]+["']\s*,|\.output\(|new Error\(|new Option\()\s*(["'`])([^"'`]*)"""
)
# Literals that are not words for people: selectors, file names, CSS, keys (each checked by reading).
NOT_WORDS = re.compile(
    r"""querySelector(?:All)?\(|closest\(|matches\(|import\(|console\."""
    r"""|new URL\(|postMessage\(|dataset\.|font\s*=|cssText|complain\("""
)


def literals(path: Path) -> list[tuple[int, str, str]]:
    """(line, the code before the literal on its line, the literal's text without ${…}) of every string."""
    text = COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), path.read_text(encoding="utf-8"))
    out = []
    for m in STRING.finditer(text):
        body = re.sub(r"\$\{[^}]*\}", " ", m.group("body"))
        line = text.count("\n", 0, m.start()) + 1
        before = text[text.rfind("\n", 0, m.start()) + 1 : m.start()]
        out.append((line, before, body))
    return out


@pytest.mark.parametrize("path", sorted(WEB.glob("*.js")), ids=lambda p: p.name)
def test_no_sentence_is_left_in_the_code(path):
    left = [
        f"{path.name}:{line}: {body[:70]!r}"
        for line, before, body in literals(path)
        if SENTENCE.search(body) and not NOT_WORDS.search(before)
    ]
    assert left == []


@pytest.mark.parametrize("path", sorted(WEB.glob("*.js")), ids=lambda p: p.name)
def test_no_literal_text_goes_to_the_page(path):
    text = COMMENT.sub("", path.read_text(encoding="utf-8"))
    left = [m.group(0)[:80] for m in SHOWN_CALLS.finditer(text) if WORDS.search(m.group(2))]
    assert left == []


def test_the_scan_finds_what_it_looks_for(tmp_path):
    """The patterns catch the usual ways a sentence reaches the page."""
    bad = tmp_path / "bad.js"
    bad.write_text(
        'el.textContent = "Ready";\nsetStatus(`Error: ${e}`);\nshowMessage("m", "Could not load");\n'
        'throw new Error("bad file");\nconst x = "two words here";\n',
        encoding="utf-8",
    )
    assert len([1 for _, before, body in literals(bad) if SENTENCE.search(body) and not NOT_WORDS.search(before)]) == 3
    assert len([m for m in SHOWN_CALLS.finditer(bad.read_text()) if WORDS.search(m.group(2))]) == 4
    scan = Scan()
    scan.feed('<p>Hello there</p><p data-i18n="x">Fine</p><button aria-label="Close">×</button>')
    assert len(scan.problems) == 2


class Fallback(HTMLParser):
    """The English that index.html shows before i18n.js runs, by data-i18n key ({name} for a slot)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[list] = []  # [tag, key, text, is a slot]
        self.texts: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag not in Scan.VOID:
            self.stack.append([tag, a.get("data-i18n"), "", a.get("data-i18n-slot")])

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            t, key, text, slot = self.stack.pop()
            if key:
                self.texts[key] = " ".join(text.split())
            if self.stack:
                self.stack[-1][2] += f"{{{slot}}}" if slot else text
            if t == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.stack:
            self.stack[-1][2] += data


def test_index_html_says_what_the_english_catalog_says():
    """A change to a sentence in index.html must be made in en.json too (and translated)."""
    page = Fallback()
    page.feed((WEB / "index.html").read_text(encoding="utf-8"))
    differ = {k: (v, CATALOG[k]) for k, v in page.texts.items() if v != " ".join(CATALOG[k].split())}
    assert differ == {}


PROPER_NAMES = {"Pillow", "Python", "NumPy", "Pyodide", "MNIST", "Error"}  # "Error": a JavaScript type
ONE_WORD = re.compile(r"^[A-Z][a-z]{2,}[.!…]?$")


@pytest.mark.parametrize("path", sorted(WEB.glob("*.js")), ids=lambda p: p.name)
def test_no_single_word_for_people_is_left_in_the_code(path):
    """A lone capitalised word ("Ready", "Stop") is a label for people, unless it is a name."""
    left = [
        f"{path.name}:{line}: {body!r}"
        for line, before, body in literals(path)
        if ONE_WORD.match(body.strip()) and body.strip() not in PROPER_NAMES and not NOT_WORDS.search(before)
    ]
    assert left == []


# --- pycore: what Python says to people goes through pycore.messages ----------------------------

PYCORE = WEB.parent / "pycore"
CLI_ONLY = {"__main__.py"}  # the command line's own words may stay English (issue #15)


def unkeyed_messages(source: str) -> list[str]:
    """Calls that raise a pycore error or build a Message with text that is not a message key: an
    f-string or a literal sentence (an expression, such as a key chosen at run time, is fine)."""
    import ast

    from pycore import errors
    from pycore.messages import MESSAGES

    raisers = {c.__name__ for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.PycoreError)}
    raisers |= {"LabError", "Message"}
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        first = node.args[0]
        if name not in raisers:
            continue
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            wrong = first.value not in MESSAGES  # prose, or a mistyped key
        else:  # an f-string is a key built at run time ("component.{kind}"), unless it has words
            wrong = " " in "".join(v.value for v in getattr(first, "values", []) if isinstance(v, ast.Constant))
        if wrong:
            found.append(f"{node.lineno}: {ast.unparse(node)[:80]}")
    return found


@pytest.mark.parametrize("path", sorted(p for p in PYCORE.glob("*.py") if p.name not in CLI_ONLY), ids=lambda p: p.name)
def test_pycore_speaks_to_the_page_through_message_keys(path):
    assert unkeyed_messages(path.read_text(encoding="utf-8")) == []


def test_the_python_scan_finds_what_it_looks_for():
    bad = (
        'raise ConfigError(f"bad {x}")\nraise ModelFileError("a sentence here")\nMessage(f"component.{k}")\n'
        'raise ConfigError("model.not_zipp", name=n)\n'
    )
    assert [line.split(":")[0] for line in unkeyed_messages(bad)] == ["1", "2", "4"]
    assert unkeyed_messages('raise ConfigError("file.not_found", path=p)\nMessage(key)\n') == []


# --- keys: every key the code names exists, and English has no Japanese ------------------------

KEY_CALL = re.compile(r"""\b(?:msg|t|messageError|KeyedError|has)\(\s*["']([a-zA-Z][\w-]*(?:\.[\w-]+)+)["']""")


def english_words() -> dict[str, str]:
    from pycore.messages import catalog

    return {**catalog(), **CATALOG}


@pytest.mark.parametrize("path", sorted(WEB.glob("*.js")), ids=lambda p: p.name)
def test_every_message_key_the_code_names_exists(path):
    text = COMMENT.sub("", path.read_text(encoding="utf-8"))
    words = english_words()
    assert sorted({key for key in KEY_CALL.findall(text) if key not in words}) == []


def test_the_key_scan_finds_keys():
    assert KEY_CALL.findall('msg("no.such_key", {}); t("train.step"); x("not.this")') == ["no.such_key", "train.step"]


def test_the_english_words_have_no_japanese():
    japanese = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e]")  # kana, kanji, full-width forms
    assert {k: v for k, v in english_words().items() if japanese.search(v)} == {}
