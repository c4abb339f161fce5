"""Gradient-based optimisers: :class:`SGD` (with momentum) and :class:`Adam`.

Both update ``Parameter.value`` **in place** from ``Parameter.grad``::

    loss.forward(model.forward(X), y)
    model.backward(loss.backward())   # fills .grad
    optimizer.step()                  # theta <- theta - ...

``weight_decay`` (:math:`\\lambda`) adds :math:`\\lambda\\theta` to the gradient
of every parameter with ``kind == "weight"``, i.e. it minimises
:math:`J + \\tfrac{\\lambda}{2}\\sum_l \\|W^l\\|_F^2` as in the book; biases
are not decayed.  (PyTorch's ``weight_decay`` decays every parameter it is
given; pass it only the weights to get the same result.)
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from nnlib._validation import as_parameters, check_in_range
from nnlib.layers.base import Parameter

__all__ = ["SGD", "Adam", "Optimizer"]


class Optimizer:
    """Base class: holds the parameter list; subclasses implement :meth:`step`."""

    def __init__(self, params: Iterable[Parameter], lr: float, weight_decay: float) -> None:
        name = type(self).__name__
        self.params: list[Parameter] = as_parameters(params, name)
        if not self.params:
            raise ValueError(f"{name}: expected at least one parameter, got an empty list")
        self.lr = check_in_range(lr, "lr", name, low=0.0, low_open=True)
        self.weight_decay = check_in_range(weight_decay, "weight_decay", name, low=0.0)
        self.t = 0  # number of steps taken

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to zero."""
        for p in self.params:
            p.grad.fill(0.0)

    def step(self) -> None:
        """Update every parameter in place from its ``grad``."""
        raise NotImplementedError

    def _gradient(self, p: Parameter, scratch: np.ndarray) -> np.ndarray:
        """:math:`g = \\nabla_\\theta J + \\lambda\\theta` (weights only), using ``scratch``."""
        if self.weight_decay and p.kind == "weight":
            np.multiply(p.value, self.weight_decay, out=scratch)
            scratch += p.grad
            return scratch
        return p.grad


