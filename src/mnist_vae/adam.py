"""Adam (Kingma & Ba 2015) with torch's defaults, as training steps it: one call per step of
the fused kernel that torch.optim.Adam(fused=True) calls, so the same bits.

torch.optim's Adam wraps that kernel in about 0.2 ms of Python per step (hooks, grouping
the tensors by device, the step counters), a twelfth of a training step here, and its first
construction imports torch._dynamo (about 0.9 s of start-up). The kernel is private to
torch, so a test pins this class to torch.optim.Adam(fused=True), step by step and bit for bit.
"""

import torch


class Adam:
    """Adam's update of `parameters` (tensors with .grad) from their gradients in .grad."""

    def __init__(self, parameters, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.parameters = list(parameters)
        self.lr, (self.beta1, self.beta2), self.eps = lr, betas, eps
        self.exp_avg = [torch.zeros_like(p) for p in self.parameters]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.parameters]
        # one float32 step count per parameter, as the fused kernel takes them
        self.steps = [torch.zeros((), device=p.device) for p in self.parameters]

    @torch.no_grad()
    def step(self):
        """One update from the gradients now in each parameter's .grad."""
        torch._foreach_add_(self.steps, 1)
        torch._fused_adam_(
            self.parameters,
            [p.grad for p in self.parameters],
            self.exp_avg,
            self.exp_avg_sq,
            [],
            self.steps,
            lr=self.lr,
            beta1=self.beta1,
            beta2=self.beta2,
            weight_decay=0.0,
            eps=self.eps,
            amsgrad=False,
            maximize=False,
        )

    def state_dict(self):
        return {"exp_avg": self.exp_avg, "exp_avg_sq": self.exp_avg_sq, "steps": self.steps}

    def load_state_dict(self, state):
        for name in ("exp_avg", "exp_avg_sq", "steps"):
            for mine, saved in zip(getattr(self, name), state[name], strict=True):
                mine.copy_(saved)
