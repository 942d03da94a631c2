"""docs/api.md: its code runs as it stands, in order, on a finished run."""

import os
import re

import numpy as np
import pytest
import torch
from helpers import REPO

pytestmark = pytest.mark.workflow

PAGE = REPO / "docs" / "api.md"


def code_blocks():
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.DOTALL)


def test_the_pages_code_runs_on_a_finished_run_and_gives_what_it_says(tiny_run):
    code = "\n".join(code_blocks()).replace('"results/assignment"', '"results/tiny"')
    namespace = {}
    previous = os.getcwd()
    os.chdir(tiny_run)
    try:
        exec(compile(code, str(PAGE), "exec"), namespace)
    finally:
        os.chdir(previous)
    assert namespace["digits"].shape == (10, 784)
    assert namespace["mu"].shape == (5, 2)
    log_px, bound = namespace["log_px"], namespace["bound"]
    assert (bound < log_px + 1.0).all()  # an ELBO estimate, below log p(x) but for noise
    completed, x = namespace["completed"], namespace["x"]
    torch.testing.assert_close(completed[:, :392], x[:, :392])
    assert ((completed[:, 392:] >= 0) & (completed[:, 392:] <= 1)).all()
    assert len(namespace["metrics"]) == 1
    assert np.isfinite(namespace["metrics"]["test.log_px_quadrature.mean"]).all()


def test_the_page_imports_only_what_the_package_has():
    for block in code_blocks():
        for module in re.findall(r"^from (mnist_vae\S*) import", block, re.MULTILINE):
            __import__(module)
