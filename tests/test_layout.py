"""The layout section of docs/design.md is the package's map: every module it names exists, and
every module is named where it lives."""

import re
import subprocess
import sys

import pytest
from helpers import REPO

from mnist_vae.pipeline.sources import imported_modules, module_file

PACKAGE = REPO / "src" / "mnist_vae"


def modules_in_readme():
    """The .py files the layout block lists under src/mnist_vae/, each with the folder of
    the line (or the continued line) that names it. -> {relative path}"""
    block = (REPO / "docs/design.md").read_text().split("## Layout")[1].split("```")[1]
    lines = block.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("src/mnist_vae/"))
    named, folder = set(), ""
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break  # the next top-level entry
        entry = re.match(r"^  (\w+)/", line)
        if entry:
            folder = entry.group(1) + "/"
        elif not line.startswith(" " * 4):
            folder = ""  # a line of top-level modules
        for name in re.findall(r"[\w]+\.py\b", line):
            named.add(folder + name)
    return named


def modules_in_package():
    return {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.name != "__init__.py" and "__pycache__" not in path.parts
    }


def test_every_module_the_readme_names_exists():
    assert modules_in_readme() - modules_in_package() == set()


def test_every_module_is_named_in_the_readme():
    assert modules_in_package() - modules_in_readme() == set()


def test_every_package_folder_has_an_init():
    for folder in PACKAGE.rglob("*"):
        if folder.is_dir() and folder.name != "__pycache__":
            assert (folder / "__init__.py").exists(), folder


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph():
    """{module: the package modules it imports}, from the source."""
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        imported = imported_modules(path)
        files = {module_file(name, PACKAGE.parent) for name in imported}
        graph[module_name(path)] = {module_name(file) for file in files if file is not None}
    return graph


def test_the_package_has_no_import_cycles():
    graph, finished, active = import_graph(), set(), []

    def visit(module):
        assert module not in active, " -> ".join([*active[active.index(module) :], module])
        if module in finished:
            return
        active.append(module)
        for imported in graph[module]:
            visit(imported)
        active.pop()
        finished.add(module)

    for module in graph:
        visit(module)


def test_only_the_snakemake_glue_imports_the_snakemake_glue():
    outside = {
        module: sorted(
            imported for imported in imports if imported.startswith("mnist_vae.pipeline")
        )
        for module, imports in import_graph().items()
        if not module.startswith("mnist_vae.pipeline")
    }
    assert {module: imports for module, imports in outside.items() if imports} == {}


@pytest.mark.parametrize(
    "module",
    [
        "mnist_vae.runs.catalogue",
        "mnist_vae.runs.targets",
        "mnist_vae.runs.resources",
        "mnist_vae.runs.command_line",
        "mnist_vae.runs.compare",
        "mnist_vae.settings",
        "mnist_vae.report.pages",
    ]
    + [f"mnist_vae.report.{path.stem}" for path in (PACKAGE / "report").glob("[!_]*.py")],
)
def test_the_workflow_side_imports_no_torch(module):
    probe = f"import sys, {module}; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
