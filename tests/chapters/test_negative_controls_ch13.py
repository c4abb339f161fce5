"""Negative controls for chapter 13's headline derivations.

The BPTT recursion is checked against SymPy's derivative of the unrolled loss of
a two-unit tanh RNN over T = 3 steps, and eq-rnn-power's closed form against
the induction A^0 = I, A^(T+1) = A A^T. Fed the classic wrong forms (no tanh
derivative, W_hh instead of its transpose, BPTT truncated to one step; the
eigenvalue powers on the wrong eigenvectors) the same checks must fail.
"""

from __future__ import annotations

import pytest
import sympy as sp

M, T = 2, 3
W_hh = sp.Matrix(M, M, lambda i, j: sp.Symbol(f"w_{i}{j}"))
W_xh = sp.Matrix(M, 1, lambda i, _: sp.Symbol(f"u_{i}"))
xs = [sp.Symbol(f"x_{t}") for t in range(1, T + 1)]
gs = [sp.Matrix(M, 1, lambda i, _, t=t: sp.Symbol(f"g_{t}{i}")) for t in range(1, T + 1)]
# numbers for the evaluation, so that the comparison is exact and fast
VALUES = {w: sp.Rational(k + 1, 7) * (-1) ** k for k, w in enumerate(W_hh)}
VALUES |= {u: sp.Rational(k + 2, 5) for k, u in enumerate(W_xh)}
VALUES |= {x: sp.Rational(t + 1, 3) * (-1) ** t for t, x in enumerate(xs)}
VALUES |= {g: sp.Rational(k + 1, 4) for k, g in enumerate(g for gt in gs for g in gt)}


def _states():
    h, hs = sp.zeros(M, 1), []
    for t in range(T):
        h = (W_hh * h + W_xh * xs[t]).applyfunc(sp.tanh)
        hs.append(h)
    return hs


HS = _states()
LOSS = sum((gs[t].T * HS[t])[0, 0] for t in range(T))
DERIVED = W_hh.applyfunc(lambda w: sp.diff(LOSS, w)).subs(VALUES).evalf(30)


def bptt_dw_hh(*, tanh_grad=True, transpose=True, carry=True):
    hs = [h.subs(VALUES) for h in HS]
    W = W_hh.subs(VALUES)
    dW, delta_next = sp.zeros(M, M), sp.zeros(M, 1)
    for t in range(T - 1, -1, -1):
        back = (W.T if transpose else W) * delta_next if carry else sp.zeros(M, 1)
        slope = hs[t].applyfunc(lambda h: 1 - h**2) if tanh_grad else sp.ones(M, 1)
        delta = (gs[t].subs(VALUES) + back).multiply_elementwise(slope)
        h_prev = sp.zeros(M, 1) if t == 0 else hs[t - 1]
        dW += delta * h_prev.T
        delta_next = delta
    return dW.evalf(30)


def matches(dW) -> bool:
    return max(abs(v) for v in (DERIVED - dW)) < 1e-20


def test_bptt_recursion_passes():
    assert matches(bptt_dw_hh())


@pytest.mark.parametrize(
    "wrong",
    [dict(tanh_grad=False), dict(transpose=False), dict(carry=False)],
    ids=["no tanh derivative", "W_hh not transposed", "truncated"],
)
def test_bptt_wrong_forms_fail(wrong):
    assert not matches(bptt_dw_hh(**wrong))


T_sym = sp.Symbol("T", integer=True, nonnegative=True)
A = sp.Matrix([[1, sp.Rational(1, 2)], [sp.Rational(1, 2), 1]])


def power_by_induction(closed) -> bool:
    return closed.subs(T_sym, 0) == sp.eye(2) and sp.simplify(
        closed.subs(T_sym, T_sym + 1) - A * closed
    ) == sp.zeros(2, 2)


def test_power_closed_form_passes():
    a, b = sp.Rational(3, 2) ** T_sym, sp.Rational(1, 2) ** T_sym
    assert power_by_induction(sp.Matrix([[a + b, a - b], [a - b, a + b]]) / 2)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda a, b: sp.Matrix([[a + b, b - a], [b - a, a + b]]) / 2,  # swapped eigenvectors
        lambda a, b: sp.Matrix([[a + b, a - b], [a - b, a + b]]),  # missing 1/2
        lambda a, b: sp.diag(a, b),  # eigenvalues without eigenvectors
    ],
    ids=["swapped eigenvectors", "missing 1/2", "diag(lambda^T)"],
)
def test_power_wrong_forms_fail(wrong):
    a, b = sp.Rational(3, 2) ** T_sym, sp.Rational(1, 2) ** T_sym
    assert not power_by_induction(wrong(a, b))


# ---------------------------------------------------------------------------------
# eq-rnn-lstm-dc: with h_{t-1} held fixed, dc_t/dc_{t-1} = diag(f_t). The classic
# wrong forms (the 1997 cell without a forget gate, which gives I; the tanh-RNN
# habit of a tanh' factor; the input gate in the place of the forget gate) fail.
# ---------------------------------------------------------------------------------
H_C = 2
A_F = sp.Matrix(sp.symbols("af_1:3"))  # forget-gate pre-activations
A_I = sp.Matrix(sp.symbols("ai_1:3"))
A_G = sp.Matrix(sp.symbols("ag_1:3"))
C_PREV = sp.Matrix(sp.symbols("c_1:3"))


def _sig(a):
    return a.applyfunc(lambda e: 1 / (1 + sp.exp(-e)))


F_GATE, I_GATE, G_CAND = _sig(A_F), _sig(A_I), A_G.applyfunc(sp.tanh)
C_T = F_GATE.multiply_elementwise(C_PREV) + I_GATE.multiply_elementwise(G_CAND)


def cell_jacobian_matches(stated) -> bool:
    return sp.simplify(C_T.jacobian(C_PREV) - stated) == sp.zeros(H_C, H_C)


def test_cell_jacobian_is_diag_f():
    assert cell_jacobian_matches(sp.diag(*F_GATE))


@pytest.mark.parametrize(
    "wrong",
    [
        sp.eye(H_C),
        sp.diag(*[F_GATE[k] * (1 - sp.tanh(C_PREV[k]) ** 2) for k in range(H_C)]),
        sp.diag(*I_GATE),
    ],
    ids=["no forget gate (identity)", "with a tanh' factor", "input gate for forget gate"],
)
def test_cell_jacobian_wrong_forms_fail(wrong):
    assert not cell_jacobian_matches(wrong)
