"""Logistic regression on features (e.g. BERT sentence vectors), scikit-learn's objective, on torch.

Minimises  C · Σᵢ loss(yᵢ, xᵢ) + ½‖W‖²  (the intercept is not penalised) by full-batch L-BFGS
in float64, as scikit-learn's `LogisticRegression(C=…, solver="lbfgs")` does: with two classes one
weight vector and the sigmoid, with more the softmax over one vector per class. Tests hold the
coefficients and predictions equal to scikit-learn's (a test-only reference). Not handled: other
penalties, class or sample weights. Lesson 8. N examples, D features, K classes.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def _as_features(X) -> torch.Tensor:
    X = torch.as_tensor(np.asarray(X.detach().cpu() if isinstance(X, torch.Tensor) else X), dtype=torch.float64)
    if X.dim() != 2:
        raise ValueError(f"features must be a 2-D (examples, features) array, got shape {tuple(X.shape)}")
    if not torch.isfinite(X).all():
        raise ValueError("the features hold NaN or infinite values")
    return X


class LogisticRegression:
    """`fit(X, y)`, `predict`, `predict_proba`, `score`; `coef_` (K or 1, D), `intercept_`, `classes_`."""

    def __init__(self, C: float = 1.0, max_iter: int = 1000, tol: float = 1e-10):
        if C <= 0:
            raise ValueError(f"C must be positive, got {C}")
        self.C, self.max_iter, self.tol = C, max_iter, tol

    def _logits(self, X: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return X @ W.T + b  # (N, K) or (N, 1)

    def _loss(self, X, y, W, b) -> torch.Tensor:
        """The objective divided by C·N (same minimum, better scaled for the line search)."""
        logits = self._logits(X, W, b)
        if W.shape[0] == 1:  # two classes: log(1 + exp(-z)) for class 1, log(1 + exp(z)) for class 0
            data = F.binary_cross_entropy_with_logits(logits[:, 0], y.to(X.dtype), reduction="sum")
        else:
            data = F.cross_entropy(logits, y, reduction="sum")
        return (data + 0.5 * (W * W).sum() / self.C) / X.shape[0]

    def fit(self, X, y) -> "LogisticRegression":
        X = _as_features(X)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != X.shape[0]:
            raise ValueError(f"{X.shape[0]} examples but labels of shape {y.shape}")
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"need at least two classes, got {list(self.classes_)}")
        target = torch.as_tensor(codes, dtype=torch.long)
        K = 1 if len(self.classes_) == 2 else len(self.classes_)
        # from zero, as scikit-learn: the K intercepts then keep summing to zero, which fixes the one
        # direction (adding a constant to every logit) that the objective does not see
        W = torch.zeros(K, X.shape[1], dtype=torch.float64, requires_grad=True)
        b = torch.zeros(K, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.LBFGS([W, b], lr=1, max_iter=self.max_iter, tolerance_grad=self.tol,
                                tolerance_change=0, history_size=20, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = self._loss(X, target, W, b)
            loss.backward()
            return loss

        opt.step(closure)
        self.n_iter_ = opt.state[opt._params[0]]["n_iter"]
        self.coef_, self.intercept_ = W.detach().numpy(), b.detach().numpy()
        return self

    def decision_function(self, X) -> np.ndarray:
        if not hasattr(self, "coef_"):
            raise RuntimeError("call fit(X, y) first")
        X = _as_features(X)
        if X.shape[1] != self.coef_.shape[1]:
            raise ValueError(f"fitted on {self.coef_.shape[1]} features, given {X.shape[1]}")
        scores = self._logits(X, torch.from_numpy(self.coef_), torch.from_numpy(self.intercept_)).numpy()
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict_proba(self, X) -> np.ndarray:
        scores = torch.from_numpy(np.atleast_1d(self.decision_function(X)))
        if scores.dim() == 1:
            p = torch.sigmoid(scores)
            return torch.stack([1 - p, p], 1).numpy()
        return scores.softmax(-1).numpy()

    def predict(self, X) -> np.ndarray:
        scores = self.decision_function(X)
        best = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(1)
        return self.classes_[best]

    def score(self, X, y) -> float:
        """Accuracy."""
        return float((self.predict(X) == np.asarray(y)).mean())


def stratified_folds(y, n_folds: int = 10, seed: int = 0) -> list[np.ndarray]:
    """Indices of `n_folds` test folds, each class spread evenly over them (shuffled by `seed`)."""
    y = np.asarray(y)
    if n_folds < 2:
        raise ValueError(f"n_folds must be at least 2, got {n_folds}")
    rng = np.random.default_rng(seed)
    folds: list[list[int]] = [[] for _ in range(n_folds)]
    offset = 0
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        for j, i in enumerate(members):
            folds[(offset + j) % n_folds].append(int(i))
        offset += len(members)
    return [np.sort(np.array(f, dtype=int)) for f in folds]


def cross_val_accuracy(X, y, n_folds: int = 10, C: float = 1.0, seed: int = 0) -> np.ndarray:
    """Accuracy on each held-out fold of a logistic regression fitted on the others."""
    X, y = np.asarray(X), np.asarray(y)
    scores = []
    for test in stratified_folds(y, n_folds, seed):
        train = np.setdiff1d(np.arange(len(y)), test)
        scores.append(LogisticRegression(C=C).fit(X[train], y[train]).score(X[test], y[test]))
    return np.array(scores)
