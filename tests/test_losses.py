"""minibert.losses.linear_cross_entropy against F.linear + F.cross_entropy (what transformers'
MLM head and loss do): the same logits, loss and gradients of t, W and b, in one block and in
many (the block size made tiny), with and without a bias, with the logits also used elsewhere,
and under bf16 autocast.

Tolerances (max abs difference): float32 1e-6, float64 1e-12; under bf16 autocast, both sides
under the same autocast, the loss 1e-4 and the gradients 1e-2.
"""
import pytest
import torch
import torch.nn.functional as F

from minibert import linear, losses


def make(dtype, M=37, H=13, V=1001, seed=0):
    g = torch.Generator().manual_seed(seed)
    t = torch.randn(M, H, generator=g).to(dtype)
    w = (torch.randn(V, H, generator=g) * 0.5).to(dtype)
    b = torch.randn(V, generator=g).to(dtype)
    labels = torch.randint(0, V, (M,), generator=g)
    labels[:3] = labels[0]  # a label repeated
    labels[3], labels[4] = 0, V - 1  # the first and last column
    return t, w, b, labels


def grads(fn, t, w, b, labels, extra=0.0):
    t, w = t.clone().requires_grad_(), w.clone().requires_grad_()
    b = None if b is None else b.clone().requires_grad_()
    logits, loss = fn(t, w, b, labels)
    total = loss * 0.25 + extra * (logits.float() ** 2).mean()  # 0.25: as loss / grad_accumulation
    total.backward()
    return [logits, loss, t.grad, w.grad] + ([] if b is None else [b.grad])


def reference(t, w, b, labels):
    logits = F.linear(t, w, b)
    return logits, F.cross_entropy(logits, labels)


def maxdiffs(a, b):
    return [(x.float() - y.float()).abs().max().item() for x, y in zip(a, b)]


@pytest.mark.parametrize("block", [None, 1, 7])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("extra", [0.0, 0.5])
@pytest.mark.parametrize("dtype,tol", [(torch.float32, 1e-6), (torch.float64, 1e-12)])
@pytest.mark.parametrize("onednn", [True, False], ids=["onednn", "mkl"])
def test_logits_loss_and_gradients_equal_linear_then_cross_entropy(monkeypatch, block, bias, extra, dtype, tol, onednn):
    """In float32 on a CPU the logits' product runs on oneDNN (minibert.linear), else as addmm."""
    monkeypatch.setattr(linear, "onednn_training", onednn)
    calls, product = [], linear.onednn_linear
    monkeypatch.setattr(linear, "onednn_linear", lambda *a: calls.append(a) or product(*a))
    t, w, b, labels = make(dtype)
    if block is not None:  # `block` rows (forward) and columns (backward) per block
        monkeypatch.setattr(losses, "BLOCK_ELEMENTS", block * 37)
    b = b if bias else None
    ours = grads(losses.linear_cross_entropy, t, w, b, labels, extra)
    ref = grads(reference, t, w, b, labels, extra)
    assert [x.dtype for x in ours] == [x.dtype for x in ref]
    assert max(maxdiffs(ours, ref)) <= tol
    assert bool(calls) == (onednn and dtype == torch.float32 and linear._onednn())   # the path named ran


def test_large_logits_do_not_overflow():
    t = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    w = torch.tensor([[1000.0, 50.0], [0.0, 80.0], [-1000.0, 80.0]])
    labels = torch.tensor([1, 2])
    ours = grads(losses.linear_cross_entropy, t, w, None, labels)
    ref = grads(reference, t, w, None, labels)
    assert torch.isfinite(ours[1])  # a loss of ~500: float32's spacing there is 3e-5
    assert abs(ours[1].item() - ref[1].item()) <= 1e-6 * ref[1].item()
    for a, b in zip(ours[2:], ref[2:]):  # gradients up to 125 here: 1e-6 of the largest
        assert (a - b).abs().max().item() <= 1e-6 * b.abs().max().item()


def test_under_bf16_autocast_equals_the_same_autocast_reference():
    t, w, b, labels = make(torch.float32, seed=1)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        ours = grads(losses.linear_cross_entropy, t, w, b, labels)
        ref = grads(reference, t, w, b, labels)
    assert ours[0].dtype == ref[0].dtype == torch.bfloat16
    assert [x.dtype for x in ours[1:]] == [x.dtype for x in ref[1:]] == [torch.float32] * 4
    d = maxdiffs(ours, ref)
    assert d[0] == 0.0 and d[1] <= 1e-4 and max(d[2:]) <= 1e-2


def test_bad_shapes_and_labels_raise():
    t, w = torch.zeros(2, 4), torch.zeros(3, 4)
    with pytest.raises(ValueError, match="expected t"):
        losses.linear_cross_entropy(torch.zeros(2, 3, 4), w, None, torch.zeros(2, dtype=torch.long))
    with pytest.raises(ValueError, match="expected t"):
        losses.linear_cross_entropy(t, w, None, torch.zeros(3, dtype=torch.long))
    for bad in (3, -1):
        with pytest.raises((IndexError, RuntimeError), match="out of bounds"):
            losses.linear_cross_entropy(t, w, None, torch.tensor([0, bad]))
