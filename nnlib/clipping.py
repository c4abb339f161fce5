"""Gradient clipping by the global norm (Pascanu, Mikolov & Bengio 2013).

If the gradient :math:`g` of all parameters together (one long vector) is
longer than a threshold :math:`c`, rescale it to length :math:`c`:

.. math::

    g \\leftarrow g \\cdot \\min\\!\\Big(1, \\frac{c}{\\lVert g \\rVert_2}\\Big),
    \\qquad \\lVert g \\rVert_2 = \\Big(\\sum_{\\theta} \\sum_k
    \\big(\\partial L/\\partial \\theta_k\\big)^2\\Big)^{1/2}.

The direction of the step is kept, only its length is capped, so one
exploding gradient cannot throw the parameters far away.  Call it between
``backward`` and ``optimizer.step()``::

    model.backward(loss.backward())
    clip_grad_norm(model.parameters(), max_norm=1.0)
    optimizer.step()
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np

from nnlib._validation import as_parameters, check_in_range
from nnlib.layers.base import Parameter

__all__ = ["clip_grad_norm", "grad_norm"]


def grad_norm(params: Iterable[Parameter] | Parameter) -> float:
    """Global Euclidean norm of the gradients of ``params``.

    Parameters
    ----------
    params : iterable of Parameter (or one Parameter)

    Returns
    -------
    float
        :math:`\\lVert g \\rVert_2` over all entries of all ``.grad`` arrays.
    """
    params = as_parameters(params, "grad_norm")
    return float(np.sqrt(sum(float(np.vdot(p.grad, p.grad)) for p in params)))


def clip_grad_norm(params: Iterable[Parameter] | Parameter, max_norm: float) -> float:
    """Rescale the gradients in place so that their global norm is at most ``max_norm``.

    Parameters
    ----------
    params : iterable of Parameter (or one Parameter)
        Typically ``model.parameters()``; their ``.grad`` arrays are modified.
    max_norm : float
        The threshold :math:`c > 0`; ``inf`` clips nothing and only returns the norm.

    Returns
    -------
    float
        The global norm *before* clipping (useful to log how often clipping acts).

    Notes
    -----
    The factor is exactly :math:`c/\\lVert g\\rVert` when :math:`\\lVert g\\rVert > c`
    and 1 otherwise.  (``torch.nn.utils.clip_grad_norm_`` uses
    :math:`c/(\\lVert g\\rVert + 10^{-6})`, which differs in the seventh digit.)

    Examples
    --------
    >>> p = Parameter(np.zeros(2)); p.grad[...] = [3.0, 4.0]
    >>> clip_grad_norm([p], max_norm=1.0)
    5.0
    >>> p.grad
    array([0.6, 0.8])
    """
    where = "clip_grad_norm"
    params = as_parameters(params, where)
    if not (isinstance(max_norm, numbers.Real) and max_norm == np.inf):
        # any finite c > 0; c = inf (no clipping, only the norm) is allowed too
        max_norm = check_in_range(max_norm, "max_norm", where, low=0.0, low_open=True)
    total = grad_norm(params)
    if not np.isfinite(total):
        raise ValueError(f"{where}: expected finite gradients, got a gradient norm of {total}")
    if total > max_norm:
        scale = max_norm / total
        for p in params:
            p.grad *= scale
    return total
