"""
Your own convolutional encoder and decoder
==========================================

``encoder=`` and ``decoder=`` take Keras models or builders; skae's
:func:`~skae.conv_encoder` and :func:`~skae.conv_decoder` build convolutional ones for
rows that are images. The estimator gives them everything the built-in network has:
the PCA start beside them, early stopping, cloning and searches. Here on the 8 x 8
digits, beside the built-in network and PCA, by held-out explained variance.
"""

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skae import (
    AutoencoderTransformer,
    ExplainedVarianceDisplay,
    conv_decoder,
    conv_encoder,
)

X = load_digits().data / 16
X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)

conv = AutoencoderTransformer(
    encoder=conv_encoder((8, 8), filters=(16, 32)),
    decoder=conv_decoder((8, 8), filters=(32, 16)),
    max_iter=30,
    random_state=0,
)
built_in = AutoencoderTransformer(max_iter=30, random_state=0)
display = ExplainedVarianceDisplay.from_estimators(
    [conv, built_in],
    X_train,
    X_test,
    n_components=[4, 8, 16],
    names=["convolutional", "built-in"],
)
display.ax_.set_title("digits, 8 x 8 images")
