"""Chapter 6's checkers accept right answers, reject wrong ones and name each classic mistake."""

from __future__ import annotations

import numpy as np
import pytest

from nnbook.exercises.gd import (
    ADAM_STEP_MISTAKES,
    MAX_STABLE_LR_MISTAKES,
    MOMENTUM_STEP_MISTAKES,
    NESTEROV_STEP_MISTAKES,
    check_adam_step,
    check_max_stable_lr,
    check_momentum_step,
    check_nesterov_step,
)


# -- right answers, in forms other than the references' --------------------------------
def momentum_ok(theta, v, g, lr, mu):
    v_new = mu * v + g
    return theta - lr * v_new, v_new


def momentum_ok_copying(theta, v, g, lr, mu):  # copies, then updates the copies in place
    theta, v = theta.copy(), v.copy()
    v *= mu
    v += g
    theta -= lr * v
    return [theta, v]


def nesterov_ok(theta, v, g, lr, mu):  # the look-ahead written as (1 + mu) g + mu^2 v
    return theta - lr * ((1 + mu) * g + mu**2 * v), mu * v + g


def adam_ok(theta, m, v, g, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g**2
    return theta - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps), m, v


def adam_ok_torch_arrangement(theta, m, v, g, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    denom = np.sqrt(v) / np.sqrt(1 - b2**t) + eps
    return theta - (lr / (1 - b1**t)) * m / denom, m, v


def test_checkers_accept_right_answers():
    assert check_momentum_step(momentum_ok)
    assert check_momentum_step(momentum_ok_copying)  # a list is fine, so is copying
    assert check_nesterov_step(nesterov_ok)
    assert check_adam_step(adam_ok)
    assert check_adam_step(adam_ok_torch_arrangement)
    assert check_max_stable_lr(lambda A: 2.0 / np.linalg.eigvalsh(A).max())
    assert check_max_stable_lr(lambda A: 2.0 / np.linalg.norm(A, 2))  # SPD: same thing


def test_unwritten_answers_say_so():
    def unwritten(*args):
        raise NotImplementedError

    for check in (check_momentum_step, check_nesterov_step, check_adam_step, check_max_stable_lr):
        result = check(unwritten)
        assert not result and "not written yet" in repr(result)


def test_a_step_that_mutates_its_inputs_fails():
    def in_place(theta, v, g, lr, mu):  # right values, but the reader's arrays are changed
        v *= mu
        v += g
        theta -= lr * v
        return theta, v

    result = check_momentum_step(in_place)
    assert not result and "modified its input in place" in result.message


def test_a_raising_answer_shows_the_hint():
    def boom(theta, v, g, lr, mu):
        raise ValueError("shapes")

    result = check_momentum_step(boom)
    assert "raised ValueError" in result.message and "hint:" in result.message


# -- every classic mistake, written independently of the catalogue, is named ----------
def _sutskever(theta, v, g, lr, mu):
    u = mu * v - lr * g
    return theta + u, u


WRONG = [
    (check_momentum_step, lambda th, v, g, lr, mu: (th - lr * (mu * v + (1 - mu) * g),
                                                    mu * v + (1 - mu) * g), "EMA convention"),
    (check_momentum_step, _sutskever, "Sutskever"),
    (check_momentum_step, lambda th, v, g, lr, mu: (th - lr * v, mu * v + g), "OLD velocity"),
    (check_momentum_step, lambda th, v, g, lr, mu: (mu * v + g, th - lr * (mu * v + g)),
     "swapped"),
    (check_momentum_step, lambda th, v, g, lr, mu: (th - lr * (g + mu * (mu * v + g)),
                                                    mu * v + g), "Nesterov"),
    (check_momentum_step, lambda th, v, g, lr, mu: (th - lr * g, mu * v + g), "plain gradient"),
    (check_nesterov_step, momentum_ok, "heavy-ball"),
    (check_nesterov_step, lambda th, v, g, lr, mu: (th - lr * (g + mu * (mu * v + g)),
                                                    g + mu * (mu * v + g)), "look-ahead"),
    (check_nesterov_step, lambda th, v, g, lr, mu: (
        th - lr * (g + mu * (mu * v + (1 - mu) * g)), mu * v + (1 - mu) * g), "EMA convention"),
    (check_nesterov_step, lambda th, v, g, lr, mu: (th - lr * (1 + mu) * (mu * v + g),
                                                    mu * v + g), "(1 + mu)*v_new"),
]


def _adam_variant(*, correct_m=True, correct_v=True, store_corrected=False, dt=0, sqrt=True,
                  folded=False):
    def adam(theta, m, v, g, t, lr, b1, b2, eps):
        t = t + dt
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        if folded:
            return theta - lr * np.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps), m, v
        m_hat = m / (1 - b1**t) if correct_m else m
        v_hat = v / (1 - b2**t) if correct_v else v
        root = np.sqrt(v_hat) if sqrt else v_hat
        step = theta - lr * m_hat / (root + eps)
        return (step, m_hat, v_hat) if store_corrected else (step, m, v)

    return adam


WRONG += [
    (check_adam_step, _adam_variant(correct_m=False, correct_v=False), "without bias correction"),
    (check_adam_step, _adam_variant(correct_v=False), "only m is bias-corrected"),
    (check_adam_step, _adam_variant(store_corrected=True), "CORRECTED moments"),
    (check_adam_step, _adam_variant(dt=1), "off by one"),
    (check_adam_step, _adam_variant(sqrt=False), "square root"),
    (check_adam_step, _adam_variant(folded=True), "folded form"),
    (check_max_stable_lr, lambda A: 1 / np.linalg.eigvalsh(A)[-1], "1/lambda_max"),
    (check_max_stable_lr, lambda A: 2 / np.linalg.eigvalsh(A)[0], "2/lambda_min"),
    (check_max_stable_lr, lambda A: 2 / A.diagonal().max(), "DIAGONAL"),
    (check_max_stable_lr, lambda A: 2 / (np.linalg.eigvalsh(A)[[0, -1]].sum()), "BEST"),
    (check_max_stable_lr, lambda A: 2 / np.abs(A).sum(axis=1).max(), "Gershgorin"),
]


@pytest.mark.parametrize(("check", "wrong", "named"), WRONG, ids=[w[2] for w in WRONG])
def test_every_classic_mistake_is_named(check, wrong, named):
    result = check(wrong)
    assert not result
    assert "diagnosis:" in result.message and named in result.message, result.message


def test_catalogue_sizes():
    for catalogue in (MOMENTUM_STEP_MISTAKES, NESTEROV_STEP_MISTAKES, ADAM_STEP_MISTAKES,
                      MAX_STABLE_LR_MISTAKES):
        assert len(catalogue) >= 3
    assert len(WRONG) == sum(map(len, (MOMENTUM_STEP_MISTAKES, NESTEROV_STEP_MISTAKES,
                                       ADAM_STEP_MISTAKES, MAX_STABLE_LR_MISTAKES)))


def test_a_wrong_answer_outside_the_catalogue_gets_the_hint():
    result = check_momentum_step(lambda th, v, g, lr, mu: (th - 2 * lr * (mu * v + g), mu * v + g))
    assert not result and "hint:" in result.message and "diagnosis:" not in result.message
