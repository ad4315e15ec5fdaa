"""The measured-faster kernels equal their one-line NumPy equivalents."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from bptt_trace.core.bptt import scatter_rows
from bptt_trace.core.jacobians import spectral_norms


@settings(max_examples=50, deadline=None)
@given(n=st.integers(0, 40), rows=st.integers(1, 9), H=st.integers(1, 6), seed=st.integers(0, 99))
def test_scatter_rows_is_an_indexed_add(n: int, rows: int, H: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    index = rng.integers(0, rows, n)
    values = rng.normal(size=(n, H))
    expected = np.zeros((rows, H))
    np.add.at(expected, index, values)
    assert_allclose(scatter_rows(index, values, rows), expected, rtol=1e-13, atol=1e-15)


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 6), H=st.integers(1, 12), seed=st.integers(0, 99))
def test_spectral_norms_are_the_largest_singular_values(n: int, H: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    scale = 10.0 ** rng.uniform(-6, 3, size=(n, 1, 1))
    jacobians = rng.normal(size=(n, H, H)) * scale
    expected = np.linalg.norm(jacobians, 2, axis=(1, 2))
    assert_allclose(spectral_norms(jacobians), expected, rtol=1e-9)
