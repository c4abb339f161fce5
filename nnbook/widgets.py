"""Explorables: figures that follow their controls in the static HTML book, without a kernel.

An ``interact`` figure is drawn by the kernel, so in the HTML book (no kernel) its
sliders move and its figure never changes. :func:`explorable` draws the figure for
**every** combination of the controls' values when the cell runs, keeps each drawing
as an ``ipywidgets.Image`` (WebP, 100 dpi, quality 80: a few kB a frame), and shows
the one for the values on display. The choice happens in the browser's widget
manager: each control's integer ``index`` feeds the ``selected_index`` of the
``ipywidgets.Stack`` of its level through ``widgets.jsdlink``, and links run in the
page, so the stored widget state of a notebook is enough. In a kernel (JupyterLab,
Binder, Colab, local) an observer also redraws the frame on view from the function,
so a reader who changes what the function reads sees the new figure.

Example, for a chapter (copy it, then change the drawing and the grids)::

    import matplotlib.pyplot as plt
    import numpy as np

    from nnbook.widgets import explorable
    from nnlib.activations import relu, sigmoid, tanh


    def draw(activation, z0):
        z = np.linspace(-5, 5, 201)
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.plot(z, activation(z), label="activation")
        ax.plot([z0], [activation(np.array([z0]))[0]], "o", label=f"$z_0$ = {z0:g}")
        ax.set(xlabel="$z$", ylabel="$a$", ylim=(-1.2, 5.2))
        ax.legend(loc="upper left")
        return fig


    explorable(
        draw,
        activation={"sigmoid": sigmoid, "tanh": tanh, "ReLU": relu},  # a dropdown
        z0=(-4.0, 4.0, 0.5),  # a slider over -4, -3.5, ..., 4
        labels={"z0": "z₀"},
    )

That asks for 3 × 17 = 51 frames. Rules a chapter author needs:

- The figure function takes every control as a keyword argument, draws one figure
  with Matplotlib and returns it (a ``Figure`` or an ``Axes``; or it leaves exactly
  one new pyplot figure open). It must not depend on the order of the calls: every
  frame is drawn at cell run, in grid order. ``plt.show()`` inside it does nothing.
- A control is a list of values (numbers: a slider; anything else: a dropdown), a
  ``(start, stop, step)`` tuple (a slider over ``start, start + step, ..., stop``,
  stop included, as in ``interact``), a dict ``{label: value}`` (a dropdown), a
  NumPy 1-D array (a slider), an ``IntSlider``/``FloatSlider`` (a slider over its
  grid) or any selection widget (``SelectionSlider``, ``Dropdown``,
  ``ToggleButtons``, ``RadioButtons``, ``Select``), used as it is.
- The number of frames is the product of the controls' sizes; more than
  ``max_frames`` (150 by default, about 1 MB of frames) raises a ``ValueError`` that
  says how many the grid asks for. Use one or two controls that carry the point.
- ``labels={"name": "text"}`` gives a control its visible, accessible description
  (the keyword's name otherwise); ``initial={"name": value}`` the value shown first
  (the first value otherwise).
- :func:`explorable` returns the widget: make it the cell's last expression (no
  trailing ``;``) or pass it to ``display``. Its text output is stable (it names the
  function, the controls and the frame count), so nbval compares it as it is.
- ``max_frames``, ``live``, ``labels`` and ``initial`` are options, not controls: a
  figure function with a parameter of one of these names raises a ``TypeError``.
"""

from __future__ import annotations

import inspect
import io
import itertools
import math
import numbers
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = [
    "DPI",
    "MAX_FRAMES",
    "QUALITY",
    "Explorable",
    "as_control",
    "explorable",
    "render_frame",
]

#: Default upper bound on the frames of one explorable (about 1 MB of WebP frames).
MAX_FRAMES = 150
#: Resolution of every frame, in dots per inch (a 6.4 in wide figure: 640 px).
DPI = 100
#: WebP quality of every frame (legible text, heatmaps without banding).
QUALITY = 80
#: Keyword arguments of :func:`explorable` that are options, not controls.
OPTIONS = frozenset({"max_frames", "live", "labels", "initial"})