class SGD(Optimizer):
    """Stochastic gradient descent with (heavy-ball) momentum, as in the book.

    .. math::

        g_t = \\nabla_\\theta J(\\theta_t) + \\lambda \\theta_t, \\qquad
        v_t = \\mu v_{t-1} + g_t, \\qquad
        \\theta_{t+1} = \\theta_t - \\eta v_t,

    with :math:`v_0 = 0`.  With ``momentum=0`` this is plain
    :math:`\\theta_{t+1} = \\theta_t - \\eta g_t`.  (Same as PyTorch's
    ``torch.optim.SGD`` with ``dampening=0, nesterov=False``.)

    Parameters
    ----------
    params : iterable of Parameter
        Usually ``model.parameters()``.
    lr : float > 0
        Learning rate :math:`\\eta`.
    momentum : float in [0, 1)
        :math:`\\mu`.
    weight_decay : float >= 0
        :math:`\\lambda` (weights only, see the module docstring).

    Attributes
    ----------
    velocity : list of numpy.ndarray
        :math:`v` for each parameter (all zeros before the first step).
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        self.momentum = check_in_range(
            momentum, "momentum", "SGD", low=0.0, high=1.0, high_open=True
        )
        self.velocity = [np.zeros_like(p.value) for p in self.params]
        self._scratch = [np.empty_like(p.value) for p in self.params]

    def __repr__(self) -> str:
        return (
            f"SGD(lr={self.lr:g}, momentum={self.momentum:g}, weight_decay={self.weight_decay:g})"
        )

    def step(self) -> None:
        """One update :math:`\\theta \\leftarrow \\theta - \\eta v` of every parameter."""
        self.t += 1
        lr, mu = self.lr, self.momentum
        for p, v, scratch in zip(self.params, self.velocity, self._scratch, strict=True):
            g = self._gradient(p, scratch)
            if mu:
                v *= mu  # v <- mu v + g
                v += g
                g = v
            np.multiply(g, lr, out=scratch)  # theta <- theta - lr v
            p.value -= scratch


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015): moving averages of :math:`g` and :math:`g^2`, bias-corrected.

    .. math::

        g_t &= \\nabla_\\theta J(\\theta_t) + \\lambda\\theta_t \\\\
        m_t &= \\beta_1 m_{t-1} + (1-\\beta_1)\\, g_t, \\qquad
        v_t = \\beta_2 v_{t-1} + (1-\\beta_2)\\, g_t^2 \\\\
        \\hat m_t &= \\frac{m_t}{1-\\beta_1^t}, \\qquad
        \\hat v_t = \\frac{v_t}{1-\\beta_2^t} \\\\
        \\theta_{t+1} &= \\theta_t - \\eta\\, \\frac{\\hat m_t}{\\sqrt{\\hat v_t} + \\epsilon}

    ``weight_decay`` is the L2 form (added to :math:`g`, as in
    ``torch.optim.Adam``), not the decoupled AdamW form.

    Parameters
    ----------
    params : iterable of Parameter
    lr : float > 0
        :math:`\\eta`.
    betas : (float, float), each in [0, 1)
        :math:`(\\beta_1, \\beta_2)`.
    eps : float > 0
        :math:`\\epsilon`.
    weight_decay : float >= 0
        :math:`\\lambda` (weights only).

    Attributes
    ----------
    m, v : list of numpy.ndarray
        First and second moment estimates per parameter.
    t : int
        Number of steps taken.
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise TypeError(f"Adam: expected betas to be a pair (beta1, beta2), got {betas!r}")
        self.beta1 = check_in_range(
            betas[0], "betas[0]", "Adam", low=0.0, high=1.0, high_open=True
        )
        self.beta2 = check_in_range(
            betas[1], "betas[1]", "Adam", low=0.0, high=1.0, high_open=True
        )
        self.eps = check_in_range(eps, "eps", "Adam", low=0.0, low_open=True)
        self.m = [np.zeros_like(p.value) for p in self.params]
        self.v = [np.zeros_like(p.value) for p in self.params]
        # Preallocated per parameter, so that a step allocates nothing:
        # g + lambda*theta when weight decay applies, and the update being built.
        self._decayed_grad = [np.empty_like(p.value) for p in self.params]
        self._update = [np.empty_like(p.value) for p in self.params]

    def __repr__(self) -> str:
        return (
            f"Adam(lr={self.lr:g}, betas=({self.beta1:g}, {self.beta2:g}), eps={self.eps:g}, "
            f"weight_decay={self.weight_decay:g})"
        )

    def step(self) -> None:
        """One Adam update of every parameter (in place)."""
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        bias1 = 1.0 - b1**self.t  # 1 - beta1^t
        bias2 = 1.0 - b2**self.t  # 1 - beta2^t
        # theta <- theta - lr * m_hat / (sqrt(v_hat) + eps), with m_hat = m / bias1 and
        # sqrt(v_hat) = sqrt(v) / sqrt(bias2), computed as PyTorch does:
        # theta <- theta - (lr / bias1) * m / (sqrt(v) / sqrt(bias2) + eps)
        step_size = self.lr / bias1
        sqrt_bias2 = np.sqrt(bias2)
        buffers = zip(self.params, self.m, self.v, self._decayed_grad, self._update, strict=True)
        for p, m, v, decayed_grad, update in buffers:
            g = self._gradient(p, decayed_grad)
            m *= b1  # m <- b1 m + (1 - b1) g
            np.multiply(g, 1.0 - b1, out=update)
            m += update
            v *= b2  # v <- b2 v + (1 - b2) g^2
            np.multiply(g, g, out=update)
            update *= 1.0 - b2
            v += update
            np.sqrt(v, out=update)  # update <- step_size * m / (sqrt(v) / sqrt(bias2) + eps)
            update /= sqrt_bias2
            update += self.eps
            np.divide(m, update, out=update)
            update *= step_size
            p.value -= update
