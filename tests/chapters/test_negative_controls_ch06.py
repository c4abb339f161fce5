"""Negative controls for chapter 6: each headline check, fed the classic wrong closed form, fails.

Every test runs the check the chapter runs (a SymPy derivation, an exact
enumeration) on the stated closed form, which must pass, and on the classic
wrong one, which must fail: the checks can tell them apart.
"""

from __future__ import annotations

import itertools

import sympy as sp

eta, lam = sp.symbols("eta lambda", positive=True)
mu, g = sp.symbols("mu g", positive=True)
t, k = sp.symbols("t k", integer=True, positive=True)


def _general_case(expr: sp.Expr) -> sp.Expr:
    """SymPy sums a geometric series as a Piecewise with a case for ratio 1; keep the other."""
    return expr.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: e.args[-1].expr)


def test_stability_threshold_control():
    stable = sp.solve_univariate_inequality(sp.Abs(1 - eta * lam) < 1, eta)
    assert stable == (eta < 2 / lam)
    assert stable != (eta < 1 / lam)  # "the step may not overshoot the minimum"
    assert stable != (eta < 2 / lam**2)


def test_momentum_geometric_sum_control():
    summed = _general_case(sp.Sum(mu ** (t - k) * g, (k, 1, t)).doit())
    stated = g * (1 - mu**t) / (1 - mu)
    assert sp.simplify(summed - stated) == 0
    # the EMA convention v = mu v + (1 - mu) g sums to g (1 - mu^t): no 1/(1 - mu) gain
    ema = _general_case(sp.Sum((1 - mu) * mu ** (t - k) * g, (k, 1, t)).doit())
    assert sp.simplify(ema - stated) != 0
    assert sp.simplify(ema - g * (1 - mu**t)) == 0
    assert sp.limit(stated.subs(mu, sp.Rational(9, 10)), t, sp.oo) == 10 * g
    assert sp.limit(ema.subs(mu, sp.Rational(9, 10)), t, sp.oo) != 10 * g


def test_adam_bias_correction_control():
    beta1 = sp.Symbol("beta_1", positive=True)
    Eg = sp.Symbol("Eg")
    E_m = _general_case(sp.Sum((1 - beta1) * beta1 ** (t - k) * Eg, (k, 1, t)).doit())
    assert sp.simplify(E_m - (1 - beta1**t) * Eg) == 0
    assert sp.simplify(E_m - Eg) != 0  # "m_t is an unbiased estimate": only after correction
    assert sp.simplify(E_m / (1 - beta1**t) - Eg) == 0  # m_hat is unbiased


def test_adam_first_step_control():
    b1, b2, g1 = sp.Rational(9, 10), sp.Rational(999, 1000), sp.Symbol("g_1", positive=True)
    m1, v1 = (1 - b1) * g1, (1 - b2) * g1**2
    corrected = (m1 / (1 - b1)) / sp.sqrt(v1 / (1 - b2))
    uncorrected = m1 / sp.sqrt(v1)
    assert sp.simplify(corrected - 1) == 0
    assert sp.simplify(uncorrected - 1) != 0  # Adam without bias correction
    assert sp.simplify(uncorrected - (1 - b1) / sp.sqrt(1 - b2)) == 0


def _nesterov_paths(steps: int, heavy_ball_instead: bool = False):
    """Sutskever's look-ahead form and PyTorch's form, for an abstract gradient g."""
    th0 = sp.Symbol("theta_0", real=True)
    grad = sp.Function("g")
    theta, v, phi, b = th0, sp.Integer(0), th0, sp.Integer(0)
    pairs = []
    for _ in range(steps):
        v = sp.expand(mu * v - eta * grad(sp.expand(theta + mu * v)))  # gradient at look-ahead
        theta = sp.expand(theta + v)
        g_phi = grad(sp.expand(phi))
        b = sp.expand(mu * b + g_phi)
        step = b if heavy_ball_instead else g_phi + mu * b
        phi = sp.expand(phi - eta * step)
        pairs.append((phi, theta + mu * v))
    return pairs


def test_nesterov_reformulation_control():
    # PyTorch's iterate is Sutskever's look-ahead point theta_t + mu v_t, step after step
    assert all(sp.expand(a - b) == 0 for a, b in _nesterov_paths(3))
    # heavy-ball momentum is not: the check tells the two methods apart
    assert not all(sp.expand(a - b) == 0 for a, b in _nesterov_paths(3, heavy_ball_instead=True))


def test_robbins_monro_control():
    n = sp.Symbol("n", integer=True, positive=True)

    def robbins_monro(rate: sp.Expr) -> bool:
        return (not sp.Sum(rate, (n, 1, sp.oo)).is_convergent()) and bool(
            sp.Sum(rate**2, (n, 1, sp.oo)).is_convergent()
        )

    assert robbins_monro(1 / n)
    assert robbins_monro(n ** sp.Rational(-3, 4))
    assert not robbins_monro(1 / sp.sqrt(n))  # sum of squares diverges
    assert not robbins_monro(1 / n**2)  # sum converges: the steps die too soon


def test_minibatch_unbiasedness_by_exact_enumeration_control():
    # per-example "gradients" of a 1-D problem; every minibatch of size B without replacement
    grads = [sp.Rational(v) for v in (3, -1, 4, 1, -5, 9)]
    N, B = len(grads), 2
    full = sum(grads) / N
    sigma2 = sum((gi - full) ** 2 for gi in grads) / N
    means = [sum(c) / B for c in itertools.combinations(grads, B)]
    mean = sum(means) / len(means)
    var = sum((m - full) ** 2 for m in means) / len(means)
    assert mean == full
    assert var == sigma2 / B * sp.Rational(N - B, N - 1)  # finite-population correction
    assert var != sigma2 / B  # the with-replacement variance is the wrong form here
    assert var != sigma2  # the minibatch does reduce the variance