SELECTION_TYPES = (
    widgets.SelectionSlider,
    widgets.Dropdown,
    widgets.ToggleButtons,
    widgets.RadioButtons,
    widgets.Select,
)
_STYLE = {"description_width": "initial"}  # a description is never cut off


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _label(value: object) -> str:
    if _is_number(value) and not isinstance(value, numbers.Integral):
        return f"{float(value):.6g}"
    return str(value)


def _name_of(f: Callable) -> str:
    return getattr(f, "__name__", type(f).__name__)


def _arange_inclusive(name: str, spec: tuple) -> list:
    """The values ``start, start + step, ..., stop`` of a ``(start, stop, step)`` grid."""
    if len(spec) != 3 or not all(_is_number(v) for v in spec):
        raise TypeError(
            f"control {name!r}: a tuple is a grid (start, stop, step) of three numbers, "
            f"got {spec!r}; give a list for explicit values"
        )
    start, stop, step = spec
    if not all(math.isfinite(v) for v in spec):
        raise ValueError(f"control {name!r}: start, stop and step must be finite, got {spec!r}")
    if step <= 0 or stop < start:
        raise ValueError(
            f"control {name!r}: expected start <= stop and step > 0, got "
            f"(start, stop, step) = {spec!r}"
        )
    steps = (stop - start) / step
    count = round(steps)
    if abs(steps - count) > 1e-9 * max(1.0, abs(steps)):
        raise ValueError(
            f"control {name!r}: (stop - start) / step = {steps:.6g} is not a whole number, "
            f"so stop={stop!r} is not on the grid of {spec!r}"
        )
    if all(isinstance(v, numbers.Integral) for v in spec):
        return [int(start) + i * int(step) for i in range(count + 1)]
    # 12 significant digits: 0.1 * 3 is the 0.3 the reader sees on the slider
    return [float(f"{start + i * step:.12g}") for i in range(count + 1)]


def _check_options(name: str, values: Sequence, labels: Sequence[str]) -> None:
    if len(values) == 0:
        raise ValueError(f"control {name!r}: expected at least one value, got none")
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):
        if label in seen:
            raise ValueError(
                f"control {name!r}: values {seen[label]} and {i} both read {label!r}; "
                "every value of a control needs its own label"
            )
        seen[label] = i


def as_control(name: str, spec: Any, *, label: str | None = None) -> widgets.Widget:
    """The selection widget (integer ``index`` over a list of options) for one control.

    Parameters
    ----------
    name : str
        The keyword the figure function receives the control's value under.
    spec : list, tuple, dict, numpy.ndarray or ipywidgets widget
        A list of values (all numbers: a ``SelectionSlider``; else a ``Dropdown``), a
        ``(start, stop, step)`` tuple (a ``SelectionSlider`` over ``start, start +
        step, ..., stop``), a dict ``{label: value}`` (a ``Dropdown``), a 1-D array (a
        ``SelectionSlider``), an ``IntSlider``/``FloatSlider`` (a ``SelectionSlider``
        over its min, max and step) or a selection widget, returned as it is.
    label : str, optional
        The control's visible description (``name`` if not given). A selection widget
        keeps its own description unless it has none.

    Returns
    -------
    ipywidgets.Widget
        A widget with ``options``, an integer ``index`` and a non-empty ``description``.

    Raises
    ------
    TypeError
        If ``spec`` is none of the above.
    ValueError
        If the grid is empty, its labels repeat, or a tuple's stop is off its grid.
    """
    description = label or name
    if isinstance(spec, SELECTION_TYPES):
        if len(spec.options) == 0:
            raise ValueError(f"control {name!r}: the {type(spec).__name__} has no options")
        if not spec.description:
            spec.description = description
        return spec
    if isinstance(spec, widgets.IntSlider | widgets.FloatSlider):
        values = _arange_inclusive(name, (spec.min, spec.max, spec.step))
        nearest = min(range(len(values)), key=lambda i: abs(values[i] - spec.value))
        return widgets.SelectionSlider(
            options=[(_label(v), v) for v in values],
            index=nearest,
            description=spec.description or description,
            continuous_update=True,
            style=_STYLE,
        )
    if isinstance(spec, Mapping):
        labels = [str(key) for key in spec]
        _check_options(name, list(spec.values()), labels)
        return widgets.Dropdown(
            options=list(zip(labels, spec.values(), strict=True)),
            index=0,
            description=description,
            style=_STYLE,
        )
    if isinstance(spec, tuple):
        values = _arange_inclusive(name, spec)
    elif isinstance(spec, np.ndarray):
        if spec.ndim != 1:
            raise ValueError(f"control {name!r}: expected a 1-D array, got shape {spec.shape}")
        values = spec.tolist()
    elif isinstance(spec, Sequence) and not isinstance(spec, str | bytes):
        values = list(spec)
    else:
        raise TypeError(
            f"control {name!r}: expected a list of values, a (start, stop, step) tuple, a "
            f"dict {{label: value}} or a selection widget, got {type(spec).__name__} {spec!r}"
        )
    labels = [_label(v) for v in values]
    _check_options(name, values, labels)
    options = list(zip(labels, values, strict=True))
    if all(_is_number(v) for v in values):
        return widgets.SelectionSlider(
            options=options,
            index=0,
            description=description,
            continuous_update=True,
            style=_STYLE,
        )
    return widgets.Dropdown(options=options, index=0, description=description, style=_STYLE)


