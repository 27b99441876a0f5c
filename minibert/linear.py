"""`Linear`: nn.Linear (y = x·Wᵀ + b), whose CPU products run on oneDNN with W reordered.

With autograd off (`torch.no_grad`, `torch.inference_mode`), in float32 on a CPU without
autocast, the product runs on oneDNN with W reordered once into its blocked layout
(`torch.ops.mkldnn`, the kernels torch.compile's freezing uses). The copy is made again when W
changes (an optimizer step, a load: torch's version counter) and dropped by `.train()`/`.eval()`
and while training; an edit through `W.data`, which torch does not count, needs one of those calls.
While autograd records (training), W changes every step, so it is reordered for each product:
x·Wᵀ and the input's gradient g·W run on oneDNN, W's gradient gᵀ·x on MKL as in F.linear
(`TrainingProduct`; it has no second derivative: `onednn_training = False` for that). Elsewhere
(GPU, other dtypes, autocast) it is plain F.linear. The results differ from F.linear's by float32
rounding (tests hold every path to transformers).
Lesson: lessons/03-encoder-and-weights.md.
"""
from functools import cache

import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd.function import once_differentiable

packed_inference = True     # False: inference through F.linear (set to compare the two paths)
onednn_training = True      # False: training products through F.linear and its backward


@cache
def _onednn() -> bool:
    """Whether this torch build has oneDNN's packed-weight kernels (tried once, on a 1×1 product)."""
    try:
        one = torch.ones(1, 1)
        torch.ops.mkldnn._linear_pointwise(one, torch.ops.mkldnn._reorder_linear_weight(one), None, "none", [], "")
        return True
    except (RuntimeError, AttributeError):
        return False


def _autocast_on_cpu() -> bool:
    """Whether CPU autocast (e.g. bf16) is on: then F.linear's autocast rules apply, not ours."""
    try:
        return torch.is_autocast_enabled("cpu")
    except TypeError:       # torch < 2.4
        return torch.is_autocast_cpu_enabled()


def _version(weight: torch.Tensor) -> tuple:
    """What identifies W's current values: its storage and in-place version counter."""
    try:
        return weight.data_ptr(), weight._version
    except RuntimeError:    # made in inference mode: no version counter
        return weight.data_ptr(), -1


def onednn_ready(x: torch.Tensor, w: torch.Tensor) -> bool:
    """Whether x·Wᵀ can run on oneDNN here: a CPU, float32, no autocast, the kernels present."""
    return x.device.type == "cpu" and x.dtype == torch.float32 and w.dtype == torch.float32 \
        and x.shape[-1:] == w.shape[1:] and not _autocast_on_cpu() and _onednn()


def onednn_linear(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
    """x·Wᵀ + b on oneDNN, W reordered for this one product (check `onednn_ready` first)."""
    return torch.ops.mkldnn._linear_pointwise(x, torch.ops.mkldnn._reorder_linear_weight(w), b, "none", [], "")


class TrainingProduct(torch.autograd.Function):
    """y = x·Wᵀ + b with autograd: forward and the input's gradient g·W on oneDNN (W and Wᵀ
    reordered each time, since W changes every step), W's gradient gᵀ·x and b's Σg on MKL."""

    @staticmethod
    def forward(ctx, x, w, b):                   # x (..., in), w (out, in), b (out,) or None
        ctx.save_for_backward(x, w)
        ctx.has_bias = b is not None
        return onednn_linear(x, w, b)            # (..., out)

    @staticmethod
    @once_differentiable
    def backward(ctx, g):                        # g (..., out)
        x, w = ctx.saved_tensors
        g = g.contiguous()
        gx = onednn_linear(g, w.T.contiguous()) if ctx.needs_input_grad[0] else None   # (..., in)
        g2 = g.reshape(-1, g.shape[-1])                                                 # (N, out)
        gw = g2.T @ x.reshape(-1, x.shape[-1]) if ctx.needs_input_grad[1] else None     # (out, in)
        gb = g2.sum(0) if ctx.has_bias and ctx.needs_input_grad[2] else None            # (out,)
        return gx, gw, gb


class Linear(nn.Linear):
    _packed, _packed_for = None, None    # oneDNN's copy of W, and the _version it was made from

    def train(self, mode: bool = True):
        self._packed = self._packed_for = None
        return super().train(mode)

    def forward(self, x: torch.Tensor) -> torch.Tensor:   # (..., in) -> (..., out)
        w = self.weight
        ready, training = onednn_ready(x, w), torch.is_grad_enabled()
        if training or not (packed_inference and ready):
            self._packed = self._packed_for = None            # no stale copy kept while training
            if training and onednn_training and ready:
                return TrainingProduct.apply(x, w, self.bias)
            return F.linear(x, w, self.bias)                  # (and F.linear's error for a wrong width)
        version = _version(w)
        if self._packed_for != version:
            self._packed, self._packed_for = torch.ops.mkldnn._reorder_linear_weight(w), version
        return torch.ops.mkldnn._linear_pointwise(x, self._packed, self.bias, "none", [], "")
