"""SymPy counterparts of nnlib's functions, and a checker that compares the two.

The chapters derive gradients with SymPy and then check that nnlib computes
the same numbers.  This module provides the symbolic side:

* activations :func:`sigmoid`, :func:`tanh`, :func:`relu`, :func:`leaky_relu`,
  :func:`softmax`, and the losses :func:`mse`, :func:`binary_cross_entropy`,
  :func:`cross_entropy`, written exactly as in the book;
* :func:`softmax_jacobian` (a ``K x K`` matrix of derivatives);
* :class:`SymbolicNetwork` / :func:`symbolic_mlp`: a small network with
  symbolic weights, its forward expression and loss, and gradients by
  differentiation;
* :func:`compare_with_sympy`: lambdify an expression and compare it with a
  NumPy function at seeded random points (returns the max relative error).

Example
-------
>>> import sympy as sp, numpy as np
>>> from nnlib import symbolic as S, activations as A
>>> z = sp.Symbol("z", real=True)
>>> dsigma = sp.diff(S.sigmoid(z), z)
>>> S.compare_with_sympy(dsigma, [z], lambda v: A.sigmoid_grad(v[0])) < 1e-12
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import sympy as sp

from nnlib._validation import as_rng, check_positive_int
from nnlib.gradcheck import relative_error

__all__ = [
    "SymbolicNetwork",
    "binary_cross_entropy",
    "compare_with_sympy",
    "cross_entropy",
    "identity",
    "leaky_relu",
    "mse",
    "relu",
    "sigmoid",
    "softmax",
    "softmax_jacobian",
    "symbolic_mlp",
    "tanh",
    "vector",
]

ExprLike: TypeAlias = "sp.Expr | float | int"


def vector(name: str, n: int) -> list[sp.Symbol]:
    """Real symbols ``name1 .. name<n>``, e.g. ``vector("z", 3) == [z1, z2, z3]``."""
    n = check_positive_int(n, "n", "vector")
    return list(sp.symbols(f"{name}1:{n + 1}", real=True))


def _as_list(v: Sequence[ExprLike] | sp.MatrixBase) -> list[sp.Expr]:
    if isinstance(v, sp.MatrixBase):
        return list(v)
    return [sp.sympify(e) for e in v]


# -- activations ------------------------------------------------------------------------
def sigmoid(z: ExprLike) -> sp.Expr:
    """:math:`\\sigma(z) = 1/(1+e^{-z})`."""
    return 1 / (1 + sp.exp(-z))


def tanh(z: ExprLike) -> sp.Expr:
    """:math:`\\tanh z`."""
    return sp.tanh(z)


def relu(z: ExprLike) -> sp.Expr:
    """:math:`\\max(0, z)` as a ``Piecewise`` (its derivative is 1 for z > 0, else 0)."""
    return sp.Piecewise((z, z > 0), (0, True))


def leaky_relu(z: ExprLike, alpha: ExprLike | None = None) -> sp.Expr:
    """:math:`\\max(\\alpha z, z)` for :math:`0<\\alpha<1`, as a ``Piecewise``.

    ``alpha`` defaults to ``Rational(1, 100)`` (nnlib's default 0.01).
    """
    if alpha is None:
        alpha = sp.Rational(1, 100)
    return sp.Piecewise((z, z > 0), (alpha * z, True))


def identity(z: ExprLike) -> sp.Expr:
    """:math:`z` (a linear output layer)."""
    return sp.sympify(z)


_ACTIVATIONS: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "identity": identity,
}


def softmax(z: Sequence[ExprLike] | sp.MatrixBase) -> sp.Matrix:
    """:math:`\\mathrm{softmax}(z)_k = e^{z_k} / \\sum_j e^{z_j}` as a ``K x 1`` Matrix."""
    zs = _as_list(z)
    denom = sum(sp.exp(zj) for zj in zs)
    return sp.Matrix([sp.exp(zk) / denom for zk in zs])


def softmax_jacobian(z: int | Sequence[ExprLike] | sp.MatrixBase) -> sp.Matrix:
    """Softmax Jacobian by differentiation.

    .. math::

        J_{kj} = \\frac{\\partial\\,\\mathrm{softmax}(z)_k}{\\partial z_j}

    Parameters
    ----------
    z : int or sequence of symbols
        ``K`` (then the symbols are ``vector("z", K)``) or the logit symbols.

    Returns
    -------
    sympy.Matrix, shape (K, K)
        Equals :math:`\\mathrm{diag}(p) - p p^\\top` (the tests check this).
    """
    zs = vector("z", z) if isinstance(z, int) else _as_list(z)
    return softmax(zs).jacobian(sp.Matrix(zs))


# -- losses -----------------------------------------------------------------------------
def mse(a: Sequence[ExprLike] | sp.MatrixBase, y: Sequence[ExprLike] | sp.MatrixBase) -> sp.Expr:
    """:math:`L = \\tfrac12 \\sum_j (a_j - y_j)^2` (one example)."""
    return sp.Rational(1, 2) * sum(
        (aj - yj) ** 2 for aj, yj in zip(_as_list(a), _as_list(y), strict=True)
    )


def binary_cross_entropy(p: ExprLike, y: ExprLike, *, from_logits: bool = False) -> sp.Expr:
    """:math:`L = -(y \\log p + (1-y) \\log(1-p))`.

    With ``from_logits=True`` the first argument is the logit :math:`z` and
    :math:`p = \\sigma(z)`.
    """
    if from_logits:
        p = sigmoid(p)
    return -(y * sp.log(p) + (1 - y) * sp.log(1 - p))


def cross_entropy(
    pred: Sequence[ExprLike] | sp.MatrixBase,
    y: Sequence[ExprLike] | sp.MatrixBase,
    *,
    from_logits: bool = True,
) -> sp.Expr:
    """:math:`L = -\\sum_k y_k \\log p_k`, with :math:`p = \\mathrm{softmax}(z)` for logits.

    Parameters
    ----------
    pred : sequence of expressions, length K
        Logits :math:`z` (``from_logits=True``) or probabilities :math:`p`.
    y : sequence, length K
        One-hot (or probability) target.
    """
    p = _as_list(softmax(pred)) if from_logits else _as_list(pred)
    return -sum(yk * sp.log(pk) for yk, pk in zip(_as_list(y), p, strict=True))


# -- a small network --------------------------------------------------------------------
@dataclass
class SymbolicNetwork:
    """A fully connected network with symbolic weights (build with :func:`symbolic_mlp`).

    For layer :math:`l = 1..L`: :math:`z^l = W^l a^{l-1} + b^l`,
    :math:`a^l = \\sigma^l(z^l)`, :math:`a^0 = x`; the hidden layers use
    ``activation`` and the last layer ``output_activation`` (default
    ``"identity"``: logits, like :func:`nnlib.network.mlp`).

    Attributes
    ----------
    sizes : list of int
    x : sympy.Matrix, shape (m_0, 1)
        Input symbols ``x1 .. x<m0>``.
    W : list of sympy.Matrix, shapes (m_l, m_{l-1})
        ``W[l-1][j, k]`` is the symbol ``W<l>_<j+1><k+1>``.
    b : list of sympy.Matrix, shapes (m_l, 1)
    z, a : list of sympy.Matrix
        Pre-activations and activations of layers 1..L.
    output : sympy.Matrix, shape (m_L, 1)
        :math:`a^L`, the forward expression.
    """

    sizes: list[int]
    activation: str = "tanh"
    output_activation: str = "identity"
    x: sp.Matrix = field(init=False)
    W: list[sp.Matrix] = field(init=False)
    b: list[sp.Matrix] = field(init=False)
    z: list[sp.Matrix] = field(init=False)
    a: list[sp.Matrix] = field(init=False)

    def __post_init__(self) -> None:
        where = "SymbolicNetwork"
        if len(self.sizes) < 2:
            raise ValueError(f"{where}: expected at least 2 sizes, got {self.sizes}")
        for name in (self.activation, self.output_activation):
            if name not in _ACTIVATIONS:
                raise ValueError(
                    f"{where}: expected activation in {tuple(_ACTIVATIONS)}, got {name!r}"
                )
        self.x = sp.Matrix(vector("x", self.sizes[0]))
        self.W, self.b, self.z, self.a = [], [], [], []
        a = self.x
        L = len(self.sizes) - 1
        sep = "" if max(self.sizes) < 10 else "_"
        for l in range(1, L + 1):  # noqa: E741  (the book's layer index)
            m_out, m_in = self.sizes[l], self.sizes[l - 1]
            W = sp.Matrix(
                m_out, m_in, lambda j, k, n=l: sp.Symbol(f"W{n}_{j + 1}{sep}{k + 1}", real=True)
            )
            b = sp.Matrix(m_out, 1, lambda j, _, n=l: sp.Symbol(f"b{n}_{j + 1}", real=True))
            z = W * a + b
            sigma = _ACTIVATIONS[self.output_activation if l == L else self.activation]
            a = z.applyfunc(sigma)
            self.W.append(W)
            self.b.append(b)
            self.z.append(z)
            self.a.append(a)

    @property
    def output(self) -> sp.Matrix:
        """:math:`a^L`."""
        return self.a[-1]

    @property
    def params(self) -> list[sp.Symbol]:
        """All parameter symbols in nnlib's order: ``W1`` (row-major), ``b1``, ``W2``, ..."""
        out: list[sp.Symbol] = []
        for W, b in zip(self.W, self.b, strict=True):
            out += list(W) + list(b)
        return out

    def loss(self, kind: str = "mse") -> tuple[sp.Matrix, sp.Expr]:
        """Loss of one example and the target symbols.

        Parameters
        ----------
        kind : {"mse", "cross_entropy"}
            ``"cross_entropy"`` treats the output as logits.

        Returns
        -------
        y : sympy.Matrix, shape (m_L, 1)
            Target symbols ``y1 ..``.
        L : sympy.Expr
        """
        y = sp.Matrix(vector("y", self.sizes[-1]))
        if kind == "mse":
            return y, mse(self.output, y)
        if kind == "cross_entropy":
            return y, cross_entropy(self.output, y, from_logits=True)
        raise ValueError(
            f"SymbolicNetwork.loss: expected kind 'mse' or 'cross_entropy', got {kind!r}"
        )

    def gradients(self, expr: sp.Expr) -> list[tuple[sp.Matrix, sp.Matrix]]:
        """Per-layer :math:`\\partial L/\\partial W^l` and :math:`\\partial L/\\partial b^l`."""
        grads = []
        for W, b in zip(self.W, self.b, strict=True):
            dW = W.applyfunc(lambda w: sp.diff(expr, w))
            db = b.applyfunc(lambda c: sp.diff(expr, c))
            grads.append((dW, db))
        return grads

    def substitutions(self, model: Any) -> dict[sp.Symbol, float]:
        """Map the weight symbols to the values of an nnlib network of the same shape.

        Parameters
        ----------
        model : Sequential
            E.g. ``mlp(net.sizes, activation=net.activation)``: its ``Dense``
            layers, in order, must have the shapes of ``W`` and ``b``.
        """
        values = [p.value for p in model.parameters()]
        symbols = [m for W, b in zip(self.W, self.b, strict=True) for m in (W, b)]
        if len(values) != len(symbols):
            raise ValueError(
                f"SymbolicNetwork.substitutions: expected {len(symbols)} parameter arrays, "
                f"got {len(values)}"
            )
        subs: dict[sp.Symbol, float] = {}
        for M, v in zip(symbols, values, strict=True):
            v = np.asarray(v).reshape(M.shape)
            if M.shape != v.shape:  # pragma: no cover - reshape would have raised
                raise ValueError("shape mismatch")
            for idx in np.ndindex(*M.shape):
                subs[M[idx]] = float(v[idx])
        return subs


def symbolic_mlp(
    sizes: Sequence[int], activation: str = "tanh", output_activation: str = "identity"
) -> SymbolicNetwork:
    """Build a :class:`SymbolicNetwork` (the SymPy twin of :func:`nnlib.network.mlp`).

    Parameters
    ----------
    sizes : sequence of int
        Layer widths ``[m_0, ..., m_L]`` (keep them small: the expressions grow fast).
    activation : {"sigmoid", "tanh", "relu", "leaky_relu", "identity"}
    output_activation : str
        Default ``"identity"`` (logits).
    """
    return SymbolicNetwork(list(sizes), activation, output_activation)


# -- the checker ------------------------------------------------------------------------
def compare_with_sympy(
    expr: sp.Expr | sp.MatrixBase,
    symbols: Sequence[sp.Symbol],
    numeric_fn: Callable[[np.ndarray], np.ndarray | float],
    *,
    n_points: int = 20,
    low: float = -3.0,
    high: float = 3.0,
    rng: np.random.Generator | int | None = 0,
    points: np.ndarray | None = None,
) -> float:
    """Compare a SymPy expression with a NumPy function at random points.

    The expression is lambdified (``sympy.lambdify(symbols, expr, "numpy")``)
    and both sides are evaluated at ``n_points`` points :math:`v` drawn from
    :math:`U[\\text{low}, \\text{high}]^n` with ``rng`` (seeded: the check is
    reproducible).  The result is the largest :func:`~nnlib.gradcheck.relative_error`
    over the points.

    Parameters
    ----------
    expr : sympy expression or Matrix
        The symbolic result, e.g. a derivative.
    symbols : sequence of sympy.Symbol, length n
        The free symbols, in the order ``numeric_fn`` expects them.
    numeric_fn : callable
        ``numeric_fn(v) -> array`` for ``v`` a float64 array of shape ``(n,)``;
        its result is compared with ``expr`` after flattening both (so a
        ``(K, K)`` Jacobian can be compared with a ``K x K`` Matrix).
    n_points : int
    low, high : float
        Sampling box (ignored if ``points`` is given).
    rng : numpy.random.Generator or int or None
        Default seed 0.
    points : numpy.ndarray, shape (n_points, n), optional
        Use these points instead of random ones.

    Returns
    -------
    float
        :math:`\\max_v \\mathrm{err}(\\text{expr}(v), \\text{numeric\\_fn}(v))`.
    """
    symbols = list(symbols)
    f = sp.lambdify(symbols, expr, "numpy")
    if points is None:
        rng = as_rng(rng, "compare_with_sympy")
        points = rng.uniform(
            low,
            high,
            size=(check_positive_int(n_points, "n_points", "compare_with_sympy"), len(symbols)),
        )
    points = np.asarray(points, dtype=np.float64).reshape(-1, len(symbols))
    worst = 0.0
    for v in points:
        expected = np.asarray(f(*v), dtype=np.float64).ravel()
        got = np.asarray(numeric_fn(v.copy()), dtype=np.float64).ravel()
        if expected.size == 1 and got.size == 1:
            expected, got = expected.reshape(1), got.reshape(1)
        if expected.shape != got.shape:
            raise ValueError(
                f"compare_with_sympy: expected numeric_fn to return {expected.size} values, "
                f"got {got.size}"
            )
        worst = max(worst, relative_error(got, expected))
    return worst
