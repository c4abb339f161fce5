"""The checkers of chapter 6's exercises accept the reference and reject typical slips."""

from __future__ import annotations

import numpy as np

from nnbook.exercises.gd import check_adam_step, check_max_stable_lr, check_momentum_step


def momentum_ok(theta, v, g, lr, mu):
    v_new = mu * v + g
    return theta - lr * v_new, v_new


def momentum_old_velocity(theta, v, g, lr, mu):  # steps with the OLD velocity
    return theta - lr * v, mu * v + g


def momentum_damped(theta, v, g, lr, mu):  # the (1 - mu) convention of some texts
    v_new = mu * v + (1 - mu) * g
    return theta - lr * v_new, v_new


def adam_ok(theta, m, v, g, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g**2
    return theta - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps), m, v


def adam_no_bias_correction(theta, m, v, g, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g**2
    return theta - lr * m / (np.sqrt(v) + eps), m, v


def adam_returns_corrected(theta, m, v, g, t, lr, b1, b2, eps):
    m = (b1 * m + (1 - b1) * g) / (1 - b1**t)
    v = (b2 * v + (1 - b2) * g**2) / (1 - b2**t)
    return theta - lr * m / (np.sqrt(v) + eps), m, v


def test_momentum_checker():
    assert check_momentum_step(momentum_ok)
    assert not check_momentum_step(momentum_old_velocity)
    assert not check_momentum_step(momentum_damped)
    result = check_momentum_step(lambda *a: (_ for _ in ()).throw(NotImplementedError))
    assert not result and "not written yet" in repr(result)


def test_momentum_checker_accepts_a_list():
    assert check_momentum_step(lambda *a: list(momentum_ok(*a)))


def test_adam_checker():
    assert check_adam_step(adam_ok)
    assert not check_adam_step(adam_no_bias_correction)
    result = check_adam_step(adam_returns_corrected)
    assert not result and "hint" in repr(result)


def test_max_stable_lr_checker():
    assert check_max_stable_lr(lambda A: 2.0 / np.linalg.eigvalsh(A).max())
    assert not check_max_stable_lr(lambda A: 1.0 / np.linalg.eigvalsh(A).max())
    assert not check_max_stable_lr(lambda A: 2.0 / np.max(np.diag(A)))  # diagonal, not eigenvalues
