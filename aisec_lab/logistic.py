"""Multinomial logistic regression fitted by full-batch L-BFGS in numpy (`fit_logistic`): the
learner behind the shipped classifier and the candidates compared with it.

Deterministic: fixed start (zeros), no randomness, sums by numpy's pairwise summation (not
threaded BLAS), so the same rows give the same weights whatever the thread count.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from aisec_assets.monitoring.classifier.errors import Tier2Error
from aisec_assets.monitoring.classifier.features import SparseRows
from aisec_assets.monitoring.classifier.model import logits_by_class, softmax


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Dot product by numpy's pairwise summation, not BLAS: BLAS may split the sum over
    threads, and training must give the same weights whatever the thread count."""
    return float(np.add.reduce(a * b))


def _lbfgs(
    objective: Callable[[np.ndarray], tuple[float, np.ndarray]],
    start: np.ndarray,
    max_iter: int,
    tol: float,
    memory: int = 10,
) -> tuple[np.ndarray, int]:
    """Minimize a smooth convex function: L-BFGS with a backtracking (Armijo) line search."""
    x = start.copy()
    fx, grad = objective(x)
    steps: list[tuple[np.ndarray, np.ndarray, float]] = []  # (s, y, 1 / y.s)
    for iteration in range(1, max_iter + 1):
        direction = -grad
        alphas: list[float] = []
        for s, y, rho in reversed(steps):
            alpha = rho * _dot(s, direction)
            alphas.append(alpha)
            direction = direction - alpha * y
        if steps:
            s, y, _ = steps[-1]
            direction = direction * (_dot(s, y) / _dot(y, y))
        for (s, y, rho), alpha in zip(steps, reversed(alphas), strict=True):
            direction = direction + s * (alpha - rho * _dot(y, direction))
        slope = _dot(grad, direction)
        if slope >= 0:  # not a descent direction (numerical trouble): restart from -grad
            steps.clear()
            direction, slope = -grad, -_dot(grad, grad)
        step = 1.0
        while True:
            candidate = x + step * direction
            f_new, g_new = objective(candidate)
            if f_new <= fx + 1e-4 * step * slope or step < 1e-10:
                break
            step *= 0.5
        s_new, y_new = candidate - x, g_new - grad
        curvature = _dot(s_new, y_new)
        if curvature > 1e-12:
            steps.append((s_new, y_new, 1.0 / curvature))
            if len(steps) > memory:
                steps.pop(0)
        converged = abs(fx - f_new) <= tol * max(1.0, abs(fx))
        x, fx, grad = candidate, f_new, g_new
        if converged:
            return x, iteration
    return x, max_iter


def fit_logistic(
    x: SparseRows,
    labels: np.ndarray,
    sample_weight: np.ndarray,
    n_classes: int,
    dim: int,
    l2: float,
    max_iter: int = 300,
    tol: float = 1e-7,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Multinomial logistic regression: weights (dim x classes), bias, iterations used.

    Minimizes the weighted mean cross-entropy + l2/2 |W|^2 (bias not penalized). Deterministic:
    full-batch, fixed start (zeros), no randomness."""
    if len(labels) != x.n_rows or len(sample_weight) != x.n_rows:
        raise Tier2Error(
            f"{x.n_rows} rows but {len(labels)} labels and {len(sample_weight)} weights"
        )
    if x.n_rows == 0:
        raise Tier2Error("cannot fit on zero rows")
    onehot = np.zeros((x.n_rows, n_classes))
    onehot[np.arange(x.n_rows), labels] = 1.0
    w = sample_weight / sample_weight.sum()

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        by_class = theta[: dim * n_classes].reshape(n_classes, dim)
        bias = theta[dim * n_classes :]
        logits = logits_by_class(x, by_class, bias)
        top = logits.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(logits - top).sum(axis=1)) + top[:, 0]
        loss = _dot(w, log_norm - (logits * onehot).sum(axis=1))
        loss += 0.5 * l2 * _dot(by_class.ravel(), by_class.ravel())
        resid = (softmax(logits) - onehot) * w[:, None]
        grad = np.empty((n_classes, dim))
        for k in range(n_classes):
            grad[k] = np.bincount(x.col, weights=resid[:, k][x.row] * x.val, minlength=dim)
        grad += l2 * by_class
        return loss, np.concatenate([grad.ravel(), resid.sum(axis=0)])

    theta, iterations = _lbfgs(objective, np.zeros(dim * n_classes + n_classes), max_iter, tol)
    weights = theta[: dim * n_classes].reshape(n_classes, dim).T.copy()
    return weights, theta[dim * n_classes :], iterations


def dense_rows(matrix: np.ndarray) -> SparseRows:
    """A dense matrix in the coordinate form `fit_logistic` takes."""
    n, d = matrix.shape
    return SparseRows(
        np.repeat(np.arange(n, dtype=np.int64), d),
        np.tile(np.arange(d, dtype=np.int64), n),
        matrix.astype(np.float64).ravel(),
        n,
    )
