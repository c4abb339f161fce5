"""Learning-rate schedules: :class:`StepLR`, :class:`CosineLR`, :class:`WarmupLR`.

A schedule sets ``optimizer.lr`` to :math:`\\eta_t = \\eta_0\\, f(t)` for a
step counter :math:`t = 0, 1, 2, \\dots` (usually epochs), where
:math:`\\eta_0` is the optimiser's learning rate when the schedule is built.
Building the schedule applies :math:`t = 0`; each :meth:`LRSchedule.step`
advances :math:`t` by one.  Call it after ``optimizer.step()``, once per
epoch (or once per minibatch for a warm-up counted in steps)::

    opt = SGD(model.parameters(), lr=0.1)
    schedule = CosineLR(opt, T_max=epochs)
    for epoch in range(epochs):
        ...                     # minibatches: backward, opt.step()
        schedule.step()

The three schedules match ``torch.optim.lr_scheduler`` step for step:
:class:`StepLR` is ``StepLR``, :class:`CosineLR` is ``CosineAnnealingLR``
(for :math:`t \\le T_{max}`), :class:`WarmupLR` is ``LinearLR`` with
``end_factor=1``.

Examples
--------
>>> from nnlib.layers import Parameter
>>> from nnlib.optim import SGD
>>> opt = SGD([Parameter([1.0])], lr=0.1)
>>> schedule = StepLR(opt, step_size=2, gamma=0.5)
>>> rates = [opt.lr]
>>> for _ in range(4):
...     schedule.step()
...     rates.append(opt.lr)
>>> rates
[0.1, 0.1, 0.05, 0.05, 0.025]
"""

from __future__ import annotations

import math
from typing import Any

from nnlib._validation import check_in_range, check_positive_int

__all__ = ["CosineLR", "LRSchedule", "StepLR", "WarmupLR"]


class LRSchedule:
    """Base class: a subclass implements :meth:`factor`, :math:`f(t) = \\eta_t / \\eta_0`.

    Parameters
    ----------
    optimizer : Optimizer
        Any nnlib optimiser (it has an ``lr`` attribute).

    Attributes
    ----------
    base_lr : float
        :math:`\\eta_0`, the optimiser's ``lr`` when the schedule was built.
    t : int
        Steps taken so far.
    """

    def __init__(self, optimizer: Any) -> None:
        if not hasattr(optimizer, "lr"):
            raise TypeError(
                f"{type(self).__name__}: expected an optimizer with an lr attribute, "
                f"got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.base_lr = float(optimizer.lr)
        self.t = 0
        self.optimizer.lr = self.lr_at(0)

    def factor(self, t: int) -> float:
        """:math:`f(t)`."""
        raise NotImplementedError(f"{type(self).__name__} must implement factor")

    def lr_at(self, t: int) -> float:
        """:math:`\\eta_t = \\eta_0 f(t)`."""
        return self.base_lr * self.factor(t)

    def step(self) -> None:
        """Advance :math:`t` by one and set ``optimizer.lr`` to :math:`\\eta_t`."""
        self.t += 1
        self.optimizer.lr = self.lr_at(self.t)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def extra_repr(self) -> str:
        return ""


class StepLR(LRSchedule):
    """Multiply the rate by ``gamma`` every ``step_size`` steps.

    .. math::

        \\eta_t = \\eta_0\\, \\gamma^{\\lfloor t / s \\rfloor}

    Parameters
    ----------
    optimizer : Optimizer
    step_size : int >= 1
        :math:`s`.
    gamma : float in (0, 1]
        :math:`\\gamma`.
    """

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = check_positive_int(step_size, "step_size", "StepLR")
        self.gamma = check_in_range(gamma, "gamma", "StepLR", low=0.0, high=1.0, low_open=True)
        super().__init__(optimizer)

    def factor(self, t: int) -> float:
        return self.gamma ** (t // self.step_size)

    def extra_repr(self) -> str:
        return f"step_size={self.step_size}, gamma={self.gamma:g}"


class CosineLR(LRSchedule):
    """Cosine annealing from :math:`\\eta_0` down to ``eta_min`` over ``T_max`` steps.

    .. math::

        \\eta_t = \\eta_{min} + \\tfrac12 (\\eta_0 - \\eta_{min})
        \\big(1 + \\cos(\\pi\\, \\min(t, T_{max}) / T_{max})\\big)

    (Loshchilov & Hutter 2017, without restarts; the rate stays at
    :math:`\\eta_{min}` after :math:`T_{max}` steps.)

    Parameters
    ----------
    optimizer : Optimizer
    T_max : int >= 1
        Length of the anneal.
    eta_min : float >= 0
        Final rate.
    """

    def __init__(self, optimizer: Any, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = check_positive_int(T_max, "T_max", "CosineLR")
        self.eta_min = check_in_range(eta_min, "eta_min", "CosineLR", low=0.0)
        super().__init__(optimizer)

    def lr_at(self, t: int) -> float:
        progress = min(t, self.T_max) / self.T_max
        return self.eta_min + 0.5 * (self.base_lr - self.eta_min) * (
            1.0 + math.cos(math.pi * progress)
        )

    def factor(self, t: int) -> float:
        return self.lr_at(t) / self.base_lr

    def extra_repr(self) -> str:
        return f"T_max={self.T_max}, eta_min={self.eta_min:g}"


class WarmupLR(LRSchedule):
    """Linear warm-up from ``start_factor`` times the rate to the full rate.

    .. math::

        \\eta_t = \\eta_0 \\Big(f_0 + (1 - f_0)\\, \\frac{\\min(t, W)}{W}\\Big)

    A small rate for the first :math:`W` steps keeps the early, large
    gradients of a fresh network (and Adam's poorly estimated second moments)
    from throwing the weights far away (Goyal et al. 2017).

    Parameters
    ----------
    optimizer : Optimizer
    warmup_steps : int >= 1
        :math:`W`.
    start_factor : float in (0, 1]
        :math:`f_0`.
    """

    def __init__(self, optimizer: Any, warmup_steps: int, start_factor: float = 0.1) -> None:
        self.warmup_steps = check_positive_int(warmup_steps, "warmup_steps", "WarmupLR")
        self.start_factor = check_in_range(
            start_factor, "start_factor", "WarmupLR", low=0.0, high=1.0, low_open=True
        )
        super().__init__(optimizer)

    def factor(self, t: int) -> float:
        f0 = self.start_factor
        return f0 + (1.0 - f0) * min(t, self.warmup_steps) / self.warmup_steps

    def extra_repr(self) -> str:
        return f"warmup_steps={self.warmup_steps}, start_factor={self.start_factor:g}"
