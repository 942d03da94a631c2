import logging

import pytest
import torch
import torch.nn.functional as F

from mnist_vae import products
from mnist_vae.products import choose_backend, linear, matmul


@pytest.fixture
def backend(monkeypatch):
    """Sets this process's backend for one test: backend('onednn') or backend('torch')."""

    def use(name):
        monkeypatch.setenv(products.SETTING, name)
        products.backend.cache_clear()

    yield use
    products.backend.cache_clear()


def operands(*shapes, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(shape, generator=generator) for shape in shapes]


def test_the_onednn_op_of_the_pinned_torch_computes_x_times_weight_transposed_plus_bias():
    x, weight, bias = operands((100, 784), (500, 784), (500,))
    result = torch.ops.mkldnn._linear_pointwise(x, weight, bias, "none", [], "")
    torch.testing.assert_close(result, F.linear(x, weight, bias), rtol=1e-5, atol=2e-4)


@pytest.mark.parametrize(
    "shapes",
    [
        [(100, 784), (500, 784), (500,)],  # a training step's first product
        [(3, 40, 500), (784, 500), (784,)],  # draws of several images at once
        [(100, 784), (500, 784)],  # no bias
    ],
)
def test_linear_through_onednn_equals_f_linear_to_float32_rounding(backend, shapes):
    backend("onednn")
    x, weight, *bias = operands(*shapes)
    bias = bias[0] if bias else None
    torch.testing.assert_close(
        linear(x, weight, bias), F.linear(x, weight, bias), rtol=1e-5, atol=2e-4
    )


def test_linear_through_onednn_takes_transposed_and_sliced_operands_and_a_strided_bias(backend):
    backend("onednn")
    d_logits, w4, h = operands((100, 784), (784, 500), (100, 500))
    torch.testing.assert_close(matmul(d_logits.T, h), d_logits.T @ h, rtol=1e-5, atol=2e-4)
    torch.testing.assert_close(matmul(d_logits, w4), d_logits @ w4, rtol=1e-5, atol=2e-4)
    top = slice(0, 392)
    torch.testing.assert_close(
        linear(h, w4[top], w4[top, 0]), F.linear(h, w4[top], w4[top, 0]), rtol=1e-5, atol=2e-4
    )


def test_linear_through_torch_is_f_linear_to_the_bit(backend):
    backend("torch")
    x, weight, bias = operands((100, 784), (500, 784), (500,))
    assert torch.equal(linear(x, weight, bias), F.linear(x, weight, bias))
    assert torch.equal(matmul(x, weight.T), x @ weight.T)


def test_linear_under_autograd_and_in_float64_is_torchs_own(backend):
    backend("onednn")
    x, weight = operands((10, 20), (5, 20))
    weight.requires_grad_()
    linear(x, weight).sum().backward()
    torch.testing.assert_close(weight.grad, x.sum(0).expand(5, 20))
    assert linear(x.double(), weight.detach().double()).dtype == torch.float64


def test_onednn_is_chosen_for_cpus_other_than_intels_with_avx512_and_torch_elsewhere():
    assert choose_backend("AuthenticAMD", "AVX512") == "onednn"
    assert choose_backend("AuthenticAMD", "AVX2") == "torch"
    assert choose_backend("GenuineIntel", "AVX512") == "torch"
    assert choose_backend("", "AVX512") == "torch"  # vendor unknown: nothing changes


def test_the_setting_overrides_the_cpus_choice_and_a_bad_value_is_named():
    assert choose_backend("GenuineIntel", "AVX512", "onednn") == "onednn"
    assert choose_backend("AuthenticAMD", "AVX512", "torch") == "torch"
    with pytest.raises(ValueError, match="MNIST_VAE_PRODUCTS='mkl': expected one of onednn, torch"):
        choose_backend("AuthenticAMD", "AVX512", "mkl")


def test_a_torch_without_the_onednn_op_falls_back_with_one_log_line(backend, monkeypatch, caplog):
    monkeypatch.setattr(products, "onednn_linear_available", lambda: False)
    with caplog.at_level(logging.WARNING, logger="mnist_vae.products"):
        backend("onednn")
        assert products.backend() == "torch"
    assert len(caplog.records) == 1
    assert "no oneDNN linear op" in caplog.records[0].getMessage()


@pytest.mark.parametrize("name", ["torch", "onednn"])
def test_linear_into_given_memory_computes_the_same_under_either_backend(backend, name):
    backend(name)
    x, weight, bias = operands((100, 500), (784, 500), (784,))
    out = torch.empty(100, 784)
    result = linear(x, weight, bias, out=out)
    torch.testing.assert_close(result, F.linear(x, weight, bias), rtol=1e-5, atol=2e-4)
    if name == "torch":  # torch's product writes into the memory given
        assert result.data_ptr() == out.data_ptr()
