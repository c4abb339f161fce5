"""The plots the chapters repeat: learning curves, decision regions, optimizer paths.

Each function draws on a Matplotlib ``Axes`` (a new figure when ``ax`` is not
given) and returns what it drew on, so a chapter adds its own title, caption or
annotations::

    import matplotlib.pyplot as plt

    from nnbook import figures

    history = fit(model, loss, optimizer, X, y, epochs=50, batch_size=32, rng=0)
    figures.learning_curves(history)
    plt.show()

    ax = figures.decision_regions(lambda P: model.predict(P).argmax(axis=1), X, y)
    ax.set_title("an MLP bends the boundary")
    plt.show()

    figures.optimizer_paths(f, {"GD": path_gd, "Adam": path_adam}, box=(-2, 2, -1, 3),
                            optima=[(1, 1)])
    plt.show()
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

__all__ = ["decision_grid", "decision_regions", "learning_curves", "optimizer_paths"]

#: Light fills of the regions and darker colours of the points, class by class.
REGION_COLORS = ("#9ecae1", "#fdae6b", "#a1d99b", "#bcbddc", "#fc9272", "#d9d9d9")
POINT_COLORS = ("#3182bd", "#e6550d", "#31a354", "#756bb1", "#de2d26", "#636363")


def learning_curves(history: Any, axes: Any = None) -> Any:
    """Plot the learning curves of a :class:`nnlib.train.History`: loss, and accuracy.

    Parameters
    ----------
    history : nnlib.train.History
        ``loss`` (and ``val_loss``) per epoch; ``accuracy`` (and ``val_accuracy``)
        for a classification loss.
    axes : matplotlib Axes or array of two Axes, optional
        Where to draw; by default a new figure with one panel (loss) or two (loss,
        accuracy).

    Returns
    -------
    matplotlib Axes or numpy.ndarray of Axes
        The array of the new figure's Axes, or ``axes`` as given.
    """
    n_panels = 2 if history.accuracy else 1
    if axes is None:
        _, axes = plt.subplots(1, n_panels, figsize=(5 * n_panels, 3.5), squeeze=False)
        axes = axes[0]
    axes_list = list(np.atleast_1d(axes))
    ax = axes_list[0]
    ax.plot(history.epochs, history.loss, label="train")
    if history.val_loss:
        ax.plot(history.epochs, history.val_loss, label="validation")
    ax.set(xlabel="epoch", ylabel="loss", title="loss")
    ax.legend()
    if history.accuracy and len(axes_list) > 1:
        ax = axes_list[1]
        ax.plot(history.epochs, history.accuracy, label="train")
        if history.val_accuracy:
            ax.plot(history.epochs, history.val_accuracy, label="validation")
        ax.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
        ax.legend()
    return axes


def _points(X: object, name: str, where: str) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(f"{where}: expected {name} of shape (n, 2), n >= 1, got {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{where}: expected finite values in {name}, got NaN or infinity")
    return X


def _box(box: Sequence[float], where: str) -> tuple[float, float, float, float]:
    if len(box) != 4:
        raise ValueError(f"{where}: expected box = (x0, x1, y0, y1), got {box!r}")
    x0, x1, y0, y1 = (float(v) for v in box)
    if not (x0 < x1 and y0 < y1) or not np.all(np.isfinite([x0, x1, y0, y1])):
        raise ValueError(f"{where}: expected finite x0 < x1 and y0 < y1, got {box!r}")
    return x0, x1, y0, y1


def decision_grid(
    predict: Callable[[np.ndarray], Any],
    box: Sequence[float],
    resolution: int | tuple[int, int] = 200,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The class ``predict`` gives every point of a grid over ``box``.

    Parameters
    ----------
    predict : callable
        Maps points of shape (m, 2) to class labels of shape (m,) (integers >= 0, or
        booleans for two classes).
    box : (x0, x1, y0, y1)
        The rectangle the grid spans.
    resolution : int or (int, int), optional
        Grid points along x and y.

    Returns
    -------
    GX, GY, labels : numpy.ndarray, each of shape (ny, nx)
        The grid's coordinates (``numpy.meshgrid``) and the predicted label of each
        point, as integers.

    Raises
    ------
    ValueError
        If ``predict`` returns another shape than (m,) or labels that are not
        non-negative integers.
    """
    where = "decision_grid"
    x0, x1, y0, y1 = _box(box, where)
    nx, ny = (resolution, resolution) if np.isscalar(resolution) else resolution
    GX, GY = np.meshgrid(np.linspace(x0, x1, int(nx)), np.linspace(y0, y1, int(ny)))
    points = np.column_stack([GX.ravel(), GY.ravel()])
    labels = np.asarray(predict(points))
    if labels.shape != (len(points),):
        raise ValueError(
            f"{where}: expected predict to return labels of shape ({len(points)},) for "
            f"points of shape {points.shape}, got {labels.shape}"
        )
    if labels.dtype.kind == "b":
        labels = labels.astype(int)
    if labels.dtype.kind not in "iu" or (labels.size and labels.min() < 0):
        raise ValueError(
            f"{where}: expected non-negative integer (or boolean) labels from predict, got "
            f"dtype {labels.dtype} with minimum {labels.min() if labels.size else None}"
        )
    return GX, GY, labels.reshape(GX.shape)