@contextmanager
def _no_show() -> Iterator[None]:
    """``plt.show`` does nothing inside (a frame is saved, never displayed)."""
    show = plt.show
    plt.show = lambda *args, **kwargs: None
    try:
        yield
    finally:
        plt.show = show


def render_frame(
    f: Callable[..., Any], values: Mapping[str, Any], *, dpi: float = DPI, quality: int = QUALITY
) -> bytes:
    """Call ``f(**values)`` and return its figure as WebP bytes; close what it opened.

    Parameters
    ----------
    f : callable
        Draws one figure with Matplotlib from keyword arguments ``values``; returns
        the ``Figure`` (or an ``Axes`` of it), or leaves exactly one new figure open.
    values : mapping of str to object
        The keyword arguments of this frame.
    dpi : float, optional
        Resolution of the frame (:data:`DPI`).
    quality : int, optional
        WebP quality, 1 to 100 (:data:`QUALITY`).

    Returns
    -------
    bytes
        The WebP image: white background (legible in dark mode) and the figure's own
        size (no tight bounding box, so the page does not jump between frames).

    Raises
    ------
    ValueError
        If ``f`` drew no figure, or several without returning one. An exception
        raised by ``f`` propagates with a note naming the frame's values.
    """
    before = set(plt.get_fignums())
    shown = ", ".join(f"{k}={_label(v)}" for k, v in values.items())
    try:
        with _no_show():
            try:
                returned = f(**values)
            except Exception as error:
                error.add_note(f"while drawing the frame {_name_of(f)}({shown})")
                raise
        opened = [plt.figure(n) for n in plt.get_fignums() if n not in before]
        if isinstance(returned, Figure):
            fig = returned
        elif isinstance(returned, Axes):
            fig = returned.figure
        elif len(opened) == 1:
            fig = opened[0]
        else:
            raise ValueError(
                f"{_name_of(f)}({shown}) returned {type(returned).__name__} and opened "
                f"{len(opened)} figures; expected it to return its Figure or to open "
                "exactly one (e.g. fig, ax = plt.subplots() ... return fig)"
            )
        buffer = io.BytesIO()
        fig.savefig(
            buffer, format="webp", dpi=dpi, facecolor="white", pil_kwargs={"quality": quality}
        )
        return buffer.getvalue()
    finally:
        for n in plt.get_fignums():
            if n not in before:
                plt.close(n)


