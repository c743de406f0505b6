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
