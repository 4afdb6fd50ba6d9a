import os

import numpy as np
import pytest

# Without it scikit-learn skips its array-API check (check_array_api_input); it must be
# set before SciPy is first imported, which conftest precedes.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

# tests/test_fuzz.py: "ci" (the default) is small and derandomised, so that every CI
# run tries the same examples within the CI budget; "long" searches further, locally:
#   HYPOTHESIS_PROFILE=long python -m pytest tests/test_fuzz.py
try:
    from hypothesis import HealthCheck, settings

    _SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]
    _FIXTURES = [HealthCheck.function_scoped_fixture]
    settings.register_profile(
        "ci",
        max_examples=20,
        derandomize=True,
        deadline=None,
        suppress_health_check=_SLOW + _FIXTURES,
        print_blob=True,
    )
    settings.register_profile(
        "long",
        max_examples=300,
        deadline=None,
        suppress_health_check=_SLOW + _FIXTURES,
        print_blob=True,
    )
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
except ImportError:  # hypothesis is in the test extra; without it test_fuzz skips
    pass


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
