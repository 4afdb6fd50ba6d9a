"""AutoencoderTransformer: a Keras autoencoder with PCA's interface."""

import contextlib
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
)
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _network_cache, _stream, _training
from ._backend import import_tensorflow
from ._base import (
    _EV_MAX_SAMPLES,
    _BaseAutoencoder,
    _in_squared_units,
    _Networks,
    _Plan,
)
from ._distribute import STRATEGY_NAMES, resolve_strategy
from ._network import (
    init_from_pca,
    keras_activation,
    pca_basis,
    reseed_noise,
    set_linear_maps,
    set_standardization,
    shortcut,
    tie,
    training_core,
)
from ._network_cache import KeptSpec, NetworkSpec, UnbuiltNetworks
from ._objectives import MSE_NAMES, make_loss, make_optimizer
from ._rows import Standardizer, rows_of
from ._training import History, make_partial_epoch, released_gradient_registrations


class AutoencoderTransformer(_BaseAutoencoder):
    """Autoencoder dimensionality reduction with PCA's interface.

    Fits a Keras 3 autoencoder (TensorFlow backend) that reconstructs ``X`` through a
    code of ``n_components`` units. ``transform`` returns the code (the encoder's
    output) and ``inverse_transform`` the decoder's reconstruction of a code.

    The encoder and decoder each add a linear path to a deep path of
    ``hidden_layer_sizes`` units; with ``init="pca"`` the linear paths start at PCA's
    projection and the deep paths at zero, so training starts from PCA's
    reconstruction. ``hidden_layer_sizes=()`` gives a linear autoencoder, whose optimum
    is PCA's subspace.

    With ``init="pca"`` (the default), the fitted model explains at least as much
    variance of the training data as PCA with as many components:
    ``score(X) >= PCA(n_components).fit(X).explained_variance_ratio_.sum()`` up to
    the rounding of float32 weights (1e-9 in tests). Where training does not get
    there, fit returns PCA's solution and warns.

    The network trains on ``(X - mean_) / s``, with ``s`` the root mean feature
    variance, so fitting ``c * X`` gives the same scores and explained variance
    ratios as fitting ``X``, and codes ``c`` times as large (they are in the data's
    units, as PCA's scores), for any ``c`` at which float64 holds the data (1e-300
    to 1e300 in tests).

    Parameters
    ----------
    n_components : int, float, 'mle' or None, default=2
        Size of the code, as PCA takes it. An int is the number of code units (at
        most ``n_features``). A float in (0, 1) selects, as PCA does, the smallest
        number of components whose PCA explains at least that fraction of the
        variance of the training data; ``'mle'`` Minka's estimate of the data's
        dimension (as ``PCA(n_components='mle')``), and ``None`` all the components
        PCA can have, ``min(n_samples, n_features)``. ``n_components_`` holds the
        result. The default is 2, not PCA's ``None``: a code as wide as the data
        leaves an autoencoder nothing to compress, at the highest cost; 2 gives a
        code to plot, as scikit-learn's manifold learners do by default. PCA's
        ``n_components=0`` (no component: every row reconstructed as the mean) is an
        ``InvalidParameterError``: a Keras layer needs at least one unit.

    encoder, decoder : keras.Model, callable or None, default=None
        The user's own networks; ``None`` builds skae's (see
        ``hidden_layer_sizes``). A Keras model is copied, weights included, at
        every fit (the object passed in is never trained). A callable, such as a
        :class:`~skae.ModelBuilder` whose hyperparameters can be searched as
        ``encoder__<name>``, is called at fit with the keyword arguments
        ``n_features`` and ``n_components`` and returns a Keras model. The encoder
        maps rows of ``n_features`` values (X stays 2-D: reshape inside the model)
        to ``n_components`` values; the decoder maps those back to
        ``n_features``.

        With ``init="pca"``, each network goes beside PCA's linear map, behind a
        trainable gate that starts at zero: the encoder's network sees the
        standardised rows ``(x - mean_) / s``, and the code ``transform`` returns
        is ``s`` times the linear map's output plus the gated network's (the
        data's units, as PCA's scores); the decoder's network sees the code over
        ``s`` and adds, gated, to the linear reconstruction in standardised units.
        Training so starts from PCA's reconstruction and keeps the floor. With
        ``init="random"``, the networks are the autoencoder as they are, on the
        data's units: the code is the encoder's output, the reconstruction the
        decoder's. For bit-identical fits, seed the initialisers (and dropout
        layers) of networks that a callable builds.

    hidden_layer_sizes : int or tuple of int, default=(256, 128)
        Units of the built-in encoder's hidden layers, input side first; the
        built-in decoder mirrors them. ``()`` with no ``encoder`` or ``decoder``
        gives a shallow, linear autoencoder. Not used by a half given as
        ``encoder`` or ``decoder``.

    activation : str, default='silu'
        Activation of the hidden layers: MLPRegressor's names (``'identity'``,
        ``'logistic'``, ``'tanh'``, ``'relu'``) or any of Keras's (``'silu'``,
        ``'selu'``, ``'gelu'``, ``'elu'``, ...). The code and the reconstruction are
        linear, as MLPRegressor's output layer is. ``'silu'`` (``x * sigmoid(x)``),
        against MLPRegressor's ``'relu'``: it reconstructs held-out rows better on
        digits and MNIST at every code size measured, for slightly more time per
        epoch (figures on the :doc:`benchmarks page </benchmarks>`).

    init : {'pca', 'random'}, default='pca'
        ``'pca'`` starts the linear paths at PCA's projection (fitted on the training
        rows, those held out for early stopping excepted) and the deep paths' last
        layers at zero, and keeps PCA of all rows as the floor (see above);
        ``'random'`` initialises every layer with Glorot-uniform weights, with no
        floor but the random start itself.

    svd_solver : {'auto', 'full', 'covariance_eigh', 'arpack', 'randomized'}, \
            default='auto'
        PCA's solver for the PCA that starts the fit and sizes a float, ``'mle'`` or
        ``None`` ``n_components``; the same choices, defaults and errors as
        :class:`~sklearn.decomposition.PCA`'s (``'auto'`` picks ``'full'`` where
        ``n_components`` is not an int). Unused where no PCA is needed
        (``init='random'`` with an int ``n_components``) and by ``fit`` on a
        ``numpy.memmap`` of 256 MiB or more, whose PCA is the eigendecomposition of
        the covariance accumulated over its chunks.

    iterated_power : int or 'auto', default='auto'
        PCA's number of power iterations for ``svd_solver='randomized'``.

    n_oversamples : int, default=10
        PCA's oversampling for ``svd_solver='randomized'``.

    power_iteration_normalizer : {'auto', 'QR', 'LU', 'none'}, default='auto'
        PCA's normaliser of the power iterations for ``svd_solver='randomized'``.

    whiten : bool, default=False
        PCA's parameter, taken so that ``PCA(whiten=False)`` swaps in; ``True`` is a
        ``ValueError`` at fit. PCA whitens by dividing its uncorrelated components
        by their spread; an autoencoder's code units are correlated, so that
        scaling would not whiten them. For units of unit variance, put a
        :class:`~sklearn.preprocessing.StandardScaler` after the transformer.

    copy : bool, default=True
        PCA's parameter. ``fit`` never changes ``X``, whatever its value:
        training needs a standardised float32 copy of the rows in any case, which
        is what PCA's ``copy=False`` saves (PCA centres ``X`` in place). So
        ``fit(X).transform(X)`` gives the codes of ``X`` either way.

    noise : float, default=0.0
        Standard deviation of Gaussian noise added to the rows in training only, in
        units of ``s`` (the root mean feature variance, as above): a denoising
        autoencoder, which learns to reconstruct clean rows from corrupted ones.
        ``transform`` and every other method never add noise, and early stopping and
        the PCA floor judge the clean rows. A linear autoencoder started at PCA
        does not train, so ``noise`` does not change it: a linear denoising
        autoencoder's optimum codes through PCA's subspace too.

    sparsity : float, default=0.0
        Weight of a sparsity penalty on the code in training (a sparse
        autoencoder): ``sparsity * mean(|z|) / sqrt(mean(z ** 2))`` over each
        batch's codes ``z``, added to the loss. The ratio of the L1 to the L2 norm
        has no units and does not change when the code is scaled, so a value means
        the same whatever the units of X, and the decoder cannot undo it by scaling
        up while the code shrinks (as it undoes a plain L1 penalty). It is lowest
        when a few of the batch's code values are large and the rest near zero. With
        ``loss='mse'`` the loss is a fraction of variance, so values about 0.01 to 1
        matter. The PCA floor and early stopping judge the reconstruction alone,
        so a large value may give PCA's solution back, with a warning. A linear
        autoencoder started at PCA does not train and ignores it.

    tied_weights : bool, default=False
        Tie the built-in decoder's kernels to the transposes of the encoder's (the
        linear maps, and the hidden layers in mirror order); the biases stay
        separate. The trainable kernels halve. The decoder also holds copies of
        the transposes, which ``transform`` and co. read and pickling saves;
        unpickling ties the decoder again. A custom ``encoder`` or ``decoder``
        cannot be tied (a ValueError).

    max_iter : int or 'auto', default='auto'
        Maximum number of epochs. ``'auto'``: 200 for fewer than 20,000 training
        rows (the rows early stopping leaves); from 20,000, a budget of about 5,600
        gradient steps in whole epochs, ``ceil(5600 / ceil(n_rows / batch_size))``
        (14 on MNIST's 54,000 training rows, 1 from 716,800 rows), which training
        spends in full: reaching it raises no ``ConvergenceWarning``. On MNIST the
        budget trains in a fraction of the time of 200 epochs with early stopping,
        to a better held-out R^2 (see the :doc:`benchmarks page </benchmarks>`).
        For data that size,
        ``max_iter=50`` or more trains towards convergence instead.

    batch_size : int or 'auto', default='auto'
        Rows per gradient step (clipped to the number of training rows).
        ``'auto'``: 64 for fewer than 20,000 training rows, 128 from 20,000 (and
        in ``partial_fit``, whatever its batches, 64).

    loss : str, keras.losses.Loss or callable, default='mse'
        What training minimises. ``'mse'`` is the mean squared error of the
        standardised rows, i.e. the fraction of variance left unexplained, whatever
        the units of X. Any other Keras loss (a name such as
        ``'binary_crossentropy'``, a ``keras.losses.Loss``, or a function
        ``(y_true, y_pred)``) is applied as Keras applies it, in the data's units (in
        float32): binary cross-entropy suits data in [0, 1]. The built-in
        network's reconstruction is linear, so that loss sees it clipped to (0, 1).
        ``score`` stays reconstruction R^2 whatever the loss.

    optimizer : str, type or keras.optimizers.Optimizer, default='adam'
        Keras optimizer: a name, a class, or an instance whose settings are copied
        (the instance itself is never trained). ``learning_rate`` replaces its
        learning rate.

    learning_rate : float or 'auto', default='auto'
        Learning rate of the optimizer (MLPRegressor's ``learning_rate_init``). A
        float is used as it is, at every epoch. ``'auto'``: 3e-3, constant, for
        fewer than 20,000 training rows (and in ``partial_fit``); from 20,000, 3e-3
        scheduled over the ``max_iter`` epochs: from 3 epochs, a first epoch of
        warm-up at half the rate, then a decay along a cosine over the ``n``
        remaining epochs (the ``e``-th at ``3e-3 * 0.5 * (1 + cos(pi * e / n))``),
        after which the optimizer of ``model_`` is set back to 3e-3 (how the
        schedule was chosen: the :doc:`benchmarks page </benchmarks>`). A callback
        that sets the learning rate needs a float here: the schedule would
        overwrite it.

    tol : float, default=1e-4
        Minimum improvement of the training loss (or, with ``early_stopping``, of
        the validation R^2) that resets the patience counter. The loss is the fraction
        of variance left unexplained, so ``tol`` has the same meaning whatever the
        units of ``X``.

    n_iter_no_change : int, default=10
        Epochs without an improvement of at least ``tol`` after which training stops.

    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the rows, stop when their reconstruction
        R^2 stops improving, and keep the weights of the best epoch, the initial
        weights included. Unlike MLPRegressor's default, on by default: deep
        autoencoders overfit small data sets, and measured on digits it gave better
        held-out R^2 in fewer epochs. It needs at least 2 validation rows that
        differ and 2 rows left to train on; with fewer (about 10 rows or less at
        the default fraction), fit warns and trains on all rows without early
        stopping, where MLPRegressor raises.

    validation_fraction : float, default=0.1
        Fraction of rows held out when ``early_stopping=True`` (no row is held out
        for a linear autoencoder started at PCA, which does not train).

    callbacks : list of keras.callbacks.Callback, default=None
        Keras callbacks, called as ``Model.fit`` calls them, once per epoch:
        ``on_train_begin``, ``on_epoch_begin``, ``on_epoch_end`` with ``logs``
        holding ``loss`` and, with early stopping, ``val_loss`` and ``val_r2``,
        then ``on_train_end``. Their ``model`` is ``model_``; setting
        ``model.stop_training = True`` ends training.
        ``keras.callbacks.EarlyStopping``, ``CSVLogger``, ``ModelCheckpoint`` and
        ``TensorBoard`` work as with ``Model.fit``. ``on_train_end`` comes after
        skae has chosen the weights, so a callback that restores weights has the
        last word, but for the PCA floor.

    strategy : str, tf.distribute.Strategy, callable or None, default=None
        Train under a TensorFlow distribution strategy: each batch is split among
        its replicas (devices, or machines), whose gradients are summed, so one
        model trains on them all. ``'mirrored'`` is a ``MirroredStrategy`` over
        every GPU of this machine (every logical CPU device where it has none);
        ``'multi_worker_mirrored'`` a ``MultiWorkerMirroredStrategy`` over several
        machines, each running the same script with its own ``TF_CONFIG``
        environment variable (see TensorFlow's distributed training guide). A
        callable is called at fit and returns a strategy, the same one at every
        call in a process (TensorFlow expects one strategy per program: two can
        mix up their models' gradient sums); a name gives the same strategy at
        every fit in a process. A strategy object is used as it is, but it does
        not pickle, and ``clone`` deep-copies it into a new strategy: in searches
        and pickles, give a name or a module-level callable. The fitted model
        transforms (in NumPy) and pickles as any other. On CPUs alone a strategy
        only adds cost; it is for several GPUs or machines. ``partial_fit``
        refuses a strategy (a ValueError), and a fit that trains nothing (a
        linear model from PCA's start) ignores it.

    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the batch order and the validation split. The same
        int gives bit-identical weights and outputs, and then no global random state
        is read or changed. ``None`` draws from NumPy's global generator, as
        scikit-learn's estimators do (so ``numpy.random.seed`` makes such fits
        repeatable, and each fit advances that generator). TensorFlow's global seed
        is never read nor set.

    verbose : int, default=0
        ``0`` is silent; ``1`` and ``2`` print Keras's progress lines, as
        ``Model.fit`` does: each epoch's loss and, with early stopping, its
        validation loss and R^2. With ``1`` the bar moves during each epoch
        (batches done, time left, running loss), drawn from inside the traced
        epoch at most every half second (rows in memory, no ``strategy``); the
        results are the same as with ``0``.

    warm_start : bool, default=False
        As MLPRegressor's: where the estimator is fitted, ``fit`` trains the
        fitted model on for up to ``max_iter`` more epochs, from its weights and
        its optimizer's state, on X standardised as the model was (``mean_`` and
        the scale stay), with early stopping and PCA's floor on X as in any fit;
        ``n_iter_``, ``loss_curve_`` and ``validation_scores_`` go on counting.
        Nothing is rebuilt, so the parameters that shape the networks are those
        of the first fit, and X must have the same features. A fit interrupted
        with Ctrl-C keeps what it trained, so it can be resumed this way.

    Attributes
    ----------
    n_components_ : int
        Number of code units.

    encoder_, decoder_, model_ : keras.Model
        The encoder (``X`` to code), the decoder (code to reconstruction) and the full
        autoencoder, which holds the other two and shares their weights. They
        standardise in float64 (:class:`skae.layers.Standardize`): ``encoder_`` and
        ``model_`` take float64 rows, ``decoder_`` and ``model_`` return float64.
        ``model_`` is compiled with the optimizer used in training and ``loss``
        (``'mse'`` there is in squared units of ``X``), so ``model_.fit(X, X)``
        trains further; ``transform`` follows such training (after other changes to the
        weights, call :meth:`reload_weights`). Where fit trains skae's own networks
        (no ``encoder`` or ``decoder``) with the default loss, a named optimizer, no
        callbacks and no strategy, it trains a kept model and keeps only the
        values of the weights and of the optimizer's state: the three are built
        from them when first read, which
        ``transform`` and co., ``score`` and pickling never need.

    mean_ : ndarray of shape (n_features,)
        Per-feature mean of the rows passed to ``fit`` (every model; the decoder
        adds it back).

    explained_variance_ : ndarray of shape (`n_components_`,)
        Variance of the training data explained by each code unit, largest first (the
        code units are ordered so after fit). Unit ``j`` is credited in proportion to
        the reconstruction R^2 lost when it alone is held at its training mean
        (measured on up to 2000 training rows), and the credits are scaled so that
        they sum to the training R^2 times the total variance (``ddof=1``, as PCA's).
        For orthogonal linear codes, such as PCA's, this is each component's variance.
        In squared units of ``X``: beyond what float64 holds (data of about 1e154
        and more) it is ``inf``.

    explained_variance_ratio_ : ndarray of shape (`n_components_`,)
        ``explained_variance_`` over the total variance of the training data. Its sum
        equals ``score(X_train)``; for PCA the same holds. Negative only where the
        model reconstructs worse than the mean does (``init="random"`` with little
        training). For data without variance it is NaN (0 / 0), as PCA's: fit then
        warns, trains nothing, codes every row as 0 and decodes 0 to ``mean_``.

    singular_values_ : ndarray of shape (`n_components_`,)
        Linear autoencoders only, as PCA's: the 2-norm of each unit's centred
        training codes, ``sqrt(explained_variance_ * (n_samples_ - 1))``.

    noise_variance_ : float
        Linear autoencoders only, as PCA's: the variance left per direction that
        the code leaves out, the mean of the eigenvalues of the training
        covariance beyond the code (probabilistic PCA's noise, Tipping & Bishop,
        1999), in squared units of ``X``; ``0.0`` where the code spans every
        direction. With ``components_`` and ``explained_variance_`` it makes the
        Gaussian model of :meth:`get_covariance` and :meth:`get_precision`.

    components_ : ndarray of shape (`n_components_`, n_features)
        Linear autoencoders (``hidden_layer_sizes=()``) only: an orthonormal basis of
        the decoder's span, the principal axes of the training reconstructions with
        the largest variance first, signed as PCA's. At PCA's optimum these are PCA's
        ``components_``. A non-linear model has none: reading it raises an
        ``AttributeError`` that says why and what to use instead.

    n_iter_ : int
        Number of epochs run, as MLPRegressor's (with early stopping, the weights
        come from the best of them). ``1`` where fit solves in closed form and runs
        no epoch: a linear autoencoder with ``init="pca"``, whose optimum PCA's
        projection is (Eckart-Young), and data without variance.

    loss_curve_ : list of float
        Training loss per epoch, the mean over its batches. For ``loss='mse'``, the
        mean squared error of the standardised training rows, i.e. the fraction of
        variance left unexplained, ``1 - R^2`` (for the closed-form fits, one
        entry: that of the returned weights).

    best_loss_ : float or None
        Training loss of the returned weights: the lowest of ``loss_curve_``, or,
        when fit returned its start or PCA's solution, theirs. ``None`` when rows
        were held out for early stopping.

    validation_scores_ : list of float or None
        Validation R^2 per epoch when rows were held out, else ``None``.

    best_validation_score_ : float or None
        Validation R^2 of the returned weights (the best epoch's, the initial
        weights' included, or PCA's) when rows were held out, else ``None``.

    n_features_in_ : int
        Number of features seen during fit.

    n_samples_ : int
        Number of rows of the training data, as PCA's (``partial_fit``: of all the
        batches so far, as IncrementalPCA's ``n_samples_seen_``).

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    sklearn.decomposition.PCA : The linear method this estimator starts from.
    sklearn.neural_network.MLPRegressor : Same training vocabulary.

    Notes
    -----
    Output dtype follows the input: float32 in, float32 out; float64 (or any other
    numeric dtype) in, float64 out. The network holds float32 weights; ``transform``
    and ``inverse_transform`` run a NumPy pass over a copy of them, in float64 for
    float64 input and in float32 for float32 input, as PCA does (about twice as
    fast in bulk). A row gives the same output alone or in a batch up to the
    rounding of that precision (BLAS rounds a 1-row and a many-row product
    differently).

    Fit raises ``ValueError`` before training where the standardised data cannot be
    held in float32 (values near the limits of float64 whose difference with the
    mean overflows), and ``FloatingPointError`` where the training loss is not
    finite before any step (a loss that cannot apply to X); the estimator is then
    left as it was. Where training diverges (a learning rate far too large), fit
    warns and returns the weights it kept before, PCA's solution where no epoch
    beat it.

    ``import skae`` does not import TensorFlow; the first fit or unpickling does,
    with TensorFlow's C++ start-up notices silenced, unless
    ``TF_CPP_MIN_LOG_LEVEL=0`` is set.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import AutoencoderTransformer
    >>> X = load_digits().data / 16
    >>> ae = AutoencoderTransformer(n_components=8, max_iter=5, random_state=0)
    >>> ae.fit_transform(X).shape
    (1797, 8)
    >>> bool(ae.score(X) > 0.5)
    True
    """

    _parameter_constraints: dict = {
        **_BaseAutoencoder._parameter_constraints,
        "warm_start": ["boolean"],
        "whiten": ["boolean"],
        "copy": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "learning_rate": [
            Interval(Real, 0, None, closed="neither"),
            StrOptions({"auto"}),
        ],
        "encoder": [None, callable],
        "decoder": [None, callable],
        "noise": [Interval(Real, 0, None, closed="left")],
        "sparsity": [Interval(Real, 0, None, closed="left")],
        "tied_weights": ["boolean"],
        "loss": [str, callable],
        "strategy": [
            None,
            StrOptions(set(STRATEGY_NAMES)),
            callable,
            HasMethods(["scope", "run"]),
        ],
    }

    def __init__(
        self,
        n_components=2,
        *,
        encoder=None,
        decoder=None,
        hidden_layer_sizes=(256, 128),
        activation="silu",
        init="pca",
        svd_solver="auto",
        iterated_power="auto",
        n_oversamples=10,
        power_iteration_normalizer="auto",
        whiten=False,
        copy=True,
        noise=0.0,
        sparsity=0.0,
        tied_weights=False,
        max_iter="auto",
        batch_size="auto",
        loss="mse",
        optimizer="adam",
        learning_rate="auto",
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=True,
        validation_fraction=0.1,
        callbacks=None,
        strategy=None,
        random_state=None,
        verbose=0,
        warm_start=False,
    ):
        self.n_components = n_components
        self.encoder = encoder
        self.decoder = decoder
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.svd_solver = svd_solver
        self.iterated_power = iterated_power
        self.n_oversamples = n_oversamples
        self.power_iteration_normalizer = power_iteration_normalizer
        self.whiten = whiten
        self.copy = copy
        self.noise = noise
        self.sparsity = sparsity
        self.tied_weights = tied_weights
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.loss = loss
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.callbacks = callbacks
        self.strategy = strategy
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # CSR and CSC rows, densified a batch (a chunk) at a time.
        tags.input_tags.sparse = True
        return tags

    def _check_whiten(self):
        if self.whiten:
            raise ValueError(
                "whiten=True is not supported: PCA whitens by dividing its "
                "uncorrelated components by their spread, but an autoencoder's code "
                "units are correlated, so the same scaling would not whiten the code. "
                "For code units of unit variance, put a StandardScaler after the "
                "transformer in a Pipeline."
            )

    # The hooks of the fit sequence (skae._base._BaseAutoencoder._fit).

    def _rows(self, X, incremental=False, reset=True):
        if reset:
            self._check_whiten()
        streamed = not incremental and self.strategy is None and _stream.streams(X)
        return rows_of(self, X, streamed, reset, self._accept_sparse())

    def _plan(self, n_features):
        return _Plan(*self._check_networks(n_features))

    def _start(self, networks, pca, center, rng):
        """Set the linear maps to PCA's projection; return the basis."""

        basis = pca_basis(pca, self.n_components_, rng)
        init_from_pca(self.encoder_, self.decoder_, basis, center)
        return basis

    def _train(self, networks, rows, spec, rng, incremental=False):

        if incremental:
            return self._train_one_epoch(rows, rng)
        X_train, X_val = rows.training_input(spec.as_they_are)
        with released_gradient_registrations():
            history = _training.train(
                networks.core,
                networks.optimizer,
                networks.loss_fn,
                X_train,
                X_val,
                config=self._training_config(spec),
                rng=rng,
                model=self.model_,
                strategy=networks.strategy,
                kept=networks.kept,
            )
        self._refresh_forward()
        return history

    def _floor(self, pca, rows):
        return pca.explained_variance_ratio_.sum()

    def _training_figure(self, rows, floor):
        """``(r2, codes)`` of the training rows (see :meth:`_training_score`)."""
        if rows.in_memory:
            return self._training_score(rows.X, floor)
        return rows.score(self._reconstruct), None

    def _reconstruct(self, X):
        forward = self._current_forward()
        return forward.decode(forward.encode(X, np.float64), np.float64)

    def _describe(self, rows, spec, pca, at_pca, r2, codes, rng, incremental=False):
        """The explained variance; return the training R^2 of the weights fit
        returns."""
        if incremental:
            return self._describe_batch(rows, rng)
        if at_pca:
            self._refresh_forward()
            r2 = rows.score(self._reconstruct)
            self._take_pca_figures(pca, spec.scale, rows.standardizer.no_variance)
        else:
            X_rank, total_var = rows.ranking_rows(rng, _EV_MAX_SAMPLES)
            self._order_code_units(
                X_rank, spec.scale, r2, rng, total_var=total_var, codes=codes
            )
        return r2

    def _record_components(self, rows, spec, basis, at_pca):
        """``components_`` of a linear model: ``basis.T`` where fit returns PCA's,
        else the axes of the codes' covariance."""
        vars(self).pop("components_", None)  # from an earlier, linear fit
        if spec.plan.linear:
            if at_pca:
                self.components_ = basis.T
            else:
                self.components_ = self._principal_axes(
                    rows.code_covariance(self._standardized_codes)
                )

    def _returned_loss(self, rows, networks, spec, r2):
        return self._loss_of_returned_weights(
            r2, networks.loss_fn, networks.core, rows.all_input(spec.as_they_are)
        )

    def _returned_validation_score(self, rows):
        return rows.score(self._reconstruct, rows.validation_rows())

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train for one epoch on the batch of rows ``X``, as MLPRegressor does.

        For data that come in batches or do not fit in memory (a ``numpy.memmap``
        read a block at a time, a Dask array through dask-ml's ``Incremental``). The
        first call on an unfitted estimator builds the model from its batch, which
        should have at least 2 rows. As IncrementalPCA's, the statistics follow
        every batch seen so far, not the first one only: before each epoch,
        ``mean_`` and the scale take the mean and the root mean feature variance of
        all the rows so far, and with ``init="pca"`` the linear maps take their
        principal directions, from an :class:`~sklearn.decomposition.IncrementalPCA`
        of the batches (the networks beside the linear maps keep their weights).
        So batches sorted by class, or a stream whose mean drifts, end near
        IncrementalPCA's R^2. Every call, the first included, then trains one
        epoch over its batch, in ``batch_size`` steps, and the optimizer's state
        carries over between calls. A call after ``fit`` continues training the
        fitted model, whose statistics (fit's) stay.

        Unlike ``fit``, ``partial_fit`` holds no rows out (``early_stopping`` and
        ``validation_fraction`` are ignored, as MLPRegressor's ``partial_fit``
        ignores them), keeps no PCA floor (no batch stands for all the data),
        calls no callbacks and prints nothing. It also keeps the code units in
        their order, so that a unit means the same from call to call.

        Each call adds one entry to ``loss_curve_`` (the batch's mean training
        loss) and one to ``n_iter_``; ``best_loss_`` is the lowest entry. The
        explained-variance attributes describe the batch just given, in the
        units' order, measured as ``fit`` measures them (a batch of 1 row leaves
        them as they were). A linear model's maps are IncrementalPCA's before
        each epoch, which then moves them a little.

        An error (a batch with a different number of features, training that
        diverges, Ctrl-C) leaves the estimator, weights, optimizer state, the
        statistics of the batches and the generator of their order included, as
        it was before the call.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            One batch of training data (a sparse batch is densified).

        y : None
            Ignored.

        Returns
        -------
        self : object
            This transformer.
        """
        if self.strategy is not None:
            raise ValueError(
                "partial_fit trains on one process without a distribution strategy; "
                f"set strategy=None (got {self.strategy!r}), or use fit."
            )
        state = self.__dict__.copy()
        weights = None
        # The generator of the batches' order, which the failed epoch drew from.
        rng = vars(self).get("_partial_rng")
        draws = None if rng is None else rng.get_state()
        try:
            if hasattr(self, "model_"):
                weights = self._training_state()
            self._fit(X, incremental=True)
        except BaseException:
            if weights is not None:
                self._set_training_state(weights)
            if draws is not None:
                rng.set_state(draws)
            self.__dict__.clear()
            self.__dict__.update(state)
            raise
        return self

    def _continued_rng(self):
        """The generator that partial_fit draws from, kept between its calls."""
        rng = getattr(self, "_partial_rng", None)
        if rng is None:  # after fit, or unpickled
            rng = self._partial_rng = check_random_state(self.random_state)
        return rng

    def _follow_batch(self, rows):
        """Take the batch into the statistics of every batch so far
        (:class:`skae._incremental.RunningPCA`), as IncrementalPCA does: the
        standardisation takes their mean and scale, and with ``init="pca"`` the
        linear maps their principal directions (the networks beside them keep
        their weights). After ``fit``, whose statistics stand for all the data,
        and while no batch had variance, the model's standardisation stays."""
        batches = vars(self).get("_batches")
        if batches is None:
            return Standardizer(self.mean_, self._scale)
        batches = self._batches = batches.update(rows.X)
        if not batches.scale > 0:
            return Standardizer(self.mean_, self._scale)
        self.mean_, self._scale = batches.mean, batches.scale
        set_standardization(self.encoder_, self.decoder_, self.mean_, self._scale)
        if self.init == "pca" and shortcut(self.encoder_) is not None:
            # Padded, where the first batch had fewer rows than code units, with
            # the same directions at every call.
            basis = pca_basis(batches.pca, self.n_components_, np.random.RandomState(0))
            set_linear_maps(
                self.encoder_, self.decoder_, basis, np.zeros(rows.n_features)
            )
        return Standardizer(self.mean_, self._scale)

    def _train_one_epoch(self, rows, rng):
        """partial_fit's training: one epoch over the rows; a History of it."""

        as_they_are = self._as_they_are()
        epoch = getattr(self, "_partial_epoch", None)
        if epoch is None:  # traced once per model, not pickled
            networks = self._existing_networks(rng)
            batch_size = self._training_settings(None).batch_size
            epoch = make_partial_epoch(
                networks.core,
                networks.optimizer,
                networks.loss_fn,
                rows.n_features,
                batch_size,
            )
            self._partial_epoch = epoch
        X_in = rows.X if as_they_are else rows.X_std
        history = History()
        history.loss_curve.append(epoch(X_in.astype(np.float32), rng))
        self._refresh_forward()
        return history

    def _existing_networks(self, rng):
        """The :class:`~skae._base._Networks` that train the fitted model as it is
        (``partial_fit`` after its first call, ``fit`` with ``warm_start``): its
        training core, its loss and its optimizer, with the optimizer's state."""
        as_they_are = self._as_they_are()
        core = training_core(
            self.encoder_,
            self.decoder_,
            self._scale,
            as_they_are,
            self._noise_setting(rng),
            self.sparsity,
        )
        loss_fn = self._keras_setting(
            "loss", make_loss, self.loss, self.mean_, self._scale, not as_they_are
        )
        optimizer = self.model_.optimizer
        values = vars(self).pop("_optimizer_values", None)
        if not optimizer.built and values is not None:
            # Unpickled by a Keras that does not restore optimizers (3.4), or
            # loaded by skae.load: the state saved, in the order of the same
            # core's variables, which the optimizer was built from before.
            optimizer.build(core.trainable_variables)
            for variable, value in zip(optimizer.variables, values, strict=True):
                variable.assign(value)
        return _Networks(core, optimizer, loss_fn)

    def _describe_batch(self, rows, rng):
        """partial_fit's description: the explained variance of the batch, in the
        units' order (a batch of 1 row leaves it as it was)."""
        if rows.n_samples >= 2:
            r2 = self._score(rows.X)
            total_var = np.var(rows.X_std, axis=0, ddof=1).sum()  # in units of s**2
            self._order_code_units(
                rows.X, self._scale, r2, rng, reorder=False, total_var=total_var
            )
            if self._is_linear():
                self.components_ = self._principal_axes(
                    rows.code_covariance(self._standardized_codes)
                )

    def _record_epoch(self, history):
        """partial_fit's record: one more entry of the training attributes."""
        loss = history.loss_curve[-1]
        self.loss_curve_ = [*self.loss_curve_, loss]
        self.n_iter_ += 1
        self.best_loss_ = min(
            loss, np.inf if self.best_loss_ is None else self.best_loss_
        )
        self.validation_scores_ = self.best_validation_score_ = None

    def _is_linear(self):
        """Whether the model is the built-in linear autoencoder."""
        custom = self.encoder is not None or self.decoder is not None
        return not custom and not self._validate_hidden_layer_sizes()

    def _warm_start(self):
        return self.warm_start

    def _as_they_are(self):
        """Whether training sees the data's units: the user's networks as they are."""

        return shortcut(self.encoder_) is None or shortcut(self.decoder_) is None

    def _training_state(self):
        """The model's and the optimizer's variables with snapshots of their values."""
        variables = [*self.model_.weights, *self.model_.optimizer.variables]
        # A TensorFlow read is a snapshot: training copies a buffer still read.
        return [(v, v.value.read_value()) for v in variables]

    def _set_training_state(self, state):
        for variable, value in state:
            variable.assign(value)

    def _check_networks(self, n_features):
        """``(hidden_layer_sizes, custom)``, checked against each other and X."""
        hidden = self._validate_hidden_layer_sizes()
        self._check_n_components(n_features)
        custom = self.encoder is not None or self.decoder is not None
        if self.tied_weights and custom:
            raise ValueError(
                "tied_weights=True ties the built-in network's decoder to its "
                "encoder; it cannot tie a custom encoder or decoder. Set "
                "tied_weights=False, or tie your layers inside your own models."
            )
        return hidden, custom

    def _network_spec(
        self, n_features, n_components, hidden, as_they_are, float64_linear=False
    ):
        """The :class:`~skae._network_cache.NetworkSpec` of a fit's networks."""

        return NetworkSpec(
            n_features=n_features,
            n_components=n_components,
            hidden=tuple(hidden),
            activation=self._keras_setting(
                "activation", keras_activation, self.activation
            ),
            noise=float(self.noise),
            sparsity=float(self.sparsity),
            tied=bool(self.tied_weights),
            as_they_are=bool(as_they_are),
            float64_linear=float64_linear,
        )

    def _build(self, spec, mean, scale, rng, learning_rate):
        """Build and compile a new model from ``spec``; return ``(loss_fn,
        optimizer, core)``.

        Sets ``model_``, ``encoder_``, ``decoder_``, ``n_components_`` and ``mean_``.
        """
        loss_fn = self._keras_setting(
            "loss", make_loss, self.loss, mean, scale, not spec.as_they_are
        )
        optimizer = self._keras_setting(
            "optimizer", make_optimizer, self.optimizer, learning_rate
        )
        model, encoder, decoder, core = spec.build(
            mean,
            scale,
            spec.draw_seeds(rng),
            networks=self._user_networks(spec.n_features, spec.n_components),
            # Drawn only with noise, so that noise=0 leaves every other draw as it was.
            noise_seed=self._noise_setting(rng)[1],
        )
        model.compile(optimizer=optimizer, loss=self.loss)
        self._set_networks(model, encoder, decoder)
        return loss_fn, optimizer, core

    def _load_networks(self, weights, as_they_are):
        """Build the fitted networks anew and give them ``weights`` (those of
        ``model_.get_weights()``); ``as_they_are``: whether the user's networks
        were trained as they are (see :meth:`_as_they_are`). How
        :func:`skae.load` restores them, with skae's code rather than a Keras file
        of the version that saved them."""
        n_features, k = self.n_features_in_, int(self.n_components_)
        plan = self._plan(n_features)
        # A linear model that fit held in float64 saved float64 kernels (the
        # standardisation's weights, float64 in every model, are not matrices).
        float64_linear = plan.linear and any(
            w.ndim == 2 and w.dtype == np.float64 for w in weights
        )
        network = self._network_spec(
            n_features, k, plan.hidden, as_they_are, float64_linear
        )
        learning_rate = self._training_settings(None).learning_rate
        draws = np.random.RandomState(0)  # of initial weights, replaced below
        self._build(network, self.mean_, self._scale, draws, learning_rate)
        self.model_.set_weights(weights)
        self._refresh_forward()

    def _set_networks(self, model, encoder, decoder):
        vars(self).pop("_unbuilt", None)  # an earlier fit's
        self.model_, self.encoder_, self.decoder_ = model, encoder, decoder

    def _restore_ties(self):
        if self.tied_weights:  # not in Keras's saved model
            tie(self.encoder_, self.decoder_)

    @contextlib.contextmanager
    def _networks(self, spec, rng, trains, incremental=False):
        """Yield the :class:`~skae._base._Networks` of a fit, with ``model_``,
        ``encoder_``, ``decoder_``, ``n_components_`` and ``mean_`` set.

        skae's own networks with the default loss, a named optimizer, no callbacks
        and no strategy are borrowed from the ones kept between fits (``kept``, a
        :class:`skae._network_cache.KeptNetworks`, with the initial weights and
        optimizer state a new model would have), and fit keeps the values of their
        weights (``_unbuilt``), from which ``model_`` and co. are built on first
        access. Other fits build their own (``kept`` is ``None``).
        """

        if incremental and spec is None:  # partial_fit trains the model as it is
            yield _Networks()
            return
        if spec.resumed:  # fit with warm_start: the fitted model, trained on
            yield self._existing_networks(rng)
            return
        n_features, n_components = spec.n_features, spec.n_components
        mean, scale, settings = spec.mean, spec.scale, spec.settings
        # A linear autoencoder that does not train is PCA's solution: in float64.
        network = self._network_spec(
            n_features,
            n_components,
            spec.plan.hidden,
            spec.as_they_are,
            float64_linear=spec.plan.linear and not trains,
        )
        strategy = resolve_strategy(self.strategy) if trains else None
        kept_spec = None
        if strategy is None and not incremental:
            kept_spec = self._kept_spec(network)
        if kept_spec is None:
            with strategy.scope() if strategy else contextlib.nullcontext():
                loss_fn, optimizer, core = self._build(
                    network, mean, scale, rng, settings.learning_rate
                )
            if incremental:  # partial_fit's first call: the model, its epoch kept
                self._partial_epoch = make_partial_epoch(
                    core, optimizer, loss_fn, n_features, settings.batch_size
                )
                self.n_iter_, self.loss_curve_ = 0, []
                self.best_loss_ = None
                self.validation_scores_ = self.best_validation_score_ = None
                self._partial_rng = rng
            yield _Networks(core, optimizer, loss_fn, strategy=strategy)
            return
        # The draws of _build, in its order.
        seeds = network.draw_seeds(rng)
        _, noise_seed = self._noise_setting(rng)
        loss_fn = make_loss(self.loss, mean, scale)

        def build():
            optimizer = self._keras_setting(
                "optimizer", make_optimizer, self.optimizer, settings.learning_rate
            )
            return kept_spec.build(np.zeros(n_features), 1.0, optimizer)

        with _network_cache.KEPT.borrowed(kept_spec, build) as kept:
            kept.reseed(seeds)
            set_standardization(kept.encoder, kept.decoder, mean, scale)
            reseed_noise(kept.core, noise_seed)
            kept.reset_optimizer(settings.learning_rate)
            self._set_networks(kept.model, kept.encoder, kept.decoder)
            yield _Networks(kept.core, kept.optimizer, loss_fn, kept=kept)
            self._unbuilt = UnbuiltNetworks(
                kept_spec, settings.learning_rate, mean, scale, *kept.values()
            )
            del self.model_, self.encoder_, self.decoder_
            if not self._forward.in_numpy:  # it would run the kept model, which
                self._refresh_forward()  # later fits change: run one of its own

    def _kept_spec(self, network):
        """The :class:`~skae._network_cache.KeptSpec` of a fit that trains skae's
        own networks (``network``) with the default loss, a named optimizer and no
        callbacks (which may read the weights while training runs), of at most
        :data:`~skae._network_cache.MAX_KEPT_KERNEL_VALUES` kernel values, else
        ``None``: such fits borrow kept networks."""
        if (
            network.n_kernel_values > _network_cache.MAX_KEPT_KERNEL_VALUES
            or self.encoder is not None
            or self.decoder is not None
            or self.callbacks
            or not (isinstance(self.loss, str) and self.loss in MSE_NAMES)
            or not isinstance(self.optimizer, (str, type))
        ):
            return None
        return KeptSpec(network, self.optimizer, self.loss)

    def _noise_setting(self, rng):
        """``(stddev, seed)`` of the training noise; a seed is drawn only with noise."""
        return (self.noise, int(rng.randint(2**31 - 1)) if self.noise else None)

    def _loss_of_returned_weights(self, r2, loss_fn, core, X_in):
        """The training loss of the weights fit returns, on all the rows."""
        if isinstance(self.loss, str) and self.loss in MSE_NAMES:
            return 1.0 - r2  # the fraction of variance unexplained, in float64
        tf = import_tensorflow()
        if not isinstance(X_in, np.ndarray):  # rows in chunks (skae._stream)
            total = 0.0
            for part in X_in.parts():
                part_loss = self._loss_of_returned_weights(r2, loss_fn, core, part)
                total += part_loss * len(part)
            return total / X_in.shape[0]
        X = tf.constant(X_in.astype(np.float32))
        return float(loss_fn(X, core(X, training=False)))

    def _take_pca_figures(self, pca, scale, no_variance):
        """Explained variance of a model that is PCA (up to float32 weights)."""
        pad = self.n_components_ - pca.n_components_
        variance = _in_squared_units(pca.explained_variance_, scale)
        self.explained_variance_ = np.pad(variance, (0, pad))
        padding = np.nan if no_variance else 0.0  # PCA's 0 / 0 without variance
        self.explained_variance_ratio_ = np.pad(
            pca.explained_variance_ratio_, (0, pad), constant_values=padding
        )

    def _standardized_codes(self, X):
        """The float64 codes of the rows ``X`` in standardised units (those of
        ``transform`` over the data's scale): their covariance does not
        overflow for data at 1e300."""
        return self._forward.encode(X, np.float64) / self._scale

    def _principal_axes(self, code_cov):
        """Orthonormal basis of the linear decoder's span, as PCA's ``components_``.

        The axes are the principal directions of the training reconstructions
        (whose standardised codes have the covariance ``code_cov``), largest
        variance first, each signed so that its largest entry is positive (the
        rule of scikit-learn's ``svd_flip`` for PCA).
        """

        # The kernel in standardised units: the same directions at any scale of X.
        kernel = np.asarray(shortcut(self.decoder_).linear.kernel, dtype=np.float64)
        q, r = np.linalg.qr(kernel.T)  # reconstructions are Z @ r.T @ q.T
        variance, rotation = np.linalg.eigh(r @ code_cov @ r.T)
        axes = (q @ rotation[:, np.argsort(variance)[::-1]]).T
        signs = np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(axis=1)])
        return axes * signs[:, None]

    @property
    def singular_values_(self):
        """PCA's ``singular_values_`` of a linear model: the 2-norms of the
        centred training codes of each unit, ``sqrt(explained_variance_ *
        (n_samples_ - 1))``."""
        explained = self._linear_explained_variance("singular_values_")
        return np.sqrt(explained * (self.n_samples_ - 1))

    @property
    def noise_variance_(self):
        """PCA's ``noise_variance_`` of a linear model: the variance left per
        direction not coded, the mean of the eigenvalues of the covariance that
        the codes leave out (Tipping & Bishop, 1999), in squared units of X."""
        explained = self._linear_explained_variance("noise_variance_")
        ratio = self.explained_variance_ratio_.sum()
        left = min(self.n_samples_, self.n_features_in_) - self.n_components_
        if not (left > 0 and np.isfinite(ratio) and ratio != 0):
            return 0.0  # every direction coded, or no variance (PCA's 0 too)
        total = explained.sum() / ratio
        return float(max(total - explained.sum(), 0.0) / left)

    def _linear_explained_variance(self, name):
        """``explained_variance_`` of a linear model (one with ``components_``);
        an AttributeError (see :meth:`__getattr__`) for others."""
        if "components_" not in vars(self):
            raise AttributeError(name)
        return self.explained_variance_

    def _gaussian_model(self):
        """PCA's Gaussian model of a linear model: ``(W, noise)`` with the
        covariance ``W.T @ W + noise * I`` (components_ scaled by the variance
        each explains beyond the noise, as PCA's ``get_covariance``)."""
        explained = self._linear_explained_variance("get_covariance")
        noise = self.noise_variance_
        signal = np.sqrt(np.maximum(explained - noise, 0.0))
        return signal[:, None] * self.components_, noise

    def _not_linear_message(self, name):
        if name in ("get_covariance", "get_precision", "noise_variance_"):
            what = f"{name} belongs to PCA's Gaussian model of the data"
        else:
            what = f"{name} is the linear map of a linear autoencoder"
        return (
            f"{what}, which a linear autoencoder (hidden_layer_sizes=() without "
            "an encoder or decoder) has, as PCA. This model's codes are a "
            "non-linear function of X, with no fixed directions: use transform(X) "
            "for the codes and inverse_transform for what they reconstruct; where a "
            "method wants directions or centres in code space (KMeans(init=...), "
            "say), pass the codes of the data's means, e.g. transform of each "
            "class's mean row; for a likelihood, VariationalAutoencoder's score"
        )  # no final full stop: Python may add ". Did you mean ...?"

    def _saved_state(self, built=False):
        state = super()._saved_state(built)
        state.pop("_partial_epoch", None)  # traced again after loading
        # partial_fit goes on with the optimizer's state; Keras 3.4 saves the
        # model without it, later versions with it (and then this is not used).
        optimizer = getattr(state.get("model_"), "optimizer", None)
        if optimizer is not None and optimizer.built:
            # tf's numpy(): NumPy 2 deprecates __array__ without a copy keyword.
            values = [v.value.numpy() for v in optimizer.variables]
            state["_optimizer_values"] = values
        return state

    def score(self, X, y=None):
        """Reconstruction R^2 of X, variance-weighted over features.

        ``1 - sum((X - X_hat)**2) / sum((X - X.mean(axis=0))**2)``, with ``X_hat`` the
        reconstruction of ``X``. Higher is better; for PCA the same formula on its
        training data equals ``explained_variance_ratio_.sum()``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data to reconstruct.

        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            accept_sparse=self._accept_sparse(),
            dtype=[np.float64, np.float32],
            reset=False,
        )
        if not sparse.issparse(X):
            return self._score(X)
        if not _stream.streams(X):
            return self._score(X.toarray(order="C"))
        # A large sparse X, reconstructed a chunk at a time.
        *_, total_ss, exponent = _stream.sparse_moments(X)
        chunks = _stream.SparseChunks(X)
        return _stream.score(chunks, self._reconstruct, total_ss, exponent)

    def score_samples(self, X):
        """Negative mean squared reconstruction error of each row.

        Higher is more typical of the training data: useful for anomaly detection.
        In squared units of X: where that exceeds float64 (data beyond about
        1e154), or where a value in the network overflows it, a row scores
        ``-inf``, never NaN, so that rows further out never score higher.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            accept_sparse=self._accept_sparse(),
            dtype=[np.float64, np.float32],
            reset=False,
        )
        forward = self._current_forward()

        def row_scores(X):
            with np.errstate(over="ignore", invalid="ignore"):
                X_hat = forward.decode(forward.encode(X, np.float64), np.float64)
                scores = -np.mean((X - X_hat) ** 2, axis=1)
            # The rows are finite, so a NaN comes from a value that overflowed
            # float64 in the network (inf - inf): the row lies beyond float64's
            # range of errors.
            scores[np.isnan(scores)] = -np.inf
            return scores

        return _stream.map_rows(X, row_scores)
