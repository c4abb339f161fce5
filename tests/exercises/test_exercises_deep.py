"""Chapter 9's checkers: every catalogued mistake is named, correct alternative forms
pass, a reader's exception shows the hint, an unfinished function is 'not written'."""

from __future__ import annotations

import numpy as np
import pytest

from nnbook.exercises.deep import (
    BN_BACKWARD_MISTAKES,
    BN_EVAL_MISTAKES,
    INIT_STD_MISTAKES,
    check_bn_backward,
    check_bn_eval,
    check_init_std,
)
from nnlib.layers import BatchNorm

CASES = (
    [(check_init_std, m) for m in INIT_STD_MISTAKES]
    + [(check_bn_backward, m) for m in BN_BACKWARD_MISTAKES]
    + [(check_bn_eval, m) for m in BN_EVAL_MISTAKES]
)


@pytest.mark.parametrize("checker, mistake", CASES)
def test_every_catalogued_mistake_is_named(checker, mistake):
    with np.errstate(all="ignore"):
        verdict = checker(mistake.answer)
    assert not verdict
    assert mistake.message in repr(verdict)


def test_catalogues_have_at_least_three_mistakes():
    assert min(map(len, (INIT_STD_MISTAKES, BN_BACKWARD_MISTAKES, BN_EVAL_MISTAKES))) >= 3


def test_init_std_accepts_alternative_form():
    def via_variance(n_in, n_out, relu):
        variance = 2.0 / n_in if relu else 1.0 / ((n_in + n_out) / 2)
        return variance**0.5

    assert check_init_std(via_variance)


def test_bn_backward_accepts_nnlib_and_an_explicit_chain_rule():
    def via_nnlib(X, dY, gamma, eps):
        bn = BatchNorm(X.shape[1], eps=eps)
        bn.gamma.value[...] = gamma
        bn.forward(X)
        return bn.backward(dY)

    def explicit_chain_rule(X, dY, gamma, eps):
        N = X.shape[0]
        mu = X.mean(axis=0)
        var = ((X - mu) ** 2).mean(axis=0)
        x_hat = (X - mu) / np.sqrt(var + eps)
        dx_hat = dY * gamma
        dvar = (dx_hat * (X - mu)).sum(axis=0) * -0.5 * (var + eps) ** -1.5
        dmu = -dx_hat.sum(axis=0) / np.sqrt(var + eps) - 2 * dvar * (X - mu).mean(axis=0)
        del x_hat
        return dx_hat / np.sqrt(var + eps) + dvar * 2 * (X - mu) / N + dmu / N

    assert check_bn_backward(via_nnlib)
    assert check_bn_backward(explicit_chain_rule)


def test_bn_eval_accepts_nnlib():
    def via_nnlib(X, gamma, beta, running_mean, running_var, eps):
        bn = BatchNorm(X.shape[1], eps=eps)
        bn.gamma.value[...] = gamma
        bn.beta.value[...] = beta
        bn.running_mean[...] = running_mean
        bn.running_var[...] = running_var
        return bn.eval().forward(X)

    assert check_bn_eval(via_nnlib)


@pytest.mark.parametrize("checker", [check_init_std, check_bn_backward, check_bn_eval])
def test_unfinished_and_raising_functions(checker):
    def unfinished(*args):
        raise NotImplementedError

    def broken(*args):
        raise KeyError("oops")

    assert "not written yet" in repr(checker(unfinished))
    verdict = repr(checker(broken))
    assert "raised KeyError" in verdict and "hint:" in verdict


def test_a_wrong_answer_outside_the_catalogue_gets_the_hint():
    verdict = repr(check_bn_backward(lambda X, dY, gamma, eps: 2 * dY))
    assert "hint:" in verdict and "diagnosis" not in verdict
