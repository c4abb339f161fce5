"""Minibatch training: :func:`fit`, :func:`evaluate`, :func:`accuracy`, :class:`History`.

One epoch of :func:`fit` is the book's minibatch SGD loop (section 6):
shuffle the training set with ``rng``, then for each minibatch
:math:`\\mathcal B`

.. math::

    J_{\\mathcal B} = \\frac{1}{|\\mathcal B|}
    \\sum_{i \\in \\mathcal B} L(y^{(i)}, f_\\theta(x^{(i)})),
    \\qquad \\nabla_\\theta J_{\\mathcal B} \\text{ by backprop}, \\qquad
    \\theta \\leftarrow \\text{optimizer step}.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from nnlib._validation import as_float_array, as_rng, check_positive_int, format_shape
from nnlib.layers.base import Layer
from nnlib.losses import Loss

__all__ = ["Evaluation", "History", "accuracy", "evaluate", "fit"]

AUTO_PROGRESS_EXAMPLES = 2_000_000
"""``progress="auto"`` prints when ``epochs * n_samples`` reaches this many examples."""


def accuracy(scores: np.ndarray, y: np.ndarray, threshold: float = 0.0) -> float:
    """Fraction of correctly classified examples.

    Parameters
    ----------
    scores : numpy.ndarray, shape (n, K) or (n,) or (n, 1)
        Logits or probabilities.  With ``K >= 2`` columns the prediction is
        :math:`\\arg\\max_k`; with a single column (binary) it is
        :math:`[\\text{score} > \\text{threshold}]`.
    y : numpy.ndarray, shape (n,) or (n, K)
        Integer labels, or one-hot rows (their argmax is used).
    threshold : float
        Binary decision threshold: 0 for logits (the default), 0.5 for
        probabilities.

    Returns
    -------
    float in [0, 1]
    """
    where = "accuracy"
    scores = np.asarray(scores)
    y = np.asarray(y)
    if scores.ndim == 2 and scores.shape[1] >= 2:
        pred = scores.argmax(axis=1)
    elif scores.ndim == 1 or (scores.ndim == 2 and scores.shape[1] == 1):
        pred = (scores.reshape(-1) > threshold).astype(np.int64)
    else:
        raise ValueError(
            f"{where}: expected scores of shape (n, K) or (n,), got {format_shape(scores.shape)}"
        )
    if y.ndim == 2 and y.shape[1] >= 2:
        y = y.argmax(axis=1)
    y = y.reshape(-1)
    if y.shape[0] != pred.shape[0]:
        raise ValueError(
            f"{where}: expected {pred.shape[0]} labels (one per row of scores), got {y.shape[0]}"
        )
    if pred.size == 0:
        raise ValueError(f"{where}: expected a non-empty batch, got 0 examples")
    return float(np.mean(pred == y))


class Evaluation(NamedTuple):
    """Result of :func:`evaluate`: mean ``loss`` and ``accuracy`` (``None`` for regression)."""

    loss: float
    accuracy: float | None


def evaluate(
    model: Layer, loss: Loss, X: np.ndarray, y: np.ndarray, batch_size: int | None = None
) -> Evaluation:
    """Loss (and accuracy, for classification losses) of ``model`` on ``(X, y)``.

    The model runs in evaluation mode (dropout off); its previous mode is
    restored.  Parameters' ``.grad`` are not touched.

    Parameters
    ----------
    model : Layer
    loss : Loss
    X : numpy.ndarray, shape (n, n_in)
    y : numpy.ndarray, shape (n,) or (n, K)
    batch_size : int, optional
        Evaluate in chunks of this many rows; the result is the same.

    Returns
    -------
    Evaluation
        ``(loss, accuracy)``; ``accuracy`` is ``None`` unless ``loss`` is a
        cross-entropy.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    n = X.shape[0]
    if batch_size is None:
        batch_size = max(n, 1)
    was_training = model.training
    model.eval()
    try:
        total, outputs = 0.0, []
        for i in range(0, n, batch_size):
            out = model.forward(X[i : i + batch_size])
            total += loss.forward(out, y[i : i + batch_size]) * out.shape[0]
            outputs.append(out)
        if n == 0:
            model.forward(X)  # raises the layer's "non-empty batch" error
    finally:
        model.train(was_training)
    scores = np.concatenate(outputs)
    threshold = getattr(loss, "decision_threshold", None)
    acc = None if threshold is None else accuracy(scores, y, threshold)
    return Evaluation(total / n, acc)


