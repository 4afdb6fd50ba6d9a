"""Ready-made convolutional encoders and decoders for image rows."""

import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.decomposition import PCA

from skae import AutoencoderTransformer, conv_decoder, conv_encoder

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def conv_ae(**params):
    """Digits' 8 x 8 rows through the convolutional builders."""
    return AutoencoderTransformer(
        8, encoder=conv_encoder((8, 8)), decoder=conv_decoder((8, 8)), **params
    )


def conv_filters(model):
    """The filters of the convolutions in ``model`` and the models inside it."""
    found = []
    for layer in model.layers:
        if hasattr(layer, "layers"):
            found += conv_filters(layer)
        elif hasattr(layer, "filters"):
            found.append(layer.filters)
    return found


def test_the_builders_make_the_described_networks():
    encoder = conv_encoder((8, 8), filters=(4, 6))(n_features=64, n_components=5)
    decoder = conv_decoder((8, 8), filters=(6, 4))(n_features=64, n_components=5)
    kinds = [type(layer).__name__ for layer in encoder.layers]
    assert kinds == ["Reshape", "Conv2D", "Conv2D", "Flatten", "Dense"]
    assert conv_filters(encoder) == [4, 6]
    assert encoder.output_shape == (None, 5)
    kinds = [type(layer).__name__ for layer in decoder.layers]
    assert kinds == [
        "Dense",
        "Reshape",
        "Conv2DTranspose",
        "Conv2DTranspose",
        "Flatten",
    ]
    assert decoder.layers[1].output.shape[1:] == (2, 2, 6)  # 8 / 2**2, filters[0]
    assert decoder.output_shape == (None, 64)
    assert decoder.layers[-2].activation.__name__ == "linear"


@pytest.mark.parametrize("init", ["pca", "random"])
def test_a_convolutional_autoencoder_fits_digits(digits_split, init):
    X_train, X_test = digits_split
    ae = conv_ae(init=init, max_iter=20, random_state=0).fit(X_train)
    assert ae.transform(X_test).shape == (len(X_test), 8)
    assert ae.inverse_transform(ae.transform(X_test)).shape == X_test.shape
    code = ae.encoder_.predict(X_test, verbose=0)
    assert_allclose(ae.transform(X_test), code, rtol=1e-4, atol=1e-4)
    pca_r2 = PCA(8).fit(X_train).explained_variance_ratio_.sum()
    if init == "pca":
        assert ae.score(X_train) >= pca_r2 - 1e-9
    else:  # from random weights, 20 epochs learn most of the variance
        assert ae.score(X_test) > 0.5


def test_seeded_searchable_and_cloned(digits_split):
    X_train, X_test = digits_split
    params = dict(init="random", max_iter=2, random_state=0)
    first = conv_ae(**params).fit(X_train).transform(X_test)
    assert_array_equal(conv_ae(**params).fit(X_train).transform(X_test), first)
    ae = conv_ae(**params).set_params(encoder__filters=(4, 8), decoder__seed=1)
    copy = clone(ae)
    assert copy.get_params()["encoder__filters"] == (4, 8)
    assert copy.get_params()["decoder__seed"] == 1
    copy.fit(X_train)
    assert conv_filters(copy.encoder_) == [4, 8]


def test_image_shapes_that_do_not_fit_are_clear_errors(digits_split):
    X_train, _ = digits_split
    with pytest.raises(ValueError, match="does not hold the 64 features"):
        AutoencoderTransformer(4, encoder=conv_encoder((28, 28))).fit(X_train)
    with pytest.raises(ValueError, match="multiples of 16"):
        decoder = conv_decoder((8, 8), filters=(4, 4, 4, 4))  # 8 / 2**4
        AutoencoderTransformer(4, decoder=decoder).fit(X_train)
