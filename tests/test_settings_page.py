"""docs/settings.md says what the config schema says (mnist_vae.docs.settings_page)."""

import yaml
from helpers import REPO

from mnist_vae.docs.settings_page import read_schema, settings_page


def dotted_keys(settings, prefix=""):
    for key, value in settings.items():
        if isinstance(value, dict) and value and key not in ("md5", "runs", "sweeps"):
            yield from dotted_keys(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}"


def test_the_committed_settings_page_is_the_one_the_schema_writes():
    committed = (REPO / "docs/settings.md").read_text()
    assert committed == settings_page(read_schema()), (
        "run: mnist-vae settings-page > docs/settings.md"
    )


def test_every_setting_of_the_default_config_is_on_the_page_with_its_meaning():
    page = settings_page(read_schema())
    rows = {
        line.split("|")[1].strip(" `"): line for line in page.splitlines() if line.startswith("| `")
    }
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    for key in dotted_keys({k: v for k, v in config.items() if k not in ("runs", "sweeps")}):
        assert key in rows, f"{key} is not on the settings page"
        assert not rows[key].rstrip().endswith("|  |"), f"{key} has no description in the schema"