@dataclass
class History:
    """Per-epoch training record returned by :func:`fit`.

    Attributes
    ----------
    loss : list of float
        Mean training loss of each epoch (average over its minibatches,
        weighted by their size, measured while the epoch trains).
    accuracy : list of float
        Training accuracy per epoch (classification losses only, else empty).
    val_loss, val_accuracy : list of float
        Loss/accuracy on ``validation`` after each epoch (empty without it).
    best_epoch : int or None
        The epoch (from 1) with the lowest ``val_loss`` (``None`` without
        validation); with ``early_stopping`` the model holds its weights.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    best_epoch: int | None = None

    @property
    def epochs(self) -> list[int]:
        """Epoch numbers ``1 .. n`` (the x axis of a learning curve)."""
        return list(range(1, len(self.loss) + 1))

    def as_dict(self) -> dict[str, list[float]]:
        """The non-empty series by name, e.g. for ``pandas.DataFrame(history.as_dict())``."""
        series = {
            "loss": self.loss,
            "accuracy": self.accuracy,
            "val_loss": self.val_loss,
            "val_accuracy": self.val_accuracy,
        }
        return {k: list(v) for k, v in series.items() if v}

    def plot(self, axes: Any = None) -> Any:
        """Plot the learning curves: a thin call of :func:`nnbook.figures.learning_curves`.

        Kept so that ``history.plot()`` goes on working; the plotting lives in the
        book's package, ``nnbook`` (installed with nnlib), which needs Matplotlib.

        Parameters
        ----------
        axes : matplotlib Axes or array of two Axes, optional
            Where to draw; by default a new figure with one or two panels.

        Returns
        -------
        The matplotlib Axes (array of Axes for two panels).
        """
        from nnbook.figures import learning_curves

        return learning_curves(self, axes)

    def __repr__(self) -> str:
        parts = [f"epochs={len(self.loss)}"]
        for name, values in self.as_dict().items():
            parts.append(f"{name}={values[-1]:.4f}")
        return "History(" + ", ".join(parts) + ")"


def _progress_line(epoch: int, epochs: int, history: History) -> str:
    width = len(str(epochs))
    text = f"epoch {epoch:>{width}}/{epochs}  loss {history.loss[-1]:.4f}"
    if history.accuracy:
        text += f"  acc {history.accuracy[-1]:.4f}"
    if history.val_loss:
        text += f"  val_loss {history.val_loss[-1]:.4f}"
    if history.val_accuracy:
        text += f"  val_acc {history.val_accuracy[-1]:.4f}"
    return text


def fit(
    model: Layer,
    loss: Loss,
    optimizer: Any,
    X: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int = 32,
    rng: np.random.Generator | int | None = None,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    progress: bool | int | str = "auto",
    early_stopping: int | None = None,
) -> History:
    """Train ``model`` by minibatch gradient descent.

    Each epoch permutes the examples with ``rng`` and visits them in
    minibatches of ``batch_size`` (the last one may be smaller): forward,
    ``loss.forward``, ``model.backward(loss.backward())``, ``optimizer.step()``.

    Parameters
    ----------
    model : Layer
        Usually a :class:`~nnlib.network.Sequential`; trained in training mode
        and left in training mode.
    loss : Loss
        E.g. ``CrossEntropy()`` on logits.
    optimizer : SGD or Adam
        Built on ``model.parameters()``.
    X : numpy.ndarray, shape (n, n_in)
    y : numpy.ndarray, shape (n,) or (n, k)
    epochs : int, keyword-only
    batch_size : int, keyword-only
    rng : numpy.random.Generator or int or None, keyword-only
        Randomness for the shuffling (``None``: fresh entropy).
    validation : (X_val, y_val), optional
        Evaluated (in eval mode) after every epoch.
    progress : bool or int or "auto"
        ``False``: print nothing (use this in notebooks).  ``True``: one line
        per epoch.  An int ``k``: every ``k``-th epoch (and the last).
        ``"auto"`` (default): like ``True`` thinned to about 20 lines, but
        only for long runs, i.e. when ``epochs * n`` reaches
        :data:`AUTO_PROGRESS_EXAMPLES` (2 million examples).  The lines hold
        no timings, so the output is reproducible.
    early_stopping : int, optional
        Patience :math:`p`: stop when ``val_loss`` has not improved on its
        best value for :math:`p` epochs in a row, and restore the weights of
        the best epoch (``History.best_epoch``).  Needs ``validation``.

    Returns
    -------
    History
    """
    where = "fit"
    epochs = check_positive_int(epochs, "epochs", where)
    batch_size = check_positive_int(batch_size, "batch_size", where)
    X = as_float_array(X, "X", where)
    y = np.asarray(y)
    if y.shape[0:1] != X.shape[0:1]:
        raise ValueError(
            f"{where}: expected y with {X.shape[0]} rows (one per row of X), got shape "
            f"{format_shape(y.shape)}"
        )
    rng = as_rng(rng, where)
    n = X.shape[0]
    if progress == "auto":
        every = max(1, epochs // 20) if epochs * n >= AUTO_PROGRESS_EXAMPLES else 0
    elif isinstance(progress, bool):
        every = 1 if progress else 0
    elif isinstance(progress, int) and progress >= 0:
        every = progress
    else:
        raise ValueError(
            f"{where}: expected progress to be a bool, an int >= 0 or 'auto', got {progress!r}"
        )
    if validation is not None:
        if not isinstance(validation, tuple | list) or len(validation) != 2:
            raise TypeError(
                f"{where}: expected validation=(X_val, y_val), got {type(validation).__name__}"
            )
        X_val, y_val = validation
    if early_stopping is not None:
        patience = check_positive_int(early_stopping, "early_stopping", where)
        if validation is None:
            raise ValueError(
                f"{where}: expected validation=(X_val, y_val) with early_stopping, "
                f"got validation=None"
            )
    params = model.parameters()
    best_values: list[np.ndarray] | None = None
    epochs_without_improvement = 0

    threshold = getattr(loss, "decision_threshold", None)
    classification = threshold is not None
    history = History()
    model.train()
    # Minibatches are gathered into preallocated buffers (no allocation per batch).
    X_batch = np.empty((min(batch_size, n), *X.shape[1:]), dtype=X.dtype)
    y_batch = np.empty((min(batch_size, n), *y.shape[1:]), dtype=y.dtype)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        total_loss, total_correct = 0.0, 0.0
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            m = idx.shape[0]
            Xb, yb = X_batch[:m], y_batch[:m]
            np.take(X, idx, axis=0, out=Xb)
            np.take(y, idx, axis=0, out=yb)
            out = model.forward(Xb)
            total_loss += loss.forward(out, yb) * m
            if threshold is not None:
                total_correct += accuracy(out, yb, threshold) * m
            model.backward(loss.backward(), input_grad=False)
            optimizer.step()
        history.loss.append(total_loss / n)
        if classification:
            history.accuracy.append(total_correct / n)
        if validation is not None:
            result = evaluate(model, loss, X_val, y_val)
            history.val_loss.append(result.loss)
            if result.accuracy is not None:
                history.val_accuracy.append(result.accuracy)
            best = history.best_epoch
            if best is None or result.loss < history.val_loss[best - 1]:
                history.best_epoch = epoch
                epochs_without_improvement = 0
                if early_stopping is not None:
                    best_values = [p.value.copy() for p in params]
            else:
                epochs_without_improvement += 1
        stop = early_stopping is not None and epochs_without_improvement >= patience
        if every and (epoch % every == 0 or epoch == epochs or stop):
            print(_progress_line(epoch, epochs, history), file=sys.stdout, flush=True)
        if stop:
            break
    if best_values is not None:  # early stopping: back to the best epoch's weights, in place
        for p, value in zip(params, best_values, strict=True):
            p.value[...] = value
    return history
