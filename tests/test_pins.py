import re

import yaml
from helpers import REPO

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
