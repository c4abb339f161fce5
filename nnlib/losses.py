"""Loss functions: mean over the batch of a per-example loss.

Every loss follows the same protocol::

    value = loss.forward(pred, target)   # a Python float, J = (1/m) sum_i L(y_i, a_i)
    dJ_dpred = loss.backward()           # same shape as pred, includes the 1/m

``pred`` holds one example per row (``(batch,)`` or ``(batch, k)``).  The
cross-entropies take **logits** by default (``from_logits=True``) and then fuse
the sigmoid/softmax into the loss, which is both stable (log-sum-exp) and gives
the book's simple gradient :math:`\\partial L/\\partial z = p - y`.
"""

from __future__ import annotations

import numpy as np

from nnlib._located import Located
from nnlib._validation import as_float_array, check_labels, format_shape
from nnlib.functional import sigmoid

__all__ = ["MSE", "BinaryCrossEntropy", "CrossEntropy", "Loss"]

_LOG_FLOOR = -100.0  # log p is clamped below at -100 (as PyTorch does) when p may be 0


def _clamped_log(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(p), _LOG_FLOOR)


def _check_probabilities(p: np.ndarray, where: str) -> None:
    """Raise ``ValueError`` unless every entry of ``p`` lies in [0, 1]."""
    if p.size and (p.min() < 0 or p.max() > 1):
        bad = p.min() if p.min() < 0 else p.max()
        raise ValueError(
            f"{where}: expected probabilities in [0, 1] (from_logits=False), "
            f"got {float(bad)!r}"
        )


class Loss(Located):
    """Base class: ``forward(pred, target) -> float`` and ``backward() -> dpred``.

    Attributes
    ----------
    decision_threshold : float or None
        What :func:`nnlib.train.fit` and :func:`nnlib.train.evaluate` need to
        know to report accuracy: ``None`` for a regression loss (no accuracy),
        else the threshold that turns a single-column ``pred`` into a class
        (0 for logits, 0.5 for probabilities; ``K >= 2`` columns use argmax).
    """

    decision_threshold: float | None = None

    def __init__(self) -> None:
        self._grad: np.ndarray | None = None

    def __call__(self, pred: np.ndarray, target: np.ndarray) -> float:
        return self.forward(pred, target)

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        """Mean loss over the batch; caches what :meth:`backward` needs."""
        raise NotImplementedError

    def backward(self) -> np.ndarray:
        """Gradient of the mean loss with respect to ``pred`` (same shape as ``pred``).

        Returns a new array each call, so callers may modify it.
        """
        return self._cached("_grad").copy()

    def _pred(self, pred: object) -> np.ndarray:
        return as_float_array(pred, "pred", self._where("forward"), ndim=(1, 2))

    def _matching_target(self, pred: np.ndarray, target: object) -> np.ndarray:
        """Target with ``pred``'s shape; ``(batch,)`` and ``(batch, 1)`` are interchangeable."""
        where = self._where("forward")
        target = as_float_array(target, "target", where, dtype=pred.dtype, allow_empty=True)
        if target.shape != pred.shape:
            n = pred.shape[0]
            if target.size == n and {target.shape, pred.shape} <= {(n,), (n, 1)}:
                target = target.reshape(pred.shape)
            else:
                raise ValueError(
                    f"{where}: expected target of shape {format_shape(pred.shape)} "
                    f"(the shape of pred), got {format_shape(target.shape)}"
                )
        return target


class MSE(Loss):
    """Mean squared error with the book's factor :math:`\\tfrac12`.

    .. math::

        J = \\frac{1}{m} \\sum_{i=1}^m \\frac12 \\sum_j (a_{ij} - y_{ij})^2,
        \\qquad
        \\frac{\\partial J}{\\partial a_{ij}} = \\frac{a_{ij} - y_{ij}}{m}

    Methods
    -------
    forward(pred, target) -> float
        ``pred`` and ``target`` of shape ``(batch,)`` or ``(batch, k)``
        (``(batch,)`` and ``(batch, 1)`` are interchangeable).
    backward() -> numpy.ndarray
        :math:`\\partial J/\\partial a`, shape of ``pred``.
    """

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        """Return :math:`J`; see the class docstring for shapes."""
        pred = self._pred(pred)
        target = self._matching_target(pred, target)
        m = pred.shape[0]
        diff = pred - target  # a - y
        self._grad = diff / m
        return 0.5 * float(np.vdot(diff, diff)) / m


