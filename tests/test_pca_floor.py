"""PCA is the floor: the linear autoencoder finds it, the defaults beat it."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning

from skae import AutoencoderTransformer
from skae._compare import estimator_r2


@pytest.mark.parametrize("k", [2, 8, 16])
def test_linear_autoencoder_reaches_pca(digits, k):
    pca_ev = PCA(k).fit(digits).explained_variance_ratio_.sum()
    ae = AutoencoderTransformer(k, hidden_layer_sizes=(), random_state=0).fit(digits)
    assert ae.explained_variance_ratio_.sum() >= 0.999 * pca_ev


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


def test_linear_autoencoder_agrees_with_pca_per_component(digits):
    pca = PCA(8).fit(digits)
    ae = AutoencoderTransformer(8, hidden_layer_sizes=(), random_state=0).fit(digits)
    assert_allclose(
        ae.explained_variance_ratio_, pca.explained_variance_ratio_, rtol=0.01
    )
    assert_allclose(ae.explained_variance_, pca.explained_variance_, rtol=0.01)
    assert_allclose(ae.components_, pca.components_, atol=1e-4)
    assert_allclose(ae.mean_, pca.mean_)
    # PCA's projection is the optimum: no epoch runs, the solve counts as one.
    assert ae.n_iter_ == 1 and ae.validation_scores_ is None
    unexplained = 1 - pca.explained_variance_ratio_.sum()
    assert ae.loss_curve_ == [pytest.approx(unexplained, abs=1e-9)]


@pytest.mark.parametrize("init", ["pca", "random"])
def test_components_are_an_orthonormal_basis_of_the_decoder_span(digits, init):
    ae = AutoencoderTransformer(
        5,
        hidden_layer_sizes=(),
        init=init,
        max_iter=20,
        early_stopping=False,
        random_state=0,
    ).fit(digits)
    C = ae.components_
    assert C.shape == (5, 64)
    assert_allclose(C @ C.T, np.eye(5), atol=1e-10)
    # Reconstructions vary only along span(components_) (their offset is the decoder's
    # bias, which training moves away from mean_).
    X_hat = ae.inverse_transform(ae.transform(digits))
    X_hat -= X_hat.mean(axis=0)
    assert_allclose(X_hat @ C.T @ C, X_hat, atol=1e-5)
    # Signs follow PCA's rule: the largest entry of each axis is positive.
    assert np.all(C[np.arange(5), np.abs(C).argmax(axis=1)] > 0)


def test_deep_autoencoder_has_no_components(digits):
    ae = AutoencoderTransformer(2, hidden_layer_sizes=(), random_state=0).fit(digits)
    assert hasattr(ae, "components_")
    # Refitted as a deep autoencoder, the linear fit's components_ must not linger.
    ae.set_params(hidden_layer_sizes=(4,), max_iter=2).fit(digits)
    assert not hasattr(ae, "components_")
    # PCA's users read it (KMeans(init=pca.components_)): the error says why not and
    # what to use instead.
    with pytest.raises(AttributeError, match="non-linear function of X.*transform"):
        _ = ae.components_
    with pytest.raises(AttributeError, match="has no attribute 'no_such'"):
        _ = ae.no_such


@pytest.mark.parametrize("k", [2, 8, 16])
def test_defaults_beat_pca_on_training_and_held_out_digits(digits_split, k):
    X_train, X_test = digits_split
    pca = PCA(k).fit(X_train)
    ae = AutoencoderTransformer(k, random_state=0).fit(X_train)
    assert ae.score(X_train) >= pca.explained_variance_ratio_.sum()
    assert ae.score(X_test) > estimator_r2(pca, X_test)


@pytest.mark.parametrize("early_stopping", [True, False])
@pytest.mark.parametrize("shape,k", [((120, 10), 2), ((60, 5), 1), ((300, 20), 4)])
@pytest.mark.parametrize("seed", [0, 1])
def test_never_below_pca_where_nothing_beats_pca(seed, shape, k, early_stopping):
    # Gaussian data: no model explains the training rows much better than PCA, and
    # early stopping used to keep weights below PCA on them (0.2598 vs 0.2744).
    X = np.random.RandomState(seed).normal(size=shape)
    ae = AutoencoderTransformer(k, early_stopping=early_stopping, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # PCA kept: a warning
        ae.fit(X)
    pca_ev = PCA(k).fit(X).explained_variance_ratio_.sum()
    # float32 weights round PCA's solution; measured within 4e-16 of its figure.
    assert ae.score(X) >= pca_ev - 1e-9
    assert ae.explained_variance_ratio_.sum() == pytest.approx(ae.score(X), rel=1e-9)


@pytest.mark.parametrize("seed", [0, 1])
def test_never_below_pca_on_float32_rows(seed):
    # Float32 rows are scored in float32 after training, unless that figure lies
    # near PCA's: there, as on Gaussian data, the float64 pass decides the floor.
    X = np.random.RandomState(seed).normal(size=(120, 10)).astype(np.float32)
    ae = AutoencoderTransformer(2, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # PCA kept: a warning
        ae.fit(X)
    pca_ev = PCA(2).fit(X.astype(np.float64)).explained_variance_ratio_.sum()
    assert ae.score(X) >= pca_ev - 1e-9


def test_float32_rows_are_scored_in_float32_away_from_the_floor(
    digits_split, monkeypatch
):
    X_train = digits_split[0].astype(np.float32)
    score = AutoencoderTransformer._score
    dtypes = []

    def spy(self, X, dtype=np.float64, scale=None):
        dtypes.append(np.dtype(dtype))
        return score(self, X, dtype, scale)

    monkeypatch.setattr(AutoencoderTransformer, "_score", spy)
    ae = AutoencoderTransformer(
        8, hidden_layer_sizes=(32,), max_iter=20, random_state=0
    ).fit(X_train)
    assert dtypes == [np.float32]  # one pass, in the rows' precision
    # The explained variance it gives agrees with the float64 score.
    assert ae.explained_variance_ratio_.sum() == pytest.approx(
        score(ae, X_train), rel=1e-6
    )


# Activations skae accepts (MLPRegressor's names and Keras's); several are not 0 at 0,
# which with tied kernels left the decoder's network speaking at PCA's start.
ACTIVATIONS = [
    "identity", "logistic", "tanh", "relu", "softplus", "softsign", "elu", "selu",
    "gelu", "silu", "exponential", "hard_sigmoid", "leaky_relu", "relu6", "mish",
    "softmax",
]  # fmt: skip


@pytest.mark.parametrize("tied", [False, True])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_the_floor_holds_for_every_activation(digits, activation, tied):
    X = digits[:400]
    ae = AutoencoderTransformer(
        4,
        hidden_layer_sizes=(8,),
        activation=activation,
        tied_weights=tied,
        max_iter=1,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae.fit(X)
    assert ae.score(X) >= PCA(4).fit(X).explained_variance_ratio_.sum() - 1e-9


@pytest.mark.parametrize("activation", ["logistic", "softplus", "exponential"])
@pytest.mark.parametrize(
    "options",
    [{"noise": 0.5}, {"sparsity": 0.3}, {"noise": 0.3, "sparsity": 0.1}, {}],
)
def test_a_tied_network_returned_at_pca_is_pca(digits, activation, options):
    # These two epochs do not improve on PCA's start, so fit returns it (and warns):
    # the tied decoder's network, whose last kernel is the encoder's first, must be
    # silent there, so that the model is PCA's.
    X = digits[:400]
    ae = AutoencoderTransformer(
        4,
        hidden_layer_sizes=(8,),
        activation=activation,
        tied_weights=True,
        learning_rate=0.05,
        max_iter=2,
        early_stopping=False,
        random_state=0,
        **options,
    )
    with pytest.warns(ConvergenceWarning, match="did not improve on PCA's solution"):
        ae.fit(X)
    pca = PCA(4).fit(X)
    assert_allclose(
        ae.inverse_transform(ae.transform(X)),
        pca.inverse_transform(pca.transform(X)),
        atol=1e-6,
    )
    assert ae.score(X) >= pca.explained_variance_ratio_.sum() - 1e-9
