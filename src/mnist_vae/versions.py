"""The software a result was made with, as its files record it. Imports no torch: the
installed distributions' versions are read from their metadata."""

import platform
from importlib.metadata import PackageNotFoundError, version


def installed_versions(distributions):
    """Python's version and each distribution's installed one (None where it is not
    installed). -> {"python": version, distribution: version or None}"""
    found = {"python": platform.python_version()}
    for distribution in distributions:
        try:
            found[distribution] = version(distribution)
        except PackageNotFoundError:
            found[distribution] = None
    return found