class BinaryCrossEntropy(Loss):
    """Binary cross-entropy, from logits (default) or from probabilities.

    With :math:`p = \\sigma(z)` and targets :math:`y \\in [0, 1]`, per output unit

    .. math::

        L = -\\big(y \\log p + (1-y) \\log(1-p)\\big)
          = \\max(z, 0) - y z + \\log\\big(1 + e^{-|z|}\\big),
        \\qquad \\frac{\\partial L}{\\partial z} = p - y .

    The right-hand form is used for logits: it never overflows (logits of
    :math:`\\pm 10^4` are fine).  :math:`J` is the mean over the batch of the
    sum over output units (one unit: the usual mean).

    Parameters
    ----------
    from_logits : bool
        ``True``: ``pred`` holds logits :math:`z`.  ``False``: ``pred`` holds
        probabilities :math:`p \\in [0, 1]`; :math:`\\log p` is clamped at
        :math:`-100` so that :math:`p = 0` gives a finite loss, and the
        gradient :math:`(p - y)/(p(1-p))` uses
        :math:`\\max(p(1-p), 10^{-12})` (both as in PyTorch's ``BCELoss``).

    Methods
    -------
    forward(pred, target) -> float
        ``pred`` and ``target`` of shape ``(batch,)`` or ``(batch, k)``.
    backward() -> numpy.ndarray
        :math:`\\partial J/\\partial\\,\\mathrm{pred}`, shape of ``pred``.
    """

    def __init__(self, from_logits: bool = True) -> None:
        super().__init__()
        self.from_logits = bool(from_logits)
        self.decision_threshold = 0.0 if self.from_logits else 0.5

    def extra_repr(self) -> str:
        return f"from_logits={self.from_logits}"

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        """Return :math:`J`; see the class docstring for shapes."""
        where = self._where("forward")
        pred = self._pred(pred)
        y = self._matching_target(pred, target)
        if y.size and (y.min() < 0 or y.max() > 1):
            bad = y.min() if y.min() < 0 else y.max()
            raise ValueError(f"{where}: expected targets in [0, 1], got {float(bad)!r}")
        m = pred.shape[0]
        if self.from_logits:
            z = pred
            per_unit = np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z)))
            self._grad = (sigmoid(z) - y) / m  # dL/dz = p - y
        else:
            p = pred
            _check_probabilities(p, where)
            per_unit = -(y * _clamped_log(p) + (1.0 - y) * _clamped_log(1.0 - p))
            self._grad = (p - y) / np.maximum(p * (1.0 - p), 1e-12) / m
        return float(np.sum(per_unit)) / m


class CrossEntropy(Loss):
    """Categorical cross-entropy, from logits (softmax fused in) or probabilities.

    With :math:`p = \\mathrm{softmax}(z)` and a one-hot (or probability) target
    :math:`y`, per example

    .. math::

        L = -\\sum_{k=1}^K y_k \\log p_k
          = \\sum_k y_k \\Big(\\log \\sum_j e^{z_j - c} - (z_k - c)\\Big),
        \\quad c = \\max_j z_j, \\qquad
        \\frac{\\partial L}{\\partial z} = p \\textstyle\\sum_k y_k - y = p - y .

    :math:`J` is the mean over the batch; ``backward`` returns
    :math:`(p - y)/m`.

    Parameters
    ----------
    from_logits : bool
        ``True``: ``pred`` holds logits :math:`z`.  ``False``: ``pred`` holds
        probabilities :math:`p` (e.g. the output of a ``Softmax`` layer);
        :math:`\\log p` is clamped at :math:`-100`.

    Methods
    -------
    forward(pred, target) -> float
        ``pred`` of shape ``(batch, K)``; ``target`` either integer labels of
        shape ``(batch,)`` in ``[0, K)`` or one-hot / probabilities of shape
        ``(batch, K)``.
    backward() -> numpy.ndarray, shape (batch, K)
    """

    def __init__(self, from_logits: bool = True) -> None:
        super().__init__()
        self.from_logits = bool(from_logits)
        self.decision_threshold = 0.0  # K >= 2 columns: argmax, whatever from_logits

    def extra_repr(self) -> str:
        return f"from_logits={self.from_logits}"

    def _target(
        self, pred: np.ndarray, target: object
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Return ``(labels, None)`` or ``(None, Y)``."""
        where = self._where("forward")
        m, K = pred.shape
        t = np.asarray(target)
        if t.ndim == 1:
            return check_labels(t, K, m, where), None
        Y = as_float_array(t, "target", where, dtype=pred.dtype, allow_empty=True)
        if Y.shape != pred.shape:
            raise ValueError(
                f"{where}: expected target of shape ({m},) (labels) or {format_shape(pred.shape)} "
                f"(one-hot), got {format_shape(Y.shape)}"
            )
        if Y.size and (Y.min() < 0 or Y.max() > 1):
            bad = Y.min() if Y.min() < 0 else Y.max()
            raise ValueError(
                f"{where}: expected one-hot/probability targets in [0, 1], got {float(bad)!r}"
            )
        return None, Y

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        """Return :math:`J`; see the class docstring for shapes."""
        where = self._where("forward")
        pred = as_float_array(pred, "pred", where, ndim=2)
        labels, Y = self._target(pred, target)
        m = pred.shape[0]
        rows = np.arange(m)
        if self.from_logits:
            shifted = pred - pred.max(axis=1, keepdims=True)  # z - c  (<= 0)
            P = np.exp(shifted)
            sum_exp = P.sum(axis=1, keepdims=True)  # sum_j e^{z_j - c}  in [1, K]
            log_sum_exp = np.log(sum_exp)
            P /= sum_exp  # p = softmax(z)
            if labels is not None:
                loss = np.sum(log_sum_exp[:, 0] - shifted[rows, labels])
                P[rows, labels] -= 1.0  # p - y
                self._grad = P / m
            else:
                assert Y is not None  # _target returns the labels or Y
                loss = np.sum(Y * (log_sum_exp - shifted))
                self._grad = (P * Y.sum(axis=1, keepdims=True) - Y) / m
        else:
            P = pred
            _check_probabilities(P, where)
            log_P = _clamped_log(P)
            live = log_P > _LOG_FLOOR  # where the clamp is active the derivative is 0
            if labels is not None:
                loss = -np.sum(log_P[rows, labels])
                Y = np.zeros_like(P)
                Y[rows, labels] = 1.0
            else:
                assert Y is not None  # _target returns the labels or Y
                loss = -np.sum(Y * log_P)
            grad = np.zeros_like(P)
            np.divide(-Y, P, out=grad, where=live)  # dL/dp = -y / p
            self._grad = grad / m
        return float(loss) / m
