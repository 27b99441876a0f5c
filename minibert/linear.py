"""`Linear`: nn.Linear (y = x·Wᵀ + b), whose CPU inference multiplies by a packed copy of W.

With autograd off (`torch.no_grad`, `torch.inference_mode`), in float32 on a CPU without
autocast, the product runs on oneDNN with W reordered once into its blocked layout
(`torch.ops.mkldnn`, the kernels torch.compile's freezing uses); elsewhere, and whenever autograd
records, it is plain F.linear.
The copy is made again when W changes (an optimizer step, a load: torch's version counter) and
dropped by `.train()`/`.eval()` and while training; an edit through `W.data`, which torch does not
count, needs one of those calls. The results differ from F.linear's by float32 rounding (tests
hold both paths to transformers).
Lesson: lessons/03-encoder-and-weights.md.
"""
from functools import cache

import torch
import torch.nn.functional as F
from torch import nn

packed_inference = True     # False: always F.linear (set to compare the two paths)


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


class Linear(nn.Linear):
    _packed, _packed_for = None, None    # oneDNN's copy of W, and the _version it was made from

    def train(self, mode: bool = True):
        self._packed = self._packed_for = None
        return super().train(mode)

    def forward(self, x: torch.Tensor) -> torch.Tensor:   # (..., in) -> (..., out)
        w = self.weight
        if not packed_inference or torch.is_grad_enabled() or x.device.type != "cpu" or x.dtype != torch.float32 \
                or w.dtype != torch.float32 or x.shape[-1:] != w.shape[1:] or _autocast_on_cpu() or not _onednn():
            if self._packed is not None:                      # no stale copy kept while training
                self._packed = self._packed_for = None
            return F.linear(x, w, self.bias)                  # (and F.linear's error for a wrong width)
        version = _version(w)
        if self._packed_for != version:
            self._packed, self._packed_for = torch.ops.mkldnn._reorder_linear_weight(w), version
        return torch.ops.mkldnn._linear_pointwise(x, self._packed, self.bias, "none", [], "")
