"""
Explained variance against the code size
========================================

For each code size, PCA and :class:`~skae.AutoencoderTransformer` are fitted on a
training split of the digits and scored on it and on held-out rows. The explained
variance is the reconstruction R^2, which for PCA on its training rows is
``explained_variance_ratio_.sum()``. PCA is the floor: ``fit`` never returns a model
explaining less of the training rows' variance than PCA does.
"""

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skae import AutoencoderTransformer, ExplainedVarianceDisplay

X = load_digits().data / 16
X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)

display = ExplainedVarianceDisplay.from_estimator(
    AutoencoderTransformer(max_iter=40, random_state=0),
    X_train,
    X_test,
    n_components=[2, 4, 8, 16, 32],
)
display.ax_.set_title("digits: autoencoder vs PCA")
