"""Bad input raises ValueError/TypeError naming the place, the expectation and the value.

Each case lists substrings that must all appear in the message: the layer or
argument, what was expected, and what was given.
"""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import HAS_SKLEARN

from nnlib.activations import LeakyReLU, ReLU, Sigmoid
from nnlib.data import load_digits, train_test_split
from nnlib.layers import Dense, Dropout
from nnlib.losses import MSE, BinaryCrossEntropy, CrossEntropy
from nnlib.network import Sequential, mlp
from nnlib.optim import SGD, Adam
from nnlib.train import fit

X5x3 = np.ones((5, 3))


def forward_then(layer, X, dY):
    layer.forward(X)
    return layer.backward(dY)


def with_nan():
    X = X5x3.copy()
    X[2, 1] = np.nan
    return X


def net_2_4_3():
    return mlp([2, 4, 3], rng=0)


CASES = {
    "dense width mismatch": (
        lambda: Dense(3, 2, rng=0).forward(np.ones((5, 4))),
        ValueError,
        ["Dense(n_in=3, n_out=2).forward", "expected X of shape (batch, 3)", "got (5, 4)"],
    ),
    "dense 1-D input": (
        lambda: Dense(3, 2, rng=0).forward(np.ones(3)),
        ValueError,
        ["Dense(n_in=3, n_out=2).forward", "(batch, 3)", "got (3,)"],
    ),
    "sequential layers do not fit": (
        lambda: Sequential(Dense(3, 4), ReLU(), Dense(5, 2)),
        ValueError,
        ["layer (2) Dense(n_in=5, n_out=2)", "expects n_in=5", "layer (0)", "outputs 4"],
    ),
    "network input width": (
        lambda: net_2_4_3().forward(X5x3),
        ValueError,
        ["Dense(n_in=2, n_out=4).forward", "(batch, 2)", "got (5, 3)", "Sequential layer (0)"],
    ),
    "nan input": (
        lambda: Dense(3, 2, rng=0).forward(with_nan()),
        ValueError,
        ["Dense(n_in=3, n_out=2).forward", "expected finite values in X", "1 NaN", "(2, 1)"],
    ),
    "inf input to an activation": (
        lambda: Sigmoid().forward(np.array([[1.0, np.inf]])),
        ValueError,
        ["Sigmoid().forward", "expected finite values", "1 infinite"],
    ),
    "empty batch": (
        lambda: Dense(3, 2, rng=0).forward(np.ones((0, 3))),
        ValueError,
        ["Dense(n_in=3, n_out=2).forward", "non-empty batch", "got shape (0, 3)"],
    ),
    "backward before forward (layer)": (
        lambda: Dense(3, 2, rng=0).backward(np.ones((5, 2))),
        ValueError,
        [
            "Dense(n_in=3, n_out=2).backward",
            "expected a preceding call to forward",
            "backward before forward",
        ],
    ),
    "backward before forward (dropout)": (
        lambda: Dropout(0.5).backward(np.ones((5, 2))),
        ValueError,
        ["Dropout(p=0.5).backward", "backward before forward"],
    ),
    "backward before forward (loss)": (
        lambda: CrossEntropy().backward(),
        ValueError,
        ["CrossEntropy(from_logits=True).backward", "backward before forward"],
    ),
    "gradient of the wrong shape": (
        lambda: forward_then(Dense(3, 2, rng=0), X5x3, np.ones((5, 3))),
        ValueError,
        ["Dense(n_in=3, n_out=2).backward", "expected dL_dY of shape (5, 2)", "got (5, 3)"],
    ),
    "mse target shape": (
        lambda: MSE().forward(np.ones((4, 2)), np.ones((4, 3))),
        ValueError,
        ["MSE().forward", "expected target of shape (4, 2)", "got (4, 3)"],
    ),
    "labels out of range": (
        lambda: CrossEntropy().forward(np.zeros((3, 4)), np.array([0, 4, 1])),
        ValueError,
        ["CrossEntropy(from_logits=True).forward", "labels in [0, 4)", "got label 4"],
    ),
    "negative label": (
        lambda: CrossEntropy().forward(np.zeros((2, 4)), np.array([0, -1])),
        ValueError,
        ["CrossEntropy", "labels in [0, 4)", "got label -1"],
    ),
    "non-integer labels": (
        lambda: CrossEntropy().forward(np.zeros((2, 3)), np.array([0.5, 1.0])),
        TypeError,
        ["CrossEntropy", "expected integer class labels", "non-integer"],
    ),
    "wrong number of labels": (
        lambda: CrossEntropy().forward(np.zeros((3, 4)), np.array([0, 1])),
        ValueError,
        ["CrossEntropy", "expected labels of shape (3,)", "got (2,)"],
    ),
    "one-hot of the wrong width": (
        lambda: CrossEntropy().forward(np.zeros((3, 4)), np.eye(3)),
        ValueError,
        ["CrossEntropy", "(3,) (labels) or (3, 4) (one-hot)", "got (3, 3)"],
    ),
    "bce targets outside [0, 1]": (
        lambda: BinaryCrossEntropy().forward(np.zeros(3), np.array([0.0, 2.0, 1.0])),
        ValueError,
        ["BinaryCrossEntropy(from_logits=True).forward", "targets in [0, 1]", "got 2.0"],
    ),
    "probabilities outside [0, 1]": (
        lambda: BinaryCrossEntropy(from_logits=False).forward(np.array([0.5, 1.5]), np.ones(2)),
        ValueError,
        ["BinaryCrossEntropy(from_logits=False).forward", "probabilities in [0, 1]", "got 1.5"],
    ),
    "dropout p = 1": (
        lambda: Dropout(1.0),
        ValueError,
        ["Dropout", "expected p in [0, 1)", "got 1.0"],
    ),
    "dropout p < 0": (
        lambda: Dropout(-0.1),
        ValueError,
        ["Dropout", "expected p in [0, 1)", "got -0.1"],
    ),
    "dropout p not a number": (
        lambda: Dropout("0.5"),
        TypeError,
        ["Dropout", "expected p to be a real number", "got str"],
    ),
    "negative learning rate": (
        lambda: SGD(net_2_4_3().parameters(), lr=-0.1),
        ValueError,
        ["SGD", "expected lr in (0, inf]", "got -0.1"],
    ),
    "momentum 1": (
        lambda: SGD(net_2_4_3().parameters(), lr=0.1, momentum=1.0),
        ValueError,
        ["SGD", "expected momentum in [0, 1)", "got 1.0"],
    ),
    "adam beta": (
        lambda: Adam(net_2_4_3().parameters(), betas=(0.9, 1.2)),
        ValueError,
        ["Adam", "expected betas[1] in [0, 1)", "got 1.2"],
    ),
    "optimizer given a number": (
        lambda: Adam(3.0),
        TypeError,
        ["Adam", "expected a Layer, a Parameter or an iterable of Parameter", "got float"],
    ),
    "optimizer given arrays": (
        lambda: SGD([np.zeros(3)], lr=0.1),
        TypeError,
        ["SGD", "expected params to hold Parameter objects", "got ndarray at position 0"],
    ),
    "zero width": (
        lambda: Dense(0, 2),
        ValueError,
        ["Dense", "expected n_in >= 1", "got 0"],
    ),
    "fractional width": (
        lambda: Dense(2.5, 2),
        TypeError,
        ["Dense", "expected n_in to be an integer", "got float"],
    ),
    "unknown init": (
        lambda: Dense(2, 2, init="glorot"),
        ValueError,
        ["init_weights", "expected init in ('he', 'xavier', 'normal')", "got 'glorot'"],
    ),
    "unknown activation": (
        lambda: mlp([2, 3, 1], activation="swish"),
        ValueError,
        ["mlp", "expected activation in {relu, tanh, sigmoid, leaky_relu}", "got 'swish'"],
    ),
    "leaky relu alpha": (
        lambda: LeakyReLU(alpha=2.0),
        ValueError,
        ["LeakyReLU", "expected alpha in [0, 1)", "got 2.0"],
    ),
    "non-numeric input": (
        lambda: Dense(2, 2).forward(np.array([["a", "b"]])),
        TypeError,
        ["Dense(n_in=2, n_out=2).forward", "expected a numeric (float) array for X", "<U1"],
    ),
    "legacy RandomState": (
        lambda: Dense(2, 2, rng=np.random.RandomState(0)),
        TypeError,
        ["Dense", "expected rng to be a numpy.random.Generator", "got RandomState"],
    ),
    "not a layer": (
        lambda: Sequential(Dense(2, 2), np.tanh),
        TypeError,
        ["Sequential", "expected Layer instances", "got ufunc at position 1"],
    ),
    "fit: X and y lengths": (
        lambda: fit(
            net_2_4_3(),
            CrossEntropy(),
            SGD(net_2_4_3().parameters(), lr=0.1),
            np.ones((5, 2)),
            np.zeros(4, dtype=int),
            epochs=1,
            batch_size=2,
        ),
        ValueError,
        ["fit", "expected y with 5 rows", "got shape (4,)"],
    ),
    "fit: batch size": (
        lambda: fit(
            net_2_4_3(),
            CrossEntropy(),
            SGD(net_2_4_3().parameters(), lr=0.1),
            np.ones((5, 2)),
            np.zeros(5, dtype=int),
            epochs=1,
            batch_size=0,
        ),
        ValueError,
        ["fit", "expected batch_size >= 1", "got 0"],
    ),
    "split: test size": (
        lambda: train_test_split(np.ones((4, 1)), np.arange(4), test_size=0.0),
        ValueError,
        ["train_test_split", "expected test_size in (0, 1)", "got 0.0"],
    ),
    "digits: test size": (
        lambda: load_digits(test_size=1.0),
        ValueError,
        ["train_test_split", "expected test_size in (0, 1)", "got 1.0"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_gives_a_clear_error(case):
    if case.startswith("digits") and not HAS_SKLEARN:
        pytest.skip("scikit-learn is not installed (load_digits reads its digits)")
    call, exc_type, fragments = CASES[case]
    with pytest.raises(exc_type) as info:
        call()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_at_least_fifteen_cases():
    assert len(CASES) >= 15


def test_nothing_returns_nan_for_finite_extreme_input():
    big = np.array([[1e300, -1e300, 0.0]])
    for layer in (ReLU(), Sigmoid(), LeakyReLU()):
        out = layer.forward(big)
        assert np.all(np.isfinite(out)), layer
        assert np.all(np.isfinite(layer.backward(np.ones_like(big)))), layer
