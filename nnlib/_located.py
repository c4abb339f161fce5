"""Objects that name themselves in error messages, e.g. ``Dense(n_in=3, n_out=2).forward: ...``.

Layers and losses share this: ``repr(obj)`` is ``ClassName(<extra_repr()>)``, an
error raised in ``obj.method`` starts with ``repr(obj).method``, and a
``backward`` before any ``forward`` says so.
"""

from __future__ import annotations

from typing import Any


class Located:
    """Base of :class:`~nnlib.layers.base.Layer` and :class:`~nnlib.losses.Loss`."""

    def extra_repr(self) -> str:
        """The text inside the parentheses of ``repr(obj)``; override in subclasses."""
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def _where(self, method: str) -> str:
        """Location used in error messages, e.g. ``"Dense(n_in=3, n_out=2).forward"``."""
        return f"{self!r}.{method}"

    def _cached(self, attr: str) -> Any:
        """Return ``self.<attr>`` set by ``forward``; raise if ``forward`` was not called."""
        value = getattr(self, attr, None)
        if value is None:
            raise ValueError(
                f"{self._where('backward')}: expected a preceding call to forward "
                f"(nothing cached), got backward before forward"
            )
        return value
