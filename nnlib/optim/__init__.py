"""Gradient-based optimisers and learning-rate schedules.

:mod:`nnlib.optim.optimizers` holds :class:`SGD` (momentum, Nesterov),
:class:`RMSProp`, :class:`Adam` and :class:`AdamW`, re-exported here
(``from nnlib.optim import SGD, Adam``); :mod:`nnlib.optim.schedules` holds
the learning-rate schedules :class:`~nnlib.optim.schedules.StepLR`,
:class:`~nnlib.optim.schedules.CosineLR` and
:class:`~nnlib.optim.schedules.WarmupLR`.

Every optimiser updates ``Parameter.value`` **in place** from ``Parameter.grad``::

    loss.forward(model.forward(X), y)
    model.backward(loss.backward())   # fills .grad
    optimizer.step()                  # theta <- theta - ...
"""

from nnlib.optim import schedules
from nnlib.optim.optimizers import SGD, Adam, AdamW, Optimizer, RMSProp

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "RMSProp", "schedules"]
