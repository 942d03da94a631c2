import ast
import re
import sys
from pathlib import Path

import yaml
from helpers import REPO

from mnist_vae.pipeline.sources import package_dependencies

PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)$")


def pins(lines):
    return dict(m.groups() for line in lines if (m := PIN.match(line.strip())))


def test_environment_yml_pins_the_same_versions_as_requirements():
    requirements = pins((REPO / "requirements.txt").read_text().splitlines())
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert requirements and pins(pip_section) == requirements


def test_torch_is_pinned_so_pip_takes_the_cpu_build():
    assert pins((REPO / "requirements.txt").read_text().splitlines())["torch"] == "2.13.0"


def test_the_job_environment_pins_the_same_versions_and_not_the_package():
    requirements = pins((REPO / "requirements.txt").read_text().splitlines())
    environment = yaml.safe_load((REPO / "workflow/envs/jobs.yaml").read_text())
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    jobs = pins(pip_section)
    assert jobs and all(requirements[name] == version for name, version in jobs.items())
    assert not any("-e" in line or line.startswith(".") for line in pip_section)


# Where a module's import name is not its distribution's name.
DISTRIBUTIONS = {"yaml": "pyyaml"}


def third_party_imports(path):
    """The top-level names of the modules a Python file imports that are neither the
    standard library's nor this project's."""
    names = set()
    for node in ast.walk(ast.parse(Path(path).read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return {
        name
        for name in names
        if name not in sys.stdlib_module_names and name not in ("mnist_vae", "mnist_vae_checkout")
    }


def test_the_job_environment_lists_exactly_what_the_jobs_import():
    imported = set()
    for script in (REPO / "workflow/scripts").glob("*.py"):
        for path in (script, *package_dependencies(script, REPO / "src")):
            imported |= third_party_imports(path)
    environment = yaml.safe_load((REPO / "workflow/envs/jobs.yaml").read_text())
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert set(pins(pip_section)) == {DISTRIBUTIONS.get(name, name) for name in imported}


def test_the_development_tools_are_pinned_apart_from_the_runtime():
    lines = (REPO / "requirements-dev.txt").read_text().splitlines()
    runtime = pins((REPO / "requirements.txt").read_text().splitlines())
    development = pins(lines)
    assert "-r requirements.txt" in lines
    assert {"pytest", "ruff", "snakefmt", "selenium"} <= set(development)
    assert not set(development) & set(runtime)
