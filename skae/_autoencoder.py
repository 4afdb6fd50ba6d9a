"""AutoencoderTransformer: a Keras autoencoder with PCA's scikit-learn interface."""

import pickle
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    RealNotInt,
    StrOptions,
)
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._backend import import_tensorflow
from ._inference import Inference
from ._objectives import (
    MSE_NAMES,
    make_loss,
    make_optimizer,
    reconstruction_r2,
    standardization,
    standardize,
)
from ._warnings import warn

# Rows used to split the training R^2 among components; see explained_variance_ratio_.
_EV_MAX_SAMPLES = 2000
# What the Keras-side parameters take, for their error messages.
_KERAS_KINDS = {
    "activation": "one of MLPRegressor's names ('identity', 'logistic', 'tanh', "
    "'relu') or a Keras activation name ('selu', 'gelu', ...)",
    "loss": "a Keras loss: a name, a keras.losses.Loss or a function",
    "optimizer": "a Keras optimizer: a name, a class or an instance",
}


class AutoencoderTransformer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
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
    variance, so fitting ``c * X`` gives the same scores, explained variance ratios
    and codes as fitting ``X``, for any ``c`` at which float64 holds the data
    (1e-300 to 1e300 in tests).

    Parameters
    ----------
    n_components : int or float, default=2
        Size of the code. An int is the number of code units (at most
        ``n_features``). A float in (0, 1) selects, as PCA does, the smallest number of
        components whose PCA explains at least that fraction of the variance of the
        training data; ``n_components_`` holds the result.

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
        is the linear map's output plus the gated network's; the decoder's
        network adds, gated, to the linear reconstruction in standardised units.
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

    activation : str, default='relu'
        Activation of the hidden layers: MLPRegressor's names (``'identity'``,
        ``'logistic'``, ``'tanh'``, ``'relu'``) or any of Keras's (``'selu'``,
        ``'gelu'``, ``'elu'``, ...). The code and the reconstruction are linear, as
        MLPRegressor's output layer is.

    init : {'pca', 'random'}, default='pca'
        ``'pca'`` starts the linear paths at PCA's projection (fitted on the training
        rows, those held out for early stopping excepted) and the deep paths' last
        layers at zero, and keeps PCA of all rows as the floor (see above);
        ``'random'`` initialises every layer with Glorot-uniform weights, with no
        floor but the random start itself.

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

    max_iter : int, default=200
        Maximum number of epochs.

    batch_size : int, default=64
        Rows per gradient step (clipped to the number of training rows).

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

    learning_rate : float, default=3e-3
        Learning rate of the optimizer (MLPRegressor's ``learning_rate_init``;
        there is no schedule).

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
        differ; with fewer (about 10 rows or less at the default fraction), fit
        warns and trains on all rows without early stopping, where MLPRegressor
        raises.

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
        validation loss and R^2.

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
        weights, call :meth:`reload_weights`).

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

    components_ : ndarray of shape (`n_components_`, n_features)
        Linear autoencoders (``hidden_layer_sizes=()``) only: an orthonormal basis of
        the decoder's span, the principal axes of the training reconstructions with
        the largest variance first, signed as PCA's. At PCA's optimum these are PCA's
        ``components_``.

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
    and ``inverse_transform`` run a NumPy pass over a float64 copy of them, so a row
    gives the same output alone or in a batch.

    Fit raises ``ValueError`` before training where the standardised data cannot be
    held in float32 (values near the limits of float64 whose difference with the
    mean overflows), and ``FloatingPointError`` if the training loss stops being
    finite (a learning rate far too large); the estimator is then left as it was.

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
        "n_components": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="neither"),
        ],
        "encoder": [None, callable],
        "decoder": [None, callable],
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [str],  # MLPRegressor's names or Keras's, checked at fit
        "init": [StrOptions({"pca", "random"})],
        "noise": [Interval(Real, 0, None, closed="left")],
        "sparsity": [Interval(Real, 0, None, closed="left")],
        "tied_weights": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "loss": [str, callable],
        "optimizer": [str, type, HasMethods(["get_config"])],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "callbacks": [list, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_components=2,
        *,
        encoder=None,
        decoder=None,
        hidden_layer_sizes=(256, 128),
        activation="relu",
        init="pca",
        noise=0.0,
        sparsity=0.0,
        tied_weights=False,
        max_iter=200,
        batch_size=64,
        loss="mse",
        optimizer="adam",
        learning_rate=3e-3,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=True,
        validation_fraction=0.1,
        callbacks=None,
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.encoder = encoder
        self.decoder = decoder
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
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
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the autoencoder to reconstruct X.

        Interrupting training (Ctrl-C, :class:`KeyboardInterrupt`) keeps what was
        trained: the estimator is left fitted with the weights that training had
        chosen so far, its attributes describing them, a warning says so, and the
        interrupt is raised again so that a script or a search stops. Any other
        error, or an interrupt before training, leaves the estimator as it was.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        # A failed fit must leave an earlier fit usable: restore every attribute.
        state = self.__dict__.copy()
        try:
            interrupted = self._fit(X)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(state)
            raise
        if interrupted:
            raise KeyboardInterrupt
        return self

    def _fit(self, X):
        """Fit; return whether training was interrupted."""
        from ._network import build_autoencoder, fit_pca, init_from_pca, pca_basis
        from ._training import History, released_gradient_registrations, train

        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        hidden = self._validate_hidden_layer_sizes()
        self._check_n_components(X.shape[1])
        rng = check_random_state(self.random_state)
        mean, scale, no_variance = self._standardization(X)
        X_std = standardize(X, mean, scale)
        custom = self.encoder is not None or self.decoder is not None
        if self.tied_weights and custom:
            raise ValueError(
                "tied_weights=True ties the built-in network's decoder to its "
                "encoder; it cannot tie a custom encoder or decoder. Set "
                "tied_weights=False, or tie your layers inside your own models."
            )
        linear = not hidden and not custom
        # Eckart-Young: PCA's projection is the exact minimum of a linear autoencoder's
        # squared error, so from init="pca" no epoch runs and no row is held out.
        # Without variance there is nothing to learn either.
        trains = not (no_variance or (linear and self.init == "pca"))
        # The user's networks with init="random" are trained as they are, on X.
        as_they_are = trains and custom and self.init == "random"
        X_in = X.astype(np.float32) if as_they_are else X_std
        val_rows = None
        if self.early_stopping and trains:
            val_rows = self._validation_rows(X_std, rng)
        X_train, X_val = X_in, None
        if val_rows is not None:
            X_train, X_val = np.delete(X_in, val_rows, axis=0), X_in[val_rows]
        pca = None  # PCA of all the rows: the floor, and the size for a float
        if self.init == "pca" or not trains or isinstance(self.n_components, float):
            with np.errstate(invalid="ignore"):  # PCA's 0 / 0 without variance
                pca = fit_pca(X_std, self.n_components, rng)
        n_components = (
            int(self.n_components)
            if isinstance(self.n_components, Integral)
            else int(pca.n_components_)
        )

        activation, loss_fn, optimizer = self._keras_settings(
            mean, scale, standardized=not as_they_are
        )
        model, encoder, decoder, core = build_autoencoder(
            X.shape[1],
            n_components,
            hidden,
            activation,
            mean,
            scale,
            seeds=iter(rng.randint(np.iinfo(np.int32).max, size=2 * len(hidden) + 4)),
            networks=self._user_networks(X.shape[1], n_components),
            as_they_are=as_they_are,
            # Drawn only with noise, so that noise=0 leaves every other draw as it was.
            noise=(self.noise, int(rng.randint(2**31 - 1)) if self.noise else None),
            sparsity=self.sparsity,
            tied=self.tied_weights,
        )
        model.compile(optimizer=optimizer, loss=self.loss)
        self.model_, self.encoder_, self.decoder_ = model, encoder, decoder
        self.n_components_ = n_components
        self.mean_ = mean

        def start_from_pca(pca, rows):
            basis = pca_basis(pca, n_components, rng)
            init_from_pca(encoder, decoder, basis, rows.mean(axis=0))
            return basis

        history, at_pca = History(), not trains
        if self.init == "pca" or not trains:
            # The start is PCA of the training rows only: early stopping then compares
            # it fairly with later epochs on the validation rows.
            start = pca if X_val is None else fit_pca(X_train, n_components, rng)
            basis = start_from_pca(start, X_train)
        if trains:
            with released_gradient_registrations():
                history = train(
                    core,
                    optimizer,
                    loss_fn,
                    X_train.astype(np.float32),
                    None if X_val is None else X_val.astype(np.float32),
                    params=self.get_params(deep=False),
                    rng=rng,
                    model=model,
                )
            self._refresh_forward()
            r2 = self._score(X)
            if self.init == "pca" and r2 < pca.explained_variance_ratio_.sum():
                # The floor: never explain less variance of X than PCA of X.
                basis, at_pca = start_from_pca(pca, X_std), True
        if at_pca:
            self._refresh_forward()
            r2 = self._score(X)
        if not trains:
            # The closed-form fit counts as one iteration (scikit-learn's estimators
            # report at least one); its loss is the fraction of variance unexplained.
            loss = self._loss_of_returned_weights(r2, loss_fn, core, X_in)
            history.loss_curve, history.best_loss, history.converged = (
                [loss],
                loss,
                True,
            )
        if at_pca:
            self._take_pca_figures(pca, scale, no_variance)
        else:
            self._order_code_units(X, scale, r2, rng)
        vars(self).pop("components_", None)  # from an earlier, linear fit
        if linear:
            self.components_ = basis.T if at_pca else self._principal_axes(X)
        discarded = trains and bool(history.loss_curve)
        discarded = discarded and (history.kept_initial or at_pca)
        if trains and val_rows is None and (discarded or not history.loss_curve):
            # The start's or PCA's weights, or none trained (Ctrl-C at once).
            history.best_loss = self._loss_of_returned_weights(r2, loss_fn, core, X_in)
        val_score = None  # R^2 of the returned weights on the held-out rows
        if val_rows is not None:
            val_score = history.best_validation_score
            if at_pca:
                val_score = self._score(X[val_rows])
        self._set_training_attributes(history, val_score, discarded)
        return history.interrupted

    def _standardization(self, X):
        """``(mean_, scale, no_variance)``; data without variance get scale 1."""
        mean, scale = standardization(X)
        if scale > 0:
            return mean, scale, False
        warn(
            f"X has no variance: its {X.shape[0]} rows are all the same. As PCA "
            "does, every code is 0 and decodes to mean_, explained_variance_ is 0 "
            "and explained_variance_ratio_ is NaN (0 / 0); nothing was trained.",
            UserWarning,
        )
        return mean, np.float64(1.0), True

    def _user_networks(self, n_features, n_components):
        """The user's encoder and decoder networks (``None`` for built-in ones)."""
        from ._network import user_network

        return (
            None
            if self.encoder is None
            else user_network(self.encoder, n_features, n_components, "encoder"),
            None
            if self.decoder is None
            else user_network(self.decoder, n_components, n_features, "decoder"),
        )

    def _loss_of_returned_weights(self, r2, loss_fn, core, X_in):
        """The training loss of the weights fit returns, on all the rows."""
        if isinstance(self.loss, str) and self.loss in MSE_NAMES:
            return 1.0 - r2  # the fraction of variance unexplained, in float64
        tf = import_tensorflow()
        X = tf.constant(X_in.astype(np.float32))
        return float(loss_fn(tf, X, core(X, training=False)))

    def _take_pca_figures(self, pca, scale, no_variance):
        """Explained variance of a model that is PCA (up to float32 weights)."""
        pad = self.n_components_ - pca.n_components_
        variance = _in_squared_units(pca.explained_variance_, scale)
        self.explained_variance_ = np.pad(variance, (0, pad))
        padding = np.nan if no_variance else 0.0  # PCA's 0 / 0 without variance
        self.explained_variance_ratio_ = np.pad(
            pca.explained_variance_ratio_, (0, pad), constant_values=padding
        )

    def _keras_settings(self, mean, scale, standardized):
        """Keras's activation name, the training loss and a new optimizer.

        The names are Keras's to check: a name Keras does not know is an
        InvalidParameterError naming the parameter, as scikit-learn's checks give.
        """
        from ._network import keras_activation

        settings = []
        for name, make, args in (
            ("activation", keras_activation, (self.activation,)),
            ("loss", make_loss, (self.loss, mean, scale, standardized)),
            ("optimizer", make_optimizer, (self.optimizer, self.learning_rate)),
        ):
            try:
                settings.append(make(*args))
            except (ValueError, TypeError) as exc:
                raise InvalidParameterError(
                    f"The {name!r} parameter of {type(self).__name__} must be "
                    f"{_KERAS_KINDS[name]}. Got {getattr(self, name)!r} instead "
                    f"({exc})."
                ) from exc
        return settings

    def _validation_rows(self, X, rng):
        """Indices of the rows held out for early stopping, or ``None`` if too few.

        Early stopping compares validation R^2 across epochs, which needs at least
        two validation rows that differ (one row, or identical rows, have no
        variance). With fewer, training runs on all rows without early stopping.
        """
        n_samples = X.shape[0]
        n_val = int(np.ceil(self.validation_fraction * n_samples))
        if 2 <= n_val < n_samples:
            _, rows = train_test_split(
                np.arange(n_samples), test_size=n_val, random_state=rng
            )
            if np.ptp(X[rows], axis=0).any():
                return np.sort(rows)
        warn(
            "early_stopping needs at least 2 validation rows that differ, but "
            f"validation_fraction={self.validation_fraction} of {n_samples} rows "
            f"gives {n_val}{' identical ones' if n_val >= 2 else ''}. Training on "
            "all rows without early stopping; increase validation_fraction or the "
            "number of rows to keep it.",
            UserWarning,
        )
        return None

    def _set_training_attributes(self, history, val_score, discarded):
        """Set n_iter_, loss_curve_ and co., MLPRegressor's training attributes.

        ``n_iter_``, ``loss_curve_`` and ``validation_scores_`` describe the run (as
        MLPRegressor's do, which also keeps a best epoch's weights under early
        stopping); ``best_loss_`` and ``best_validation_score_`` describe the weights
        that fit returns, also when it discards the run for its start or PCA's.
        """
        if history.interrupted:
            warn(
                f"Training was interrupted after {len(history.loss_curve)} epochs; "
                "the estimator is fitted with the weights chosen so far.",
                UserWarning,
            )
        if discarded:
            kept = "PCA's solution" if self.init == "pca" else "its random start"
            warn(
                f"Training for {len(history.loss_curve)} epochs did not improve on "
                f"{kept}, which fit returns; best_loss_ or best_validation_score_ "
                "are its figures.",
                ConvergenceWarning,
            )
        elif not (history.converged or history.interrupted):
            warn(
                f"Maximum iterations ({self.max_iter}) reached and the optimization "
                "hasn't converged yet.",
                ConvergenceWarning,
            )
        self.n_iter_ = len(history.loss_curve)
        self.loss_curve_ = history.loss_curve
        self.best_loss_ = None
        self.validation_scores_ = None
        self.best_validation_score_ = None
        if val_score is not None:
            self.validation_scores_ = history.validation_scores
            self.best_validation_score_ = val_score
        else:
            self.best_loss_ = history.best_loss

    def _validate_hidden_layer_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, Integral) else tuple(sizes)
        if not all(isinstance(s, Integral) and s > 0 for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes must hold positive integers, got {sizes}."
            )
        # Keras takes Python ints only; NumPy's integers are Integral too.
        return tuple(int(s) for s in sizes)

    def _check_n_components(self, n_features):
        if isinstance(self.n_components, Integral) and self.n_components > n_features:
            raise ValueError(
                f"n_components={self.n_components} must be at most the number of "
                f"features, n_features={n_features}."
            )

    def _order_code_units(self, X, scale, r2, rng):
        """Order code units by explained variance and set the explained_variance_*."""
        from ._network import permute_code

        self._refresh_forward()
        rows = X
        if X.shape[0] > _EV_MAX_SAMPLES:
            rows = X[rng.choice(X.shape[0], _EV_MAX_SAMPLES, replace=False)]
        Z = self._forward.encode(rows, np.float64)
        r2_all = reconstruction_r2(rows, self._forward.decode(Z, np.float64))
        importance = np.empty(self.n_components_)
        for j in range(self.n_components_):
            Z_held = Z.copy()
            Z_held[:, j] = Z[:, j].mean()
            X_held = self._forward.decode(Z_held, np.float64)
            importance[j] = r2_all - reconstruction_r2(rows, X_held)
        importance = np.maximum(importance, 0.0)
        order = np.argsort(-importance, kind="stable")
        shares = importance  # in the network's order where units cannot be reordered
        if permute_code(self.encoder_, self.decoder_, order):
            self._refresh_forward()
            shares = importance[order]

        share_sum = shares.sum()
        if share_sum == 0:
            shares, share_sum = np.ones_like(shares), len(shares)
        ratio = shares * (r2 / share_sum)  # r2: training R^2, which unit order keeps
        # ratio times X.var(axis=0, ddof=1).sum(), which is this in units of scale**2.
        n_samples, n_features = X.shape
        total_var = n_features * n_samples / (n_samples - 1)
        self.explained_variance_ = _in_squared_units(ratio * total_var, scale)
        self.explained_variance_ratio_ = ratio

    def _principal_axes(self, X):
        """Orthonormal basis of the linear decoder's span, as PCA's ``components_``.

        The axes are the principal directions of the training reconstructions,
        largest variance first, each signed so that its largest entry is positive (the
        rule of scikit-learn's ``svd_flip`` for PCA).
        """
        from ._network import shortcut

        # The kernel in standardised units: the same directions at any scale of X.
        kernel = np.asarray(shortcut(self.decoder_).linear.kernel, dtype=np.float64)
        Z = self._forward.encode(X, np.float64)
        q, r = np.linalg.qr(kernel.T)  # reconstructions are Z @ r.T @ q.T
        code_cov = np.atleast_2d(np.cov(Z, rowvar=False))
        variance, rotation = np.linalg.eigh(r @ code_cov @ r.T)
        axes = (q @ rotation[:, np.argsort(variance)[::-1]]).T
        signs = np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(axis=1)])
        return axes * signs[:, None]

    def _refresh_forward(self):
        """Snapshot the Keras weights for the NumPy inference path."""
        from ._network import copy_tied_kernels

        copy_tied_kernels(self.decoder_)
        self._forward = Inference(
            self.encoder_, self.decoder_, self.n_features_in_, self.n_components_
        )
        self._forward_history = getattr(self.model_, "history", None)

    def _current_forward(self):
        # Every model_.fit() installs a new History object on model_.history: a check
        # that costs nanoseconds, where reading a TensorFlow variable costs ~20 us.
        if getattr(self.model_, "history", None) is not self._forward_history:
            self._refresh_forward()
        return self._forward

    def reload_weights(self):
        """Take the Keras models' current weights into ``transform`` and co.

        ``transform``, ``inverse_transform``, ``score`` and ``score_samples`` run a
        fast NumPy pass over a copy of the weights. The copy is renewed by ``fit``
        and after ``model_.fit(...)``; call this method after changing the weights
        in any other way (``set_weights``, ``train_on_batch``, training
        ``encoder_`` or ``decoder_`` on their own).

        Returns
        -------
        self : object
            This transformer.
        """
        check_is_fitted(self)
        self._refresh_forward()
        return self

    def transform(self, X):
        """Encode X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to encode.

        Returns
        -------
        X_new : ndarray of shape (n_samples, `n_components_`)
            The code of each row, float32 for float32 input and float64 otherwise.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return self._current_forward().encode(X, X.dtype)

    def inverse_transform(self, X):
        """Decode codes back to the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, `n_components_`)
            Codes, as returned by ``transform``.

        Returns
        -------
        X_original : ndarray of shape (n_samples, `n_features_in_`)
            Reconstructions, float32 for float32 input and float64 otherwise.
        """
        check_is_fitted(self)
        X = check_array(X, dtype=[np.float64, np.float32])
        if X.shape[1] != self.n_components_:
            raise ValueError(
                f"X has {X.shape[1]} features, but inverse_transform of "
                f"{self.__class__.__name__} is expecting {self.n_components_} features "
                "(n_components_) as input."
            )
        return self._current_forward().decode(X, X.dtype)

    def score(self, X, y=None):
        """Reconstruction R^2 of X, variance-weighted over features.

        ``1 - sum((X - X_hat)**2) / sum((X - X.mean(axis=0))**2)``, with ``X_hat`` the
        reconstruction of ``X``. Higher is better; for PCA the same formula on its
        training data equals ``explained_variance_ratio_.sum()``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to reconstruct.

        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return self._score(X)

    def _score(self, X):
        forward = self._current_forward()
        X_hat = forward.decode(forward.encode(X, np.float64), np.float64)
        return reconstruction_r2(X, X_hat)

    def score_samples(self, X):
        """Negative mean squared reconstruction error of each row.

        Higher is more typical of the training data: useful for anomaly detection.
        In squared units of X: where that exceeds float64 (data beyond about
        1e154), a row scores ``-inf``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        forward = self._current_forward()
        X_hat = forward.decode(forward.encode(X, np.float64), np.float64)
        with np.errstate(over="ignore"):
            return -np.mean((X - X_hat) ** 2, axis=1)

    @property
    def _n_features_out(self):
        return self.n_components_

    def __getstate__(self):
        # Keras pickles model_ natively; the encoder and decoder live inside it and are
        # taken back out on load, so the three keep sharing their weights. Keras
        # finds skae's layers by registered name, so the model travels as bytes that
        # __setstate__ loads once skae.layers is imported.
        state = dict(super().__getstate__())  # object's is the live __dict__
        for name in ("encoder_", "decoder_", "_forward", "_forward_history"):
            state.pop(name, None)
        if "model_" in state:
            state["model_"] = pickle.dumps(state["model_"])
        return state

    def __setstate__(self, state):
        if isinstance(state.get("model_"), bytes):
            from . import layers  # noqa: F401  registers skae's layers with Keras

            state = {**state, "model_": pickle.loads(state["model_"])}
        super().__setstate__(state)
        if "model_" in state:
            self.encoder_, self.decoder_ = self.model_.layers
            if getattr(self, "tied_weights", False):  # not in Keras's saved model
                from ._network import tie

                tie(self.encoder_, self.decoder_)
            self._refresh_forward()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _in_squared_units(values, scale):
    """``values * scale**2``: 0 stays 0, and only what float64 cannot hold is inf."""
    with np.errstate(over="ignore"):
        return values * scale * scale
