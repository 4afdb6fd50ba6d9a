import os

import numpy as np
import pytest

# Without it scikit-learn skips its array-API check (check_array_api_input); it must be
# set before SciPy is first imported, which conftest precedes.
os.environ.setdefault("SCIPY_ARRAY_API", "1")


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's bundled digits, pixels scaled to [0, 1]."""
    from sklearn.datasets import load_digits

    return load_digits().data / 16.0


@pytest.fixture(scope="session")
def digits_split(digits):
    from sklearn.model_selection import train_test_split

    return train_test_split(digits, test_size=0.25, random_state=0)


@pytest.fixture
def small_data():
    return np.random.RandomState(0).normal(size=(60, 6))