class Explorable(widgets.VBox):
    """The widget :func:`explorable` returns: the controls above, the frames below.

    Parameters
    ----------
    f : callable
        The figure function, called as ``f(**values)`` for every grid point.
    controls : mapping of str to control spec
        One entry per keyword of ``f``; see :func:`as_control` for the specs.
    max_frames : int, optional
        Upper bound on the number of frames (:data:`MAX_FRAMES`).
    live : bool, optional
        In a kernel, redraw the frame on view from ``f`` whenever a control moves.
    labels : mapping of str to str, optional
        Visible descriptions of the controls (their names otherwise).
    initial : mapping of str to object, optional
        The value each named control shows first (its first value otherwise).

    Attributes
    ----------
    controls : dict of str to ipywidgets.Widget
        The selection widgets, in the order given.
    frames : dict of tuple of int to ipywidgets.Image
        One Image per grid point, keyed by the controls' indices in the order given;
        frame ``(i, j)`` carries the CSS classes ``nnbook-frame nnbook-frame-i-j``.
    view : ipywidgets.Stack
        The outermost Stack, whose level is the control with the fewest values.
    stacks : list of ipywidgets.Stack
        The nested Stacks, depth first, ``view`` first.
    links : list of ipywidgets.Link
        One ``jsdlink`` from a control's ``index`` to each Stack of its level, in the
        order of ``stacks``.
    frame_count : int
        The product of the controls' sizes.
    redraws : int
        How many times the observer redrew a frame (in a kernel).

    Raises
    ------
    ValueError
        If the grid asks for more than ``max_frames`` frames (the message says how
        many), or a value in ``initial`` is not on its control's grid.
    TypeError
        If ``f`` is not callable, a control spec is not understood, there is no
        control, or ``labels``/``initial`` name a control that does not exist.
    """

    def __init__(
        self,
        f: Callable[..., Any],
        controls: Mapping[str, Any],
        *,
        max_frames: int = MAX_FRAMES,
        live: bool = True,
        labels: Mapping[str, str] | None = None,
        initial: Mapping[str, Any] | None = None,
    ) -> None:
        if not callable(f):
            raise TypeError(f"expected a callable figure function, got {type(f).__name__}")
        if not controls:
            raise TypeError(f"explorable({_name_of(f)}): expected at least one control, got none")
        if not isinstance(max_frames, numbers.Integral) or max_frames < 1:
            raise ValueError(f"max_frames: expected a positive integer, got {max_frames!r}")
        labels, initial = dict(labels or {}), dict(initial or {})
        for option, given in (("labels", labels), ("initial", initial)):
            unknown = sorted(set(given) - set(controls))
            if unknown:
                raise TypeError(
                    f"{option} names {unknown}, which are not controls; the controls are "
                    f"{list(controls)}"
                )
        self._f = f
        self._names = list(controls)
        self.controls = {
            name: as_control(name, spec, label=labels.get(name)) for name, spec in controls.items()
        }
        sizes = [len(self.controls[name].options) for name in self._names]
        self.frame_count = math.prod(sizes)
        if self.frame_count > max_frames:
            grid = " × ".join(f"{n} ({k} values)" for n, k in zip(self._names, sizes, strict=True))
            raise ValueError(
                f"explorable({_name_of(f)}): the grid {grid} asks for {self.frame_count} "
                f"frames, more than max_frames={max_frames}; use fewer values per control "
                "(a coarser step) or fewer controls, or raise max_frames"
            )
        for name, value in initial.items():
            control = self.controls[name]
            matches = [i for i, v in enumerate(control._options_values) if _same(v, value)]
            if not matches:
                raise ValueError(
                    f"initial value of {name!r}: expected one of "
                    f"{[_label(v) for v in control._options_values]}, got {value!r}"
                )
            control.index = matches[0]
        for name, control in self.controls.items():
            control.add_class("nnbook-control")
            control.add_class(f"nnbook-control-{name}")

        # one Layout model shared by every frame and one by every Stack: a smaller state
        frame_layout = widgets.Layout(max_width="100%", height="auto")
        self.frames: dict[tuple[int, ...], widgets.Image] = {}
        for key in itertools.product(*(range(k) for k in sizes)):
            # No `tooltip` on an Image: in ipywidgets 8.1 it breaks every Image view (the
            # view reads a `description` that Image lacks). CSS classes name the frame.
            self.frames[key] = widgets.Image(
                value=render_frame(f, self._values(key)),
                format="webp",
                layout=frame_layout,
                _dom_classes=("nnbook-frame", "nnbook-frame-" + "-".join(map(str, key))),
            )

        # outermost level: the control with the fewest values (fewest Stacks and links)
        self._order = sorted(range(len(sizes)), key=lambda i: sizes[i])
        stack_layout = widgets.Layout()
        self.stacks: list[widgets.Stack] = []
        levels: list[widgets.Widget] = []  # the control of each Stack

        def build(level: int, chosen: dict[int, int]) -> widgets.Widget:
            if level == len(self._order):
                return self.frames[tuple(chosen[i] for i in range(len(sizes)))]
            position = self._order[level]
            control = self.controls[self._names[position]]
            stack = widgets.Stack(layout=stack_layout)
            self.stacks.append(stack)  # outermost first
            levels.append(control)
            stack.children = [
                build(level + 1, {**chosen, position: i}) for i in range(sizes[position])
            ]
            stack.selected_index = control.index
            return stack

        self.view = build(0, {})
        self.links: list[widgets.Link] = [
            widgets.jsdlink((control, "index"), (stack, "selected_index"))
            for control, stack in zip(levels, self.stacks, strict=True)
        ]
        self.redraws = 0
        super().__init__(children=[*self.controls.values(), self.view])
        self.add_class("nnbook-explorable")
        if live:
            for control in self.controls.values():
                control.observe(self._redraw, names="index")

    def _values(self, key: tuple[int, ...]) -> dict[str, Any]:
        # _options_values: the values behind the (label, value) options (ipywidgets 8)
        return {
            name: self.controls[name]._options_values[i]
            for name, i in zip(self._names, key, strict=True)
        }

    @property
    def key(self) -> tuple[int, ...]:
        """The indices of the values on display, in the order the controls were given."""
        return tuple(self.controls[name].index for name in self._names)

    @property
    def values(self) -> dict[str, Any]:
        """The values on display: the keyword arguments of the frame on view."""
        return self._values(self.key)

    @property
    def frame(self) -> widgets.Image:
        """The Image on view."""
        return self.frames[self.key]

    @property
    def frame_bytes(self) -> int:
        """The size of all frames, in bytes (what the page stores)."""
        return sum(len(image.value) for image in self.frames.values())

    def _redraw(self, change: object = None) -> None:
        """In a kernel: draw the frame on view again from the function, as ``interact``."""
        key = self.key
        if None in key:  # a control between two options
            return
        self.frames[key].value = render_frame(self._f, self._values(key))
        self.redraws += 1

    def __repr__(self) -> str:
        # the text/plain output nbval compares: stable, no model ids, no bytes
        grid = " × ".join(
            f"{name} ({len(control.options)})" for name, control in self.controls.items()
        )
        return f"Explorable({_name_of(self._f)}: {grid} = {self.frame_count} frames)"


