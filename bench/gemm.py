"""The large float32 product through each backend: the rate every other part is measured
against."""

import torch

from bench.timing import interleaved, median, row, scaled


def gemm_rows(rounds):
    """torch.mm (MKL) against oneDNN's linear op on a large product and on a training
    step's first product. -> rows, the best large-product rate (GFLOP/s, median)"""
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    x, w = torch.randn(100, 784), torch.randn(500, 784)
    onednn = torch.ops.mkldnn._linear_pointwise
    times = interleaved(
        {
            "mm": lambda: [a @ b for _ in range(5)],
            "onednn": lambda: [onednn(a, b.T, None, "none", [], "") for _ in range(5)],
            "step_mm": lambda: [x @ w.T for _ in range(200)],
            "step_onednn": lambda: [onednn(x, w, None, "none", [], "") for _ in range(200)],
        },
        rounds,
    )
    rate = {k: [5 * 2 * 2048**3 / t / 1e9 for t in times[k]] for k in ("mm", "onednn")}
    step = {k: scaled(times[k], 1e6 / 200) for k in ("step_mm", "step_onednn")}
    rows = [
        row(
            "products",
            "large product (2048³), torch.mm (MKL), baseline",
            rate["mm"],
            "GFLOP/s",
            rate["mm"],
            "higher",
        ),
        row("products", "the same through oneDNN", rate["onednn"], "GFLOP/s", rate["mm"], "higher"),
        row(
            "products",
            "a step's 100×784 · 784×500, torch.mm (MKL)",
            step["step_mm"],
            "µs",
            step["step_mm"],
        ),
        row("products", "the same through oneDNN", step["step_onednn"], "µs", step["step_mm"]),
    ]
    return rows, max(median(rate["mm"]), median(rate["onednn"]))