def decision_regions(
    predict: Callable[[np.ndarray], Any],
    X: object,
    y: object,
    *,
    ax: Axes | None = None,
    box: Sequence[float] | None = None,
    padding: float = 0.5,
    resolution: int | tuple[int, int] = 200,
) -> Axes:
    """Fill the plane by the class ``predict`` gives it, and show the labelled points.

    Parameters
    ----------
    predict : callable
        Points of shape (m, 2) -> class labels of shape (m,); see :func:`decision_grid`.
    X : array_like, shape (n, 2)
        The data points.
    y : array_like of int, shape (n,)
        Their classes (integers >= 0, or booleans).
    ax : matplotlib Axes, optional
        Where to draw (a new 5 x 4 in figure otherwise).
    box : (x0, x1, y0, y1), optional
        The rectangle to fill; by default the data's bounding box grown by ``padding``.
    padding : float, optional
        Margin around the data when ``box`` is not given.
    resolution : int or (int, int), optional
        Grid points along x and y.

    Returns
    -------
    matplotlib Axes
    """
    where = "decision_regions"
    X = _points(X, "X", where)
    y = np.asarray(y)
    if y.shape != (len(X),):
        raise ValueError(f"{where}: expected y of shape ({len(X)},), got {y.shape}")
    y = y.astype(int)
    if box is None:
        lo, hi = X.min(axis=0) - padding, X.max(axis=0) + padding
        box = (lo[0], hi[0], lo[1], hi[1])
    GX, GY, labels = decision_grid(predict, box, resolution)
    n_classes = int(max(labels.max(), y.max())) + 1
    if n_classes > len(REGION_COLORS):
        raise ValueError(
            f"{where}: expected at most {len(REGION_COLORS)} classes, got {n_classes}"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    ax.contourf(
        GX,
        GY,
        labels.astype(float),
        levels=np.arange(n_classes + 1) - 0.5,
        colors=REGION_COLORS[:n_classes],
        alpha=0.6,
    )
    for k in range(n_classes):
        if np.any(y == k):
            ax.scatter(*X[y == k].T, s=10, color=POINT_COLORS[k], label=f"class {k}")
    ax.set(xlim=(box[0], box[1]), ylim=(box[2], box[3]), xlabel="$x_1$", ylabel="$x_2$")
    ax.legend(loc="best", fontsize=8)
    return ax


def optimizer_paths(
    f: Callable[[np.ndarray], Any],
    paths: Mapping[str, object],
    *,
    box: Sequence[float],
    ax: Axes | None = None,
    optima: Sequence[Sequence[float]] = (),
    n_levels: int = 25,
    resolution: int = 200,
) -> Axes:
    """Optimizer trajectories on the contour lines of a function of two variables.

    Contour levels are spaced by quantiles of ``f`` over the box (squared, so they
    crowd near the minimum): a function that spans many orders of magnitude, such as
    Rosenbrock's, still shows its valley.

    Parameters
    ----------
    f : callable
        Maps points of shape (..., 2) to values of shape (...) (vectorised).
    paths : mapping of str to array_like, shape (T, 2)
        One trajectory per label, iterates in order; each starts with a black dot.
    box : (x0, x1, y0, y1)
        The rectangle shown.
    ax : matplotlib Axes, optional
        Where to draw (a new 6 x 4.5 in figure otherwise).
    optima : sequence of (x, y), optional
        Minimisers (or saddles) to mark with a star.
    n_levels : int, optional
        Number of contour levels before duplicates are merged.
    resolution : int, optional
        Grid points along each axis for the contours.

    Returns
    -------
    matplotlib Axes
    """
    where = "optimizer_paths"
    x0, x1, y0, y1 = _box(box, where)
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    fz = np.asarray(f(np.stack([gx, gy], axis=-1)), dtype=float)
    if fz.shape != gx.shape:
        raise ValueError(
            f"{where}: expected f to map points of shape {(*gx.shape, 2)} to values of "
            f"shape {gx.shape}, got {fz.shape}"
        )
    if not np.all(np.isfinite(fz)):
        raise ValueError(f"{where}: expected finite values of f on the box, got NaN or inf")
    checked = {label: _points(path, f"path {label!r}", where) for label, path in paths.items()}
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5))
    levels = np.unique(np.quantile(fz, np.linspace(0, 1, n_levels) ** 2))
    if len(levels) > 1:
        ax.contour(gx, gy, fz, levels=levels, colors="0.75", linewidths=0.6)
    for label, path in checked.items():
        ax.plot(path[:, 0], path[:, 1], ".-", ms=2, lw=1.2, label=label, alpha=0.9)
        ax.plot(*path[0], "ko", ms=5)
    for point in optima:
        ax.plot(*point, "*", ms=14, color="white", mec="k")
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="$x$", ylabel="$y$")
    if checked:
        ax.legend(fontsize=8, loc="lower left")
    return ax
