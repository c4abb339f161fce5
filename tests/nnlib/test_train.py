"""nnlib.train: fit, evaluate, accuracy, History; learning actually works."""

from __future__ import annotations

import time

import numpy as np
import pytest
from _helpers import requires_sklearn

from nnlib.data import load_digits, make_blobs, make_regression
from nnlib.layers import Dense, Dropout
from nnlib.losses import MSE, BinaryCrossEntropy, CrossEntropy
from nnlib.network import Sequential, mlp
from nnlib.optim import SGD, Adam
from nnlib.train import History, accuracy, evaluate, fit


@requires_sklearn
def test_digits_mlp_reaches_96_percent_quickly():
    X_tr, X_te, y_tr, y_te = load_digits(rng=0)
    net = mlp([64, 128, 10], rng=0)
    start = time.perf_counter()
    history = fit(
        net,
        CrossEntropy(),
        Adam(net.parameters(), lr=3e-3),
        X_tr,
        y_tr,
        epochs=25,
        batch_size=32,
        rng=0,
        validation=(X_te, y_te),
        progress=False,
    )
    elapsed = time.perf_counter() - start
    test = evaluate(net, CrossEntropy(), X_te, y_te)
    assert test.accuracy >= 0.96, test
    assert history.val_accuracy[-1] == test.accuracy
    assert elapsed < 10  # "a few seconds" (about 1 s here)


def test_logistic_regression_separates_separable_data():
    X, y = make_blobs(200, centers=np.array([[-2.0, -1.0], [2.0, 1.5]]), cluster_std=0.6, rng=0)
    # the classes are linearly separable: check that before asking for 100 %
    assert (X[y == 0] @ [2, 1]).max() < (X[y == 1] @ [2, 1]).min()
    model = Dense(2, 1, init="normal", rng=0)  # p = sigma(w^T x + b)
    fit(
        model,
        BinaryCrossEntropy(),
        SGD(model.parameters(), lr=0.5),
        X,
        y.astype(float),
        epochs=100,
        batch_size=200,
        rng=0,
        progress=False,
    )
    assert accuracy(model.forward(X), y) == 1.0


def test_regression_fit_lowers_mse():
    X, y = make_regression(200, noise=0.05, kind="sine", rng=0)
    net = mlp([1, 32, 1], activation="tanh", rng=0)
    before = evaluate(net, MSE(), X, y).loss
    history = fit(
        net,
        MSE(),
        Adam(net.parameters(), lr=1e-2),
        X,
        y,
        epochs=100,
        batch_size=32,
        rng=0,
        progress=False,
    )
    assert history.accuracy == []
    assert history.loss[-1] < before / 10
    assert evaluate(net, MSE(), X, y).accuracy is None


def test_fit_is_reproducible_and_history_complete():
    X, y = make_blobs(120, n_classes=3, rng=0)
    results = []
    for _ in range(2):
        net = mlp([2, 8, 3], rng=1)
        h = fit(
            net,
            CrossEntropy(),
            SGD(net.parameters(), lr=0.1, momentum=0.9),
            X,
            y,
            epochs=4,
            batch_size=25,
            rng=2,
            validation=(X[:30], y[:30]),
            progress=False,
        )
        results.append((h, net.parameters()[0].value.copy()))
    (h1, W1), (h2, W2) = results
    np.testing.assert_array_equal(W1, W2)
    assert h1.loss == h2.loss
    assert len(h1.loss) == len(h1.accuracy) == len(h1.val_loss) == len(h1.val_accuracy) == 4
    assert h1.epochs == [1, 2, 3, 4]
    assert set(h1.as_dict()) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert repr(h1).startswith("History(epochs=4, loss=")


def test_training_loss_is_the_mean_over_batches():
    X, y = make_blobs(10, n_classes=2, rng=0)
    net = mlp([2, 2], rng=0)
    before = evaluate(net, CrossEntropy(), X, y)
    h = fit(
        net,
        CrossEntropy(),
        SGD(net.parameters(), lr=1e-12),
        X,
        y,
        epochs=1,
        batch_size=3,
        rng=0,
        progress=False,
    )  # lr ~ 0: the model does not change
    assert h.loss[0] == pytest.approx(before.loss, rel=1e-9)
    assert h.accuracy[0] == pytest.approx(before.accuracy)


def test_progress_output(capsys):
    X, y = make_blobs(40, n_classes=2, rng=0)
    net = mlp([2, 4, 2], rng=0)
    opt = SGD(net.parameters(), lr=0.1)
    fit(net, CrossEntropy(), opt, X, y, epochs=3, batch_size=8, rng=0, progress=False)
    assert capsys.readouterr().out == ""
    fit(net, CrossEntropy(), opt, X, y, epochs=3, batch_size=8, rng=0)  # "auto": short run
    assert capsys.readouterr().out == ""
    fit(
        net,
        CrossEntropy(),
        opt,
        X,
        y,
        epochs=4,
        batch_size=8,
        rng=0,
        progress=True,
        validation=(X, y),
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("epoch 1/4  loss ") and "val_acc" in lines[0]
    fit(net, CrossEntropy(), opt, X, y, epochs=5, batch_size=8, rng=0, progress=2)
    assert [line.split()[1] for line in capsys.readouterr().out.splitlines()] == [
        "2/5",
        "4/5",
        "5/5",
    ]


def test_evaluate_restores_mode_and_batches():
    X, y = make_blobs(50, n_classes=3, rng=0)
    net = Sequential(Dense(2, 16, rng=0), Dropout(0.5, rng=0), Dense(16, 3, rng=1))
    full = evaluate(net, CrossEntropy(), X, y)
    chunked = evaluate(net, CrossEntropy(), X, y, batch_size=7)
    assert net.training
    assert chunked.loss == pytest.approx(full.loss, rel=1e-12)
    assert chunked.accuracy == full.accuracy
    loss, acc = full  # a named tuple
    assert loss > 0 and 0 <= acc <= 1


def test_accuracy_variants():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [0.0, 0.0, 5.0]])
    assert accuracy(logits, np.array([0, 1, 1])) == pytest.approx(2 / 3)
    assert accuracy(logits, np.eye(3)) == 1.0  # one-hot targets
    assert accuracy(np.array([-1.0, 2.0]), np.array([0, 1])) == 1.0  # binary logits
    assert accuracy(np.array([[0.4], [0.7]]), np.array([0, 1]), threshold=0.5) == 1.0
    with pytest.raises(ValueError, match="labels"):
        accuracy(logits, np.array([0, 1]))


def test_history_plot():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h = History(loss=[1.0, 0.5], accuracy=[0.5, 0.8], val_loss=[1.1, 0.6], val_accuracy=[0.4, 0.7])
    axes = h.plot()
    assert len(axes) == 2
    assert axes[0].get_xlabel() == "epoch"
    plt.close("all")