def _same(a: object, b: object) -> bool:
    if _is_number(a) and _is_number(b):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    try:
        return bool(a == b) or a is b
    except (TypeError, ValueError):  # e.g. arrays: compare by identity
        return a is b


def explorable(
    f: Callable[..., Any],
    *,
    max_frames: int = MAX_FRAMES,
    live: bool = True,
    labels: Mapping[str, str] | None = None,
    initial: Mapping[str, Any] | None = None,
    **controls: Any,
) -> Explorable:
    """A figure that follows its controls, in the static HTML book and in a kernel.

    Every frame ``f(**values)`` of the grid the controls span is drawn now (see the
    module docstring for an example and the rules).

    Parameters
    ----------
    f : callable
        Draws one figure with Matplotlib from the controls' values, given as keywords.
    max_frames : int, optional
        Upper bound on the number of frames (:data:`MAX_FRAMES`, 150).
    live : bool, optional
        In a kernel, redraw the frame on view from ``f`` whenever a control moves.
    labels : mapping of str to str, optional
        Visible, accessible descriptions of the controls (their names otherwise).
    initial : mapping of str to object, optional
        The value each named control shows first (its first value otherwise).
    **controls
        One grid per keyword of ``f``: see :func:`as_control`.

    Returns
    -------
    Explorable
        The widget (not yet displayed): the controls, then the frame on view.

    Raises
    ------
    ValueError
        If the grid has more than ``max_frames`` points (the message says how many).
    TypeError
        If a control is not understood, or ``f`` has a parameter named like an option.
    """
    try:
        parameters = set(inspect.signature(f).parameters)
    except (TypeError, ValueError):  # a builtin without a signature: nothing to check
        parameters = set()
    clash = sorted(parameters & OPTIONS)
    if clash:
        raise TypeError(
            f"{_name_of(f)} has parameters {clash}, which explorable() takes as options; "
            f"rename them, or call Explorable({_name_of(f)}, {{...controls...}}) directly"
        )
    return Explorable(
        f, controls, max_frames=max_frames, live=live, labels=labels, initial=initial
    )
