"""nnlib.data: seeded synthetic sets, load_digits, and the stratified split."""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import requires_sklearn

from nnlib import data


@pytest.mark.parametrize(
    ("make", "kwargs", "n_features", "n_classes"),
    [
        (data.make_moons, {"n_samples": 101}, 2, 2),
        (data.make_spirals, {"n_samples": 150, "n_classes": 3}, 2, 3),
        (data.make_blobs, {"n_samples": 90, "n_classes": 4, "n_features": 3}, 3, 4),
    ],
)
def test_classification_sets(make, kwargs, n_features, n_classes):
    X, y = make(**kwargs, rng=0)
    n = kwargs["n_samples"]
    assert X.shape == (n, n_features) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype.kind == "i"
    assert set(np.unique(y)) == set(range(n_classes))
    assert np.bincount(y).max() - np.bincount(y).min() <= 1  # balanced
    X2, y2 = make(**kwargs, rng=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make(**kwargs, rng=1)
    assert not np.allclose(X, X3)
    X4, _ = make(**kwargs)  # rng=None means seed 0
    np.testing.assert_array_equal(X, X4)


def test_regression_sets():
    X, y = data.make_regression(50, n_features=3, noise=0.0, rng=0)
    assert X.shape == (50, 3) and y.shape == (50,)
    assert np.all(np.abs(X) <= 1)
    # noise-free linear data is fit exactly by least squares
    A = np.column_stack([X, np.ones(50)])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    np.testing.assert_allclose(A @ coef, y, atol=1e-12)
    assert coef[-1] == pytest.approx(0.5)
    Xs, ys = data.make_regression(40, kind="sine", noise=0.0, rng=1)
    np.testing.assert_allclose(ys, np.sin(np.pi * Xs[:, 0]))
    with pytest.raises(ValueError, match="kind"):
        data.make_regression(kind="cubic")


def test_blobs_with_given_centers():
    centers = np.array([[0.0, 0.0], [10.0, 10.0]])
    X, y = data.make_blobs(100, centers=centers, cluster_std=0.1, rng=0)
    for k in range(2):
        np.testing.assert_allclose(X[y == k].mean(axis=0), centers[k], atol=0.05)


def test_one_hot():
    np.testing.assert_array_equal(data.one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    assert data.one_hot(np.array([1, 1])).shape == (2, 2)
    with pytest.raises(ValueError, match="labels"):
        data.one_hot(np.array([0, 3]), 3)


def test_train_test_split_stratified():
    y = np.repeat(np.arange(3), [50, 30, 20])
    X = np.arange(100.0)[:, None]
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, test_size=0.2, rng=0)
    assert len(X_te) == 20 and len(X_tr) == 80
    np.testing.assert_array_equal(np.bincount(y_te), [10, 6, 4])  # proportions kept
    # a partition: every example exactly once, X and y stay aligned
    np.testing.assert_array_equal(np.sort(np.concatenate([X_tr[:, 0], X_te[:, 0]])), X[:, 0])
    np.testing.assert_array_equal(y[X_tr[:, 0].astype(int)], y_tr)
    again = data.train_test_split(X, y, test_size=0.2, rng=0)
    np.testing.assert_array_equal(again[1], X_te)
    _, X_te2, _, _ = data.train_test_split(X, y, test_size=0.2, rng=0, stratify=False)
    assert len(X_te2) == 20
    with pytest.raises(ValueError, match="test_size"):
        data.train_test_split(X, y, test_size=1.5)


@requires_sklearn
def test_load_digits():
    X_tr, X_te, y_tr, y_te = data.load_digits()
    assert len(y_tr) == len(X_tr)
    assert X_tr.shape[1] == 64 and X_te.shape[1] == 64
    assert len(X_tr) + len(X_te) == 1797
    assert len(X_te) == pytest.approx(0.2 * 1797, abs=10)
    assert X_tr.min() == 0.0 and X_tr.max() == 1.0
    assert set(np.unique(y_te)) == set(range(10))
    counts = np.bincount(y_te)
    assert counts.max() - counts.min() <= 2  # stratified
    np.testing.assert_array_equal(data.load_digits(rng=0)[1], X_te)  # default seed 0
    assert not np.array_equal(data.load_digits(rng=1)[1], X_te)
