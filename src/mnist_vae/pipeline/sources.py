"""Which package source files a script depends on, so a workflow can declare them as inputs.

Snakemake's code trigger sees only a rule's own script; declaring the package modules the
script imports (directly or through other package modules) as inputs makes an edit to
any of them rerun exactly the rules that use it.
"""

import ast
import functools
import hashlib
from pathlib import Path

PACKAGE = "mnist_vae"


@functools.cache
def imported_modules(path, package=PACKAGE):
    """Names of the `package` modules imported by the Python file at `path` (read once per
    process: a workflow asks for the same modules for many rules)."""
    tree = ast.parse(Path(path).read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return frozenset(name for name in names if name == package or name.startswith(package + "."))


def module_file(name, source_root):
    """The file of a dotted module name under `source_root`, or None for a non-module
    (such as a function imported with `from package.module import function`)."""
    relative = Path(*name.split("."))
    for candidate in (relative.with_suffix(".py"), relative / "__init__.py"):
        if (Path(source_root) / candidate).is_file():
            return Path(source_root) / candidate
    return None


def package_dependencies(script, source_root):
    """Sorted package files that `script` imports, followed transitively. Each imported
    module brings its package's __init__.py, which Python runs first."""
    found, pending = set(), [Path(script)]
    while pending:
        for name in imported_modules(pending.pop()):
            parts = name.split(".")
            for i in range(1, len(parts) + 1):
                path = module_file(".".join(parts[:i]), source_root)
                if path is not None and path not in found:
                    found.add(path)
                    pending.append(path)
    return sorted(str(path) for path in found)


def code_digest(paths):
    """sha256 over the contents of `paths`, in the given order."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()
