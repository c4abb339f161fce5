"""nnbook: the book's own code, shipped beside :mod:`nnlib` in the same distribution.

:mod:`nnlib` is the library the book derives; ``nnbook`` is what only the book needs:

- :func:`nnbook.setup` -- one call at the top of every chapter: Matplotlib's rcParams,
  SymPy's printing and NumPy's print options, the same in every chapter;
- :mod:`nnbook.widgets` -- :func:`~nnbook.widgets.explorable`, figures that follow their
  controls in the static HTML book as well as in a kernel;
- :mod:`nnbook.figures` -- the plots the chapters repeat (learning curves, decision
  regions, optimizer paths on contour lines);
- :mod:`nnbook.exercises` -- the checkers of the self-checking exercises, one module
  per chapter (``nnbook.exercises.<slug>``).

Importing ``nnbook`` imports neither Matplotlib nor SymPy; :func:`setup`,
:mod:`nnbook.widgets` and :mod:`nnbook.figures` import them when they are used.
"""

from nnbook._setup import NUMPY_PRINT_OPTIONS, RC_PARAMS, SYMPY_PRINTING, setup

__all__ = ["NUMPY_PRINT_OPTIONS", "RC_PARAMS", "SYMPY_PRINTING", "setup"]
