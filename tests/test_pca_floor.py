"""PCA is the floor: the linear autoencoder finds it, the defaults beat it."""

import pytest
from sklearn.decomposition import PCA

from skae import AutoencoderTransformer
from skae._compare import reconstruction_r2


@pytest.mark.parametrize("k", [2, 8, 16])
def test_linear_autoencoder_reaches_pca(digits, k):
    pca_ev = PCA(k).fit(digits).explained_variance_ratio_.sum()
    ae = AutoencoderTransformer(k, hidden_layer_sizes=(), random_state=0).fit(digits)
    assert ae.explained_variance_ratio_.sum() >= 0.99 * pca_ev


def test_linear_autoencoder_learns_pca_from_random_init(digits):
    # Without the PCA start, training itself must find PCA's subspace.
    pca_ev = PCA(8).fit(digits).explained_variance_ratio_.sum()
    ae = AutoencoderTransformer(
        8,
        hidden_layer_sizes=(),
        init="random",
        early_stopping=False,
        max_iter=300,
        batch_size=32,
        learning_rate=3e-3,
        random_state=0,
    )
    ae.fit(digits)
    assert ae.score(digits) >= 0.99 * pca_ev


@pytest.mark.parametrize("k", [2, 8])
def test_defaults_beat_pca_on_held_out_digits(digits_split, k):
    X_train, X_test = digits_split
    pca = PCA(k).fit(X_train)
    ae = AutoencoderTransformer(k, random_state=0).fit(X_train)
    assert ae.score(X_test) > reconstruction_r2(pca, X_test)
