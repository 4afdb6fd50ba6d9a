"""scikit-learn's estimator checks, all of them, with no expected failures."""

import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from skae import AutoencoderTransformer, VariationalAutoencoder

from ._settings import CHECKED, VAE_CHECKED


@parametrize_with_checks(
    [AutoencoderTransformer(**params) for params in CHECKED]
    + [VariationalAutoencoder(**params) for params in VAE_CHECKED]
)
def test_sklearn_compatible_estimator(estimator, check):
    with warnings.catch_warnings():
        # FAST trains 5 epochs on purpose; the warning is expected and not under test.
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)
