"""Weight penalties: L2 (weight decay) and L1.

Both act on the **weights** only, i.e. the parameters with
``kind == "weight"`` (``Dense.W``), and leave biases (``kind == "bias"``)
alone, as the book's :math:`\\tfrac{\\lambda}{2}\\sum_l \\|W^l\\|_F^2` does.

Each function returns the penalty's value (add it to the loss you report) and,
by default, **adds** its gradient to the weights' ``.grad`` in place.  Call it
after ``model.backward(...)`` (which overwrites ``.grad``) and before
``optimizer.step()``::

    J = loss.forward(model.forward(X), y)
    model.backward(loss.backward())
    J += l2_penalty(model.parameters(), lam)   # W.grad += lam * W
    optimizer.step()

(``SGD(..., weight_decay=lam)`` and ``Adam(..., weight_decay=lam)`` add the
same L2 gradient themselves.)
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from nnlib._validation import as_parameters, check_in_range
from nnlib.layers.base import Layer, Parameter

__all__ = ["l1_penalty", "l2_penalty", "weights"]


def weights(params: Iterable[Parameter] | Layer) -> list[Parameter]:
    """The parameters that penalties act on (``kind == "weight"``).

    Parameters
    ----------
    params : iterable of Parameter, or a Layer / Sequential

    Returns
    -------
    list of Parameter
    """
    return [p for p in as_parameters(params, "regularization") if p.kind == "weight"]


def l2_penalty(params: Iterable[Parameter] | Layer, lam: float, *, add_grad: bool = True) -> float:
    """L2 penalty (weight decay) and its gradient.

    .. math::

        \\Omega(\\theta) = \\frac{\\lambda}{2} \\sum_l \\|W^l\\|_F^2, \\qquad
        \\frac{\\partial \\Omega}{\\partial W^l} = \\lambda W^l

    Parameters
    ----------
    params : iterable of Parameter, or a Layer / Sequential
        Only ``kind == "weight"`` parameters are penalised.
    lam : float >= 0
        :math:`\\lambda`.
    add_grad : bool, keyword-only
        If ``True`` (default), add :math:`\\lambda W` to each weight's ``.grad``.

    Returns
    -------
    float
        :math:`\\Omega(\\theta)`.
    """
    lam = check_in_range(lam, "lam", "l2_penalty", low=0.0)
    total = 0.0
    for W in weights(params):
        total += float(np.vdot(W.value, W.value))  # ||W||_F^2
        if add_grad:
            W.grad += lam * W.value
    return 0.5 * lam * total


def l1_penalty(params: Iterable[Parameter] | Layer, lam: float, *, add_grad: bool = True) -> float:
    """L1 penalty and its subgradient.

    .. math::

        \\Omega(\\theta) = \\lambda \\sum_l \\|W^l\\|_1 = \\lambda \\sum_l \\sum_{jk} |W^l_{jk}|,
        \\qquad \\frac{\\partial \\Omega}{\\partial W^l} = \\lambda\\, \\mathrm{sign}(W^l)

    (the subgradient 0 is used where :math:`W_{jk} = 0`).

    Parameters
    ----------
    params : iterable of Parameter, or a Layer / Sequential
        Only ``kind == "weight"`` parameters are penalised.
    lam : float >= 0
        :math:`\\lambda`.
    add_grad : bool, keyword-only
        If ``True`` (default), add :math:`\\lambda\\,\\mathrm{sign}(W)` to each
        weight's ``.grad``.

    Returns
    -------
    float
        :math:`\\Omega(\\theta)`.
    """
    lam = check_in_range(lam, "lam", "l1_penalty", low=0.0)
    total = 0.0
    for W in weights(params):
        total += float(np.sum(np.abs(W.value)))
        if add_grad:
            W.grad += lam * np.sign(W.value)
    return lam * total
