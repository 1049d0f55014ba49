"""Reading a typed matrix: the usual notations, a code for every kind of bad input, nothing evaluated."""

import numpy as np
import pytest

from rnn_core.matrix_input import MatrixError, format_matrix, parse_matrix


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.9, 0.5; 0, 0.9", [[0.9, 0.5], [0.0, 0.9]]),
        ("0.9 0.5\n0 0.9", [[0.9, 0.5], [0.0, 0.9]]),
        ("[[0.9, 0.5], [0, 0.9]]", [[0.9, 0.5], [0.0, 0.9]]),
        ("0.9 0.5 0 0.9", [[0.9, 0.5], [0.0, 0.9]]),
        ("  -1e-1 , +.5 ; \u22122 , 3.  ; ", [[-0.1, 0.5], [-2.0, 3.0]]),
    ],
)
def test_parse_matrix_reads_the_usual_notations(text, expected):
    np.testing.assert_array_equal(parse_matrix(text), np.array(expected))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        (" ; \n ", "empty"),
        ("[[]]", "empty"),
        ("0.9, x; 0, 1", "number"),
        ("__import__('os'), 1; 0, 1", "number"),
        ("1_0 0; 0 1", "number"),
        ("0x10 0; 0 1", "number"),
        ("1/2 0; 0 1", "number"),
        ("inf 0; 0 1", "non_finite"),
        ("1 -nan; 0 1", "non_finite"),
        ("1e400 0; 0 1", "non_finite"),
        ("1 2; 3", "shape"),
        ("1 2 3; 4 5 6", "shape"),
        ("1 2 3", "shape"),
        ("1; 2; 3; 4; 5", "shape"),
    ],
)
def test_parse_matrix_rejects_bad_input_with_a_code(text, code):
    with pytest.raises(MatrixError) as caught:
        parse_matrix(text)
    assert caught.value.code == code
    assert isinstance(caught.value, ValueError)


def test_parse_matrix_error_says_where():
    with pytest.raises(MatrixError) as caught:
        parse_matrix("1, 2; 3, abc")
    assert (caught.value.row, caught.value.column, caught.value.token) == (2, 2, "abc")
    with pytest.raises(MatrixError) as caught:
        parse_matrix("1 2; 3")
    assert caught.value.found == (2, 1)


def test_parse_matrix_refuses_entries_above_the_limit():
    np.testing.assert_array_equal(parse_matrix("100 -100; 0 1", max_abs=100.0), [[100, -100], [0, 1]])
    with pytest.raises(MatrixError) as caught:
        parse_matrix("1 0; 0 -1e3", max_abs=100.0)
    assert (caught.value.code, caught.value.row, caught.value.column, caught.value.token) == ("too_large", 2, 2, "-1e3")


@pytest.mark.parametrize("W", [[[0.9, 4.0], [0.0, 0.9]], [[-2.0, 0.5], [1.5, -0.0]], [[1e-3, -250.0], [0.25, 1.0]]])
def test_format_matrix_writes_what_parse_matrix_reads_back(W):
    text = format_matrix(np.array(W))
    np.testing.assert_array_equal(parse_matrix(text), np.array(W))
    assert format_matrix(np.array([[0.9, 4.0], [0.0, 0.9]])) == "0.9, 4; 0, 0.9"
