"""Elementwise functions that torch computes slowly on this CPU, computed another way:
the same numbers, to float32 precision or to the bit, as each docstring says."""

import math

import torch


def fast_tanh(a):
    """tanh(a) as 2 sigmoid(2a) - 1, within 2·10⁻⁷ of torch.tanh and 2.5-4x faster on this
    CPU, whose vectorised tanh is several times slower than its sigmoid. For the decodes of
    thousands of draws per image (IWAE, SVI), where tanh was the slowest elementwise pass."""
    return torch.sigmoid(2 * a).mul_(2).sub_(1)


def exp_without_underflow_(x):
    """exp(x) in place, with every argument whose result would underflow (below about -87
    in float32, -708 in float64) raised to give the smallest normal number instead. On this
    CPU exp takes a slow path, 10-35 times slower, for such arguments, and most of a grid's
    nodes lie that far below the posterior's peak. A sum that holds a term near 1 is
    unchanged. -> x"""
    return x.clamp_(min=math.log(torch.finfo(x.dtype).tiny) + 1).exp_()


def softplus_sum(logits):
    """Σ_j softplus(logits_j) over the last axis, as Σ_j relu(l_j) + log Π_j (1 + exp(-|l_j|)):
    each factor lies in (1, 2], so a product of up to 126 of them stays finite in float32,
    and one log per group replaces one per element (this CPU's log is its slowest pass:
    1.8x faster than F.softplus(logits).sum(-1) on a decode's 1000 x 784 logits). Within
    float32 rounding of the sum of softplus. logits: (..., P) -> (...)"""
    return _plus_log_factors(logits.clamp(min=0).sum(-1), logits.abs())


def softplus_sum_(logits):
    """softplus_sum(logits), the same numbers, overwriting `logits` instead of allocating
    a copy of it: for a buffer whose values are not needed after. logits: (..., P) -> (...)"""
    relu_sum = logits.clamp(min=0).sum(-1)
    return _plus_log_factors(relu_sum, logits.abs_())


def _plus_log_factors(relu_sum, magnitude):
    """relu_sum + Σ_j log(1 + exp(-|l_j|)), one log per group of factors, overwriting
    `magnitude` (|l|: (..., P)) -> (...)"""
    group = max(d for d in range(1, 127) if magnitude.shape[-1] % d == 0)
    factors = magnitude.neg_().exp_().add_(1).unflatten(-1, (-1, group))
    return relu_sum + factors.prod(-1).log_().sum(-1)
