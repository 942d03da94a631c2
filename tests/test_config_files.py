"""config/README.md describes every config file under config/, with the runs it builds."""

import re

import yaml
from helpers import REPO

from mnist_vae.runs.config import all_runs

README = REPO / "config" / "README.md"


def described():
    """{file name: its runs column} from the README's table."""
    rows = re.findall(r"^\| `([\w-]+\.yaml)` \| .+? \| (.+?) \|$", README.read_text(), re.M)
    return dict(rows)


def test_every_config_file_is_described_in_the_configs_readme():
    files = {path.name for path in (REPO / "config").glob("*.yaml")}
    assert files and files == set(described())


def test_the_readme_gives_each_files_runs_as_the_file_defines_them():
    for name, runs_column in described().items():
        config = yaml.safe_load((REPO / "config" / name).read_text())
        runs = all_runs({"runs": config.get("runs", {}), "sweeps": config.get("sweeps", {})})
        expected = f"`{next(iter(runs))}`" if len(runs) == 1 else str(len(runs))
        assert runs_column == expected, name
