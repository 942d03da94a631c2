import math

import pytest
import torch

from mnist_vae.inference.numerics import (
    exp_without_underflow_,
    fast_tanh,
    softplus_sum,
    softplus_sum_,
)


def test_fast_tanh_is_tanh_to_float32_precision_and_finite_far_out():
    a = torch.cat([torch.linspace(-12, 12, 100_001), torch.tensor([-1e4, -100.0, 100.0, 1e4])])
    torch.testing.assert_close(fast_tanh(a), torch.tanh(a), rtol=0, atol=3e-7)
    assert fast_tanh(torch.tensor([-1e30, 1e30])).tolist() == [-1.0, 1.0]


def test_exp_without_underflow_is_exp_wherever_exp_gives_a_normal_number():
    x = torch.linspace(-86, 80, 10_001)
    torch.testing.assert_close(exp_without_underflow_(x.clone()), x.exp(), rtol=0, atol=0)
    assert exp_without_underflow_(torch.tensor([-1e4])).item() == pytest.approx(
        torch.finfo(torch.float32).tiny * math.e
    )


@pytest.mark.parametrize("pixels", [784, 392, 101])
def test_softplus_sum_is_the_sum_of_softplus_to_float32_rounding(pixels):
    logits = torch.randn(300, pixels, generator=torch.Generator().manual_seed(0)) * 8
    logits[0] = 100.0  # factors of 1: exp(-|l|) underflows
    logits[1] = -100.0
    exact = torch.nn.functional.softplus(logits.double()).sum(-1)
    torch.testing.assert_close(softplus_sum(logits).double(), exact, rtol=2e-6, atol=1e-4)


@pytest.mark.parametrize("pixels", [784, 101])
def test_softplus_sum_in_place_is_softplus_sum_to_the_bit(pixels):
    logits = torch.randn(300, pixels, generator=torch.Generator().manual_seed(0)) * 8
    logits[0], logits[1] = 100.0, -100.0
    assert torch.equal(softplus_sum_(logits.clone()), softplus_sum(logits))
