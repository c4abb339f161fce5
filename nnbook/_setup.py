"""``nnbook.setup()``: the display settings every chapter shares, in one call."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

#: Matplotlib settings of every chapter. ``font.size`` 11: labels readable at the width
#: of the book's page (chapters 14 and 15 chose it first); white faces: a figure stays
#: legible in the theme's dark mode.
RC_PARAMS = MappingProxyType(
    {
        "font.size": 11.0,
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
    }
)

#: NumPy print options of every chapter (chapters 5 to 7 chose them first): four
#: significant decimals, no scientific notation for tiny entries.
NUMPY_PRINT_OPTIONS = MappingProxyType({"precision": 4, "suppress": True})

#: Arguments of :func:`sympy.init_printing`: LaTeX for MathJax (the page typesets it),
#: never the PNG that ``use_latex=True`` renders with a LaTeX installation.
SYMPY_PRINTING = MappingProxyType({"use_latex": "mathjax"})


def setup() -> None:
    """Apply the book's display settings: Matplotlib, NumPy and (in IPython) SymPy.

    One call at the top of every chapter, after its imports::

        import nnbook

        nnbook.setup()

    It sets Matplotlib's ``rcParams`` to :data:`RC_PARAMS`, NumPy's print options to
    :data:`NUMPY_PRINT_OPTIONS`, and, in an IPython kernel, SymPy's printing to
    :data:`SYMPY_PRINTING` (outside IPython SymPy's printing is left alone: its
    ``init_printing`` would replace ``sys.displayhook``). It prints nothing and returns
    nothing, so the cell's output is stable under nbval.

    Calling it again changes nothing (it is idempotent): every setting is assigned, none
    is accumulated. A chapter that needs another value sets it after the call, e.g.
    ``plt.rcParams["figure.dpi"] = 80``.

    Returns
    -------
    None
    """
    # pyplot first: in a kernel, importing it activates the inline backend, which may
    # apply its own rc; the book's values are assigned after that, so they win.
    import matplotlib.pyplot as plt

    plt.rcParams.update(RC_PARAMS)
    np.set_printoptions(**NUMPY_PRINT_OPTIONS)

    try:
        from IPython import get_ipython
    except ImportError:  # no IPython: no kernel whose printing to set
        return
    ip = get_ipython()
    if ip is not None:
        import sympy

        sympy.init_printing(ip=ip, **SYMPY_PRINTING)
