"""minibert.dropout against torch's F.dropout (what transformers' BERT uses): the same rule --
each value kept with probability 1 - p and scaled by 1/(1 - p), else 0 -- checked on the kept
values (exactly F.dropout's scaling), the dropped fraction (within 4 standard deviations of p,
as F.dropout's own), the gradient, eval mode, and the residual added in the same pass. The draws
themselves differ from F.dropout's (a uniform compared with p instead of bernoulli_).
"""
import pytest
import torch
import torch.nn.functional as F

from minibert.dropout import Dropout, dropout

N = 200_000


def fraction_ok(dropped: torch.Tensor, p: float) -> bool:
    return abs(dropped.double().mean().item() - p) <= 4 * (p * (1 - p) / dropped.numel()) ** 0.5


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_same_rule_as_torch_dropout(p, dtype):
    torch.manual_seed(0)
    x = torch.randn(N, dtype=dtype) + 3.0  # no exact zeros in x
    ref = F.dropout(x, p, training=True)
    scale = torch.ones((), dtype=dtype).div(1 - p)  # 1/(1-p) as rounded in this dtype
    assert torch.equal(ref[ref != 0], x[ref != 0] * scale) and fraction_ok(ref == 0, p)
    xg = x.clone().requires_grad_()
    y = Dropout(p).train()(xg)
    kept = y != 0
    assert y.dtype == dtype and torch.equal(y[kept], x[kept] * scale)
    assert fraction_ok(~kept, p)
    y.backward(torch.ones_like(y))
    assert torch.equal(xg.grad, kept.to(dtype) * scale)


def test_residual_is_added_in_the_same_pass():
    torch.manual_seed(1)
    x, r = torch.randn(1000), torch.randn(1000)
    torch.manual_seed(1)
    alone = dropout(x, 0.3)
    torch.manual_seed(1)
    both = Dropout(0.3).train()(x, r)  # same draws: the same mask; one rounding (a fused multiply-add)
    assert torch.equal(both == r, alone == 0) and (both - (alone + r)).abs().max().item() <= 1e-6
    assert torch.equal(Dropout(0.3).eval()(x, r), x + r)


def test_eval_zero_and_one():
    x = torch.randn(100, generator=torch.Generator().manual_seed(0))
    assert Dropout(0.5).eval()(x) is x and dropout(x, 0.0) is x
    assert torch.equal(dropout(x, 1.0), torch.zeros(100)) and torch.equal(F.dropout(x, 1.0), torch.zeros(100))


def test_seeded_and_bfloat16():
    x = torch.randn(N, generator=torch.Generator().manual_seed(0)).to(torch.bfloat16) + 3
    torch.manual_seed(2)
    a = dropout(x, 0.1)
    torch.manual_seed(2)
    assert torch.equal(a, dropout(x, 0.1))  # the global generator: torch.manual_seed repeats it
    # the draw is in float32 (bf16 uniforms are too coarse for p), the mask rounded to bf16
    assert a.dtype == torch.bfloat16 and fraction_ok(a == 0, 0.1)
    scale = torch.tensor(1 / 0.9).to(torch.bfloat16)
    assert torch.equal(a[a != 0], x[a != 0] * scale)
