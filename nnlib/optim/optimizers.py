"""Gradient-based optimisers: :class:`SGD` (momentum, Nesterov), :class:`RMSProp`,
:class:`Adam` and :class:`AdamW`.

All update ``Parameter.value`` **in place** from ``Parameter.grad``::

    loss.forward(model.forward(X), y)
    model.backward(loss.backward())   # fills .grad
    optimizer.step()                  # theta <- theta - ...

``weight_decay`` (:math:`\\lambda`) adds :math:`\\lambda\\theta` to the gradient
of every parameter with ``kind == "weight"``, i.e. it minimises
:math:`J + \\tfrac{\\lambda}{2}\\sum_l \\|W^l\\|_F^2` as in the book; biases
are not decayed.  (PyTorch's ``weight_decay`` decays every parameter it is
given; pass it only the weights to get the same result.)  :class:`AdamW`
instead decays the weights directly (decoupled weight decay).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from nnlib._validation import as_parameters, check_in_range
from nnlib.layers.base import Parameter

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "RMSProp"]


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

    decoupled_weight_decay: bool = False
    """``True`` (AdamW): ``weight_decay`` shrinks the weights instead of entering :math:`g`."""

    def _gradient(self, p: Parameter, scratch: np.ndarray) -> np.ndarray:
        """:math:`g = \\nabla_\\theta J + \\lambda\\theta` (weights only), using ``scratch``."""
        if self.weight_decay and p.kind == "weight" and not self.decoupled_weight_decay:
            np.multiply(p.value, self.weight_decay, out=scratch)
            scratch += p.grad
            return scratch
        return p.grad


class SGD(Optimizer):
    """Stochastic gradient descent with (heavy-ball or Nesterov) momentum, as in the book.

    .. math::

        g_t = \\nabla_\\theta J(\\theta_t) + \\lambda \\theta_t, \\qquad
        v_t = \\mu v_{t-1} + g_t, \\qquad
        \\theta_{t+1} = \\theta_t - \\eta v_t,

    with :math:`v_0 = 0`.  With ``momentum=0`` this is plain
    :math:`\\theta_{t+1} = \\theta_t - \\eta g_t`.  With ``nesterov=True``
    the step looks ahead along the velocity (Sutskever et al. 2013, in
    PyTorch's form):

    .. math::

        \\theta_{t+1} = \\theta_t - \\eta\\,(g_t + \\mu v_t).

    (Same as PyTorch's ``torch.optim.SGD`` with ``dampening=0``.)

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
    nesterov : bool
        Nesterov momentum; needs ``momentum > 0``.

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
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        self.momentum = check_in_range(
            momentum, "momentum", "SGD", low=0.0, high=1.0, high_open=True
        )
        if not isinstance(nesterov, bool):
            raise TypeError(f"SGD: expected nesterov to be a bool, got {type(nesterov).__name__}")
        if nesterov and self.momentum == 0.0:
            raise ValueError("SGD: expected momentum > 0 with nesterov=True, got momentum=0")
        self.nesterov = nesterov
        self.velocity = [np.zeros_like(p.value) for p in self.params]
        self._scratch = [np.empty_like(p.value) for p in self.params]
        self._lookahead = [np.empty_like(p.value) for p in self.params] if nesterov else []

    def __repr__(self) -> str:
        text = f"SGD(lr={self.lr:g}, momentum={self.momentum:g}, "
        text += f"weight_decay={self.weight_decay:g}"
        return text + (", nesterov=True)" if self.nesterov else ")")

    def step(self) -> None:
        """One update :math:`\\theta \\leftarrow \\theta - \\eta v` of every parameter."""
        self.t += 1
        lr, mu = self.lr, self.momentum
        buffers = zip(self.params, self.velocity, self._scratch, strict=True)
        for i, (p, v, scratch) in enumerate(buffers):
            g = self._gradient(p, scratch)
            if mu:
                v *= mu  # v <- mu v + g
                v += g
                if self.nesterov:  # step along g + mu v
                    lookahead = self._lookahead[i]
                    np.multiply(v, mu, out=lookahead)
                    lookahead += g
                    g = lookahead
                else:
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
        name = type(self).__name__
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise TypeError(f"{name}: expected betas to be a pair (beta1, beta2), got {betas!r}")
        self.beta1 = check_in_range(
            betas[0], "betas[0]", name, low=0.0, high=1.0, high_open=True
        )
        self.beta2 = check_in_range(
            betas[1], "betas[1]", name, low=0.0, high=1.0, high_open=True
        )
        self.eps = check_in_range(eps, "eps", name, low=0.0, low_open=True)
        self.m = [np.zeros_like(p.value) for p in self.params]
        self.v = [np.zeros_like(p.value) for p in self.params]
        # Preallocated per parameter, so that a step allocates nothing:
        # g + lambda*theta when weight decay applies, and the update being built.
        self._decayed_grad = [np.empty_like(p.value) for p in self.params]
        self._update = [np.empty_like(p.value) for p in self.params]

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(lr={self.lr:g}, betas=({self.beta1:g}, {self.beta2:g}), "
            f"eps={self.eps:g}, weight_decay={self.weight_decay:g})"
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
        decay = self.lr * self.weight_decay if self.decoupled_weight_decay else 0.0
        for p, m, v, decayed_grad, update in buffers:
            if decay and p.kind == "weight":  # AdamW: theta <- (1 - lr lambda) theta
                p.value *= 1.0 - decay
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


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019).

    The weights shrink by :math:`(1 - \\eta\\lambda)` and then take the Adam
    step of the *data* gradient alone:

    .. math::

        \\theta_t' = (1 - \\eta\\lambda)\\,\\theta_t, \\qquad
        \\theta_{t+1} = \\theta_t' - \\eta\\,
        \\frac{\\hat m_t}{\\sqrt{\\hat v_t} + \\epsilon},

    with :math:`\\hat m_t, \\hat v_t` as in :class:`Adam` computed from
    :math:`g_t = \\nabla_\\theta J(\\theta_t)`.  In :class:`Adam` the L2 term
    :math:`\\lambda\\theta` is divided by :math:`\\sqrt{\\hat v_t}` like the
    rest of the gradient; here it is not, so a weight with no data gradient
    decays geometrically at the rate :math:`1 - \\eta\\lambda` per step.  Only
    parameters with ``kind == "weight"`` decay (``torch.optim.AdamW`` decays
    every parameter it is given: give it the biases with ``weight_decay=0``).

    Parameters
    ----------
    params : iterable of Parameter
    lr : float > 0
        :math:`\\eta`.
    betas : (float, float), each in [0, 1)
    eps : float > 0
    weight_decay : float >= 0
        :math:`\\lambda`; default ``1e-2`` as in PyTorch.
    """

    decoupled_weight_decay = True

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)


class RMSProp(Optimizer):
    """RMSProp (Tieleman & Hinton 2012): divide by a moving RMS of the gradient.

    .. math::

        g_t = \\nabla_\\theta J(\\theta_t) + \\lambda\\theta_t, \\qquad
        s_t = \\alpha s_{t-1} + (1 - \\alpha)\\, g_t^2, \\qquad
        \\theta_{t+1} = \\theta_t - \\eta\\, \\frac{g_t}{\\sqrt{s_t} + \\epsilon},

    with :math:`s_0 = 0`: Adam without the momentum :math:`m` and without
    the bias correction.  (Same as ``torch.optim.RMSprop`` with
    ``momentum=0, centered=False``.)

    Parameters
    ----------
    params : iterable of Parameter
    lr : float > 0
        :math:`\\eta`.
    alpha : float in [0, 1)
        Decay :math:`\\alpha` of the average of :math:`g^2`.
    eps : float > 0
        :math:`\\epsilon`.
    weight_decay : float >= 0
        :math:`\\lambda` (L2, weights only).

    Attributes
    ----------
    square_avg : list of numpy.ndarray
        :math:`s` for each parameter.
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        self.alpha = check_in_range(alpha, "alpha", "RMSProp", low=0.0, high=1.0, high_open=True)
        self.eps = check_in_range(eps, "eps", "RMSProp", low=0.0, low_open=True)
        self.square_avg = [np.zeros_like(p.value) for p in self.params]
        self._decayed_grad = [np.empty_like(p.value) for p in self.params]
        self._update = [np.empty_like(p.value) for p in self.params]

    def __repr__(self) -> str:
        return (
            f"RMSProp(lr={self.lr:g}, alpha={self.alpha:g}, eps={self.eps:g}, "
            f"weight_decay={self.weight_decay:g})"
        )

    def step(self) -> None:
        """One RMSProp update of every parameter (in place)."""
        self.t += 1
        a = self.alpha
        buffers = zip(self.params, self.square_avg, self._decayed_grad, self._update, strict=True)
        for p, s, decayed_grad, update in buffers:
            g = self._gradient(p, decayed_grad)
            s *= a  # s <- alpha s + (1 - alpha) g^2
            np.multiply(g, g, out=update)
            update *= 1.0 - a
            s += update
            np.sqrt(s, out=update)  # update <- lr g / (sqrt(s) + eps)
            update += self.eps
            np.divide(g, update, out=update)
            update *= self.lr
            p.value -= update
