"""skae: Keras autoencoders with scikit-learn's interface, PCA as the floor."""

from ._autoencoder import AutoencoderTransformer
from ._builder import ModelBuilder
from ._compare import compare_with_pca
from ._conv import conv_decoder, conv_encoder
from ._persist import load, save
from ._plot import CodeScatterDisplay, ExplainedVarianceDisplay, ReconstructionDisplay
from ._recurrent import recurrent_decoder, recurrent_encoder
from ._variational import VariationalAutoencoder

__version__ = "0.1.0"

__all__ = [
    "AutoencoderTransformer",
    "CodeScatterDisplay",
    "ExplainedVarianceDisplay",
    "ReconstructionDisplay",
    "ModelBuilder",
    "VariationalAutoencoder",
    "compare_with_pca",
    "load",
    "save",
    "conv_decoder",
    "conv_encoder",
    "recurrent_decoder",
    "recurrent_encoder",
    "__version__",
]
