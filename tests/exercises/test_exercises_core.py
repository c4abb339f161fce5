"""The self-check machinery: it passes right answers and says what is wrong with wrong ones."""

import numpy as np

from nnbook.exercises import CheckResult, check_function, check_value


def reference_square(x):
    return x**2


CASES = [np.array([0.0, 1.0, -2.0]), np.linspace(-3, 3, 7)]


def test_a_correct_function_passes():
    result = check_function(lambda x: x * x, reference_square, CASES, name="square")
    assert result
    assert repr(result) == "✔ square: correct on all 2 test inputs."


def test_an_unfinished_function_is_reported_as_not_written():
    def square(x):
        raise NotImplementedError

    result = check_function(square, reference_square, CASES)
    assert not result
    assert "not written yet" in result.message and "square" in result.message


def test_a_wrong_value_names_the_input_expected_and_actual():
    result = check_function(lambda x: 2 * x, reference_square, CASES, name="square",
                            hint="multiply x by itself")
    assert not result
    assert "for input [ 0.,  1., -2.]" in result.message
    assert "expected [0., 1., 4.]" in result.message and "got [ 0.,  2., -4.]" in result.message
    assert "hint: multiply x by itself" in result.message


def test_a_wrong_shape_is_reported_as_such():
    result = check_function(lambda x: (x**2)[:, None], reference_square, CASES, name="square")
    assert not result
    assert "expected shape (3,), got shape (3, 1)" in result.message


def test_an_exception_is_reported_with_its_type():
    result = check_function(lambda x: x @ np.ones((5, 5)), reference_square, CASES, name="square")
    assert not result
    assert "raised ValueError" in result.message


def test_nan_is_never_accepted():
    result = check_function(lambda x: x * np.nan, reference_square, CASES, name="square")
    assert not result and "NaN" in result.message


def test_the_reader_cannot_spoil_the_reference_by_mutating_the_input():
    def square_in_place(x):
        x *= x
        return x

    assert check_function(square_in_place, reference_square, CASES)


def test_tuple_cases_and_tuple_results():
    result = check_function(lambda a, b: (a + b, a - b), lambda a, b: (a + b, a - b),
                            [(np.ones(2), np.arange(2.0))], name="pair")
    assert result
    wrong = check_function(lambda a, b: (a + b, b - a), lambda a, b: (a + b, a - b),
                           [(np.ones(2), np.arange(2.0))], name="pair")
    assert not wrong and "item 1 of the result" in wrong.message


def test_check_value():
    assert check_value(0.25, 1 / 4, name="max of sigmoid'")
    result = check_value(0.5, 1 / 4, name="max of sigmoid'")
    assert not result and isinstance(result, CheckResult)
    assert "expected 0.25, got 0.5" in result.message
    assert not check_value(None, 1.0, name="answer")


def test_check_with_mistakes_compares_tuples_of_arrays_of_different_shapes():
    # e.g. (dW, db) of a layer: one 2-D, one 1-D; np.asarray of the pair raises
    from nnbook.exercises._diagnose import Mistake, check_with_mistakes

    def reference(X):
        return X.T @ X, X.sum(axis=0)

    def forgot_the_sum(X):
        return X.T @ X, X.mean(axis=0)

    X = np.arange(6.0).reshape(3, 2)
    assert check_with_mistakes(reference, reference, [X])
    verdict = check_with_mistakes(
        forgot_the_sum,
        reference,
        [X],
        mistakes=[Mistake(forgot_the_sum, "db sums over the batch; it is not the mean")],
    )
    assert not verdict
    assert "db sums over the batch" in str(verdict)
