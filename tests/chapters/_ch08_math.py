"""The SymPy checks of chapter 8, shared by its tests and its negative controls.

Each ``*_holds(closed_form)`` differentiates with SymPy and says whether the
closed form the caller passes equals the result: the chapter's form must give
True, the classic wrong forms False.
"""

from __future__ import annotations

import numpy as np
import sympy as sp


def sym_matrix(name: str, rows: int, cols: int) -> sp.Matrix:
    return sp.Matrix(rows, cols, sp.symbols(f"{name}0:{rows * cols}"))


def gradient(L, M: sp.Matrix) -> sp.Matrix:
    return M.applyfunc(lambda entry: sp.diff(L, entry))


def inner(A: sp.Matrix, B: sp.Matrix):
    return sum(A.multiply_elementwise(B))


def _zero(M: sp.Matrix) -> bool:
    return sp.simplify(M) == sp.zeros(*M.shape)


X, Y, G = sym_matrix("x", 2, 3), sym_matrix("y", 3, 2), sym_matrix("g", 2, 2)
G23 = sym_matrix("h", 2, 3)
B = sym_matrix("b", 1, 3)


def matmul_vjp_holds(dX, dY) -> bool:
    """dX(X, Y, G), dY(X, Y, G) against the gradients of <G, X Y>."""
    L = inner(G, X * Y)
    left, right = gradient(L, X), gradient(L, Y)
    try:
        return _zero(left - dX(X, Y, G)) and _zero(right - dY(X, Y, G))
    except sp.ShapeError:
        return False


def tanh_vjp_holds(dX) -> bool:
    """dX(X, G) against the gradient of <G, tanh(X)>."""
    L = inner(G23, X.applyfunc(sp.tanh))
    return _zero(gradient(L, X) - dX(X, G23))


def unbroadcast_holds(db) -> bool:
    """db(G) (shape (1, 3)) against the gradient of <G, X + 1 b^T> in b."""
    L = inner(G23, X + sp.ones(2, 1) * B)
    try:
        return _zero(gradient(L, B) - db(G23))
    except sp.ShapeError:
        return False


def cross_entropy_vjp_holds(dZ, labels=(2, 0)) -> bool:
    """dZ(P, E, batch) against the gradient of the mean cross-entropy (B = 2, K = 3)."""
    Z = sym_matrix("z", 2, 3)
    rows = [sp.log(sum(sp.exp(Z[i, k]) for k in range(3))) - Z[i, labels[i]] for i in range(2)]
    L = sum(rows) / 2
    P = sp.Matrix(2, 3, lambda i, k: sp.exp(Z[i, k]) / sum(sp.exp(Z[i, j]) for j in range(3)))
    E = sp.Matrix(2, 3, lambda i, k: 1 if k == labels[i] else 0)
    return _zero(gradient(L, Z) - dZ(P, E, 2))


def reverse_sweep(root, accumulate: bool = True) -> dict[int, np.ndarray]:
    """The chapter's twelve-line sweep over nnlib.autograd's graph (``=`` if not accumulate)."""
    order, seen = [], set()

    def visit(node):
        if id(node) not in seen:
            seen.add(id(node))
            for parent in node._parents:
                visit(parent)
            order.append(node)

    visit(root)
    adjoint = {id(root): np.ones_like(root.value)}
    for node in reversed(order):
        if node._vjp is None:
            continue
        for parent, g in zip(node._parents, node._vjp(adjoint[id(node)]), strict=True):
            if accumulate and id(parent) in adjoint:
                adjoint[id(parent)] = adjoint[id(parent)] + g
            else:
                adjoint[id(parent)] = g
    return adjoint
