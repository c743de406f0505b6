"""The page's training form: no numbers of its own, and Python's choices (one source of truth)."""

import re

from pycore.app import CHOICE_LABELS, page_config
from pycore.augment import LEVELS
from pycore.layers import ACTIVATIONS
from pycore.losses import LOSSES
from pycore.network import DTYPES, INITS
from pycore.optimizers import OPTIMIZERS
from pycore.trainer import LR_SCHEDULES
from tests.conftest import ROOT


def test_the_page_holds_no_setting_values_and_offers_pythons_choices():
    html = (ROOT / "web" / "index.html").read_text()
    form = html[html.index('<form id="settings"') : html.index("</form>")]
    for tag in re.findall(r"<input [^>]*>", form):
        assert not re.search(r' (min|max|value)="', tag), f"a number Python holds is written in the page: {tag}"
    assert "<option" not in form, "the menus' choices come from Python's page config"
    choices = page_config()["choices"]
    for select, names in [
        ("optimizer", OPTIMIZERS),
        ("lr_schedule", LR_SCHEDULES),
        ("loss", LOSSES),
        ("init", INITS),
        ("dtype", DTYPES),
        ("activation", ACTIVATIONS),
        ("augment", LEVELS),
    ]:
        assert f'<select id="{select}"' in form, select
        assert [value for value, _ in choices[select]] == list(names), select
        assert all(label and label in CHOICE_LABELS.values() for _, label in choices[select]), select


def test_the_page_reads_every_menu_python_offers():
    """settings.js names the menus it reads; they are exactly Python's CHOICES."""
    from pycore.app import CHOICES

    js = (ROOT / "web" / "settings.js").read_text()
    names = re.search(r"const CHOICE_FIELDS = \[([^\]]*)\]", js).group(1)
    assert sorted(re.findall(r'"(\w+)"', names)) == sorted(CHOICES)


def test_the_score_rows_in_the_page_are_the_first_modes_as_python_gives_them():
    """index.html lays out the first mode's score rows before Python loads (so that nothing moves when
    it is ready): their digits and label are those of that mode's classes and its model's outputs."""
    from pycore import recipes
    from pycore.network import Network

    html = (ROOT / "web" / "index.html").read_text()
    main = (ROOT / "web" / "main.js").read_text()
    first = re.search(r'this\.mode = "([\w-]+)"', main).group(1)  # the mode the page starts in
    mode = page_config()["modes"][first]
    box = html[html.index('<div id="scores"') : html.index('<p class="label"', html.index('<div id="scores"'))]
    assert re.findall(r'data-digit="(\d+)"><span>(\d+)</span>', box) == [(str(c), str(c)) for c in mode["classes"]]
    outputs = Network(recipes.get(mode["recipe"]).network, seed=0).outputs
    label = re.search(r'id="scores-label"[^>]*data-i18n="([\w.]+)"', html).group(1)
    assert label == ("scores.probabilities" if outputs == "probabilities" else "scores.raw")


def test_the_pages_placeholders_are_the_one_the_scripts_show_for_a_missing_value():
    """What index.html shows before a value comes (the answer, the scores, the training readout, the
    accuracy) is i18n.js's NO_VALUE, which the scripts show for a value that is missing: one mark, not
    two, written once."""
    no_value = re.search(r'export const NO_VALUE = "([^"]+)";', (ROOT / "web" / "i18n.js").read_text()).group(1)
    html = (ROOT / "web" / "index.html").read_text()
    placeholders = re.findall(r">\s*([-–—‒−])\s*<", html)  # an element holding a lone dash
    assert len(placeholders) >= 10
    assert set(placeholders) == {no_value}
    for script in (ROOT / "web").glob("*.js"):
        code = re.sub(r"/\*.*?\*/|//[^\n]*", "", script.read_text(), flags=re.S)  # (comments may say "0–9")
        if script.name != "i18n.js":
            assert no_value not in code, f"{script.name} writes the mark out: import NO_VALUE from i18n.js"
