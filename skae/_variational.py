"""VariationalAutoencoder: a generative autoencoder whose score is a likelihood bound.

On standardised rows ``x_std = (x - mean) / s`` (as skae's other estimator), the model
is::

    z ~ N(0, I)                                   prior over the code
    x_std | z ~ N(Decoder(z), sigma2 * I)         one noise variance, as PPCA's
    q(z | x_std) = N(mu(x_std), diag(exp(log_var(x_std))))

where the encoder gives ``mu`` and ``log_var`` and both halves are a linear map with
a network beside it (:class:`~skae.layers.LinearShortcut`). Training maximises the
evidence lower bound (ELBO), ``E_q[log p(x_std | z)] - beta * KL(q || prior)``, with
the reparameterisation trick. The linear model is probabilistic PCA: its optimum
(Tipping & Bishop, 1999; for the VAE, Lucas et al., 2019) is, with PCA's variances
``lam`` and noise variance ``sigma2`` (the mean of the variances left out)::

    Decoder(z) = U diag(sqrt(lam - sigma2)) z + center
    mu         = diag(sqrt(lam - sigma2) / lam) U.T (x_std - center)
    log_var    = log(sigma2 / lam)

where the posterior is exact, so the ELBO is probabilistic PCA's log-likelihood,
which ``PCA.score`` gives. ``init="pca"`` starts there, with the networks silent.

The expectation over ``q`` is taken with the spherical cubature rule: the ``2k``
points ``mu +/- sqrt(k) * sigma_j * e_j``, equally weighted, which is exact for a
linear decoder and deterministic, so ``score_samples`` needs no random draws.
"""

import contextlib
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
)
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _training
from ._backend import import_keras, import_tensorflow
from ._base import _BaseAutoencoder, _in_squared_units, _Networks
from ._inference import Inference
from ._network import (
    built_in_half,
    keras_activation,
    pca_basis,
    permute_code,
    set_standardization,
    shortcut,
    silence_networks,
)
from ._objectives import (
    gaussian_nll,
    kl_to_standard_normal,
    make_optimizer,
)
from ._training import released_gradient_registrations

# Smallest noise variance of the decoder, as a fraction of the mean feature variance.
_NOISE_FLOOR = 1e-6
# Bounds the decoded cubature points held at once, in float64 values (32 MiB).
_ELBO_CHUNK_VALUES = 2**22


def cubature_points(n_components):
    """The ``2k`` standard-normal cubature points ``+/- sqrt(k) e_j``, as rows."""
    eye = np.sqrt(n_components) * np.eye(n_components)
    return np.vstack([eye, -eye])


def build_vae(
    n_features,
    n_components,
    hidden,
    activation,
    mean,
    scale,
    seeds,
    beta,
    networks=(None, None),
):
    """Build and return ``(model, encoder, decoder, core, noise)``.

    ``encoder`` maps rows to ``2 * n_components`` values, the posterior means and
    log-variances; ``decoder`` maps codes to the reconstruction's mean, in the
    data's units; ``model`` chains them through the posterior mean. ``core`` is
    what training fits, on standardised rows: it draws a code in training and
    adds ``beta`` times the divergence from the prior to its losses; its last
    layer, ``noise``, holds the decoder's noise variance. ``networks`` holds the
    user's encoder and decoder networks (or ``None`` for the built-in ones of
    ``hidden``), each beside its linear map behind a gate that starts at zero.
    """
    keras = import_keras()
    from .layers import NoiseVariance, Reparameterize, Standardize

    def init():
        return keras.initializers.GlorotUniform(seed=int(next(seeds)))

    encoder_network, decoder_network = networks
    code = built_in_half(
        2 * n_components, hidden, activation, init, "encoder", "code", encoder_network
    )
    reconstruction = built_in_half(
        n_features,
        hidden[::-1],
        activation,
        init,
        "decoder",
        "reconstruction",
        decoder_network,
    )
    sample = Reparameterize(n_components, beta, seed=int(next(seeds)), name="sample")
    to_standard = Standardize(name="standardize")
    from_standard = Standardize(invert=True, name="unstandardize")
    encoder = keras.Sequential(
        [keras.Input((n_features,), dtype="float64"), to_standard, code],
        name="encoder",
    )
    decoder = keras.Sequential(
        [keras.Input((n_components,)), reconstruction, from_standard], name="decoder"
    )
    set_standardization(encoder, decoder, mean, scale)
    model = keras.Sequential([encoder, sample, decoder], name="variational")
    noise = NoiseVariance(_NOISE_FLOOR, name="noise_variance")
    core = keras.Sequential(
        [keras.Input((n_features,)), code, sample, reconstruction, noise], name="core"
    )
    return model, encoder, decoder, core, noise


def start_from_ppca(encoder, decoder, noise, basis, variances, noise_variance, center):
    """Set the linear maps to probabilistic PCA's optimum, silence the networks.

    ``basis`` is an orthonormal ``(n_features, k)`` matrix of principal directions
    of the standardised rows, ``variances`` their ``k`` variances, ``noise_variance``
    the variance left per feature, and ``center`` the rows' mean.
    """

    sigma2 = max(float(noise_variance), _NOISE_FLOOR)
    signal = np.sqrt(np.maximum(variances - sigma2, 0.0))
    precision = signal**2 + sigma2  # per unit: the posterior's is this / sigma2
    gain = signal / precision
    kernel = np.hstack([basis * gain, np.zeros_like(basis)])
    bias = np.concatenate([-(center @ basis) * gain, np.log(sigma2 / precision)])
    shortcut(encoder).linear.set_weights([kernel, bias])
    shortcut(decoder).linear.set_weights([(basis * signal).T, center])
    silence_networks(encoder, decoder)
    noise.log_variance.assign(np.log(sigma2))


def _ppca_log_likelihood(pca, X):
    """Mean log-likelihood of the rows ``X`` under probabilistic PCA with ``pca``'s
    mean, directions and variances, its noise variance at least :data:`_NOISE_FLOOR`
    (as :func:`start_from_ppca` sets the model): ``PCA.score`` where PCA's own noise
    variance is that large, and finite where it is 0 (rows of low rank)."""
    sigma2 = max(float(pca.noise_variance_), _NOISE_FLOOR)
    variances = np.maximum(pca.explained_variance_, sigma2)
    centered = X - pca.mean_
    projected = centered @ pca.components_.T
    residual = np.sum(centered**2, axis=1) - np.sum(projected**2, axis=1)
    n_features, k = X.shape[1], len(variances)
    mahalanobis = np.sum(projected**2 / variances, axis=1) + residual / sigma2
    log_det = np.sum(np.log(variances)) + (n_features - k) * np.log(sigma2)
    return float(
        np.mean(-0.5 * (n_features * np.log(2 * np.pi) + log_det + mahalanobis))
    )


def make_negative_elbo(encoder, decoder, noise, n_components, n_features):
    """``fn(core, X)``: the negative ELBO summed over standardised float32 rows
    (with ``beta=1``), its expectation by cubature; traceable."""
    ops, tf = import_keras().ops, import_tensorflow()
    code, reconstruction = shortcut(encoder), shortcut(decoder)
    k, d = n_components, n_features
    points = cubature_points(k).astype(np.float32)
    chunk = max(1, _ELBO_CHUNK_VALUES // (2 * k * d))

    def negative_elbo(core, X):
        n = tf.shape(X)[0]
        total = tf.constant(0.0)
        variance = noise.variance
        for start in tf.range(0, n, chunk):
            x = X[start : start + chunk]
            posterior = code(x, training=False)
            mu, log_var = posterior[:, :k], posterior[:, k:]
            z = mu[:, None, :] + tf.exp(0.5 * log_var)[:, None, :] * points
            x_hat = reconstruction(tf.reshape(z, [-1, k]), training=False)
            residual = tf.reshape(x_hat, [-1, 2 * k, d]) - x[:, None, :]
            squares = tf.reduce_mean(tf.reduce_sum(tf.square(residual), axis=2), 1)
            nll = gaussian_nll(squares, variance, d, ops)
            kl = kl_to_standard_normal(mu, log_var, ops)
            total += tf.reduce_sum(nll + kl)
        return total

    return negative_elbo


class _VariationalInference(Inference):
    """The forward passes, with ``encode`` giving the posterior means only and
    ``posterior`` the means and log-variances."""

    def __init__(self, encoder, decoder, n_features, n_components):
        super().__init__(encoder, decoder, n_features, n_components)
        self.posterior = self.encode

        def encode(X, dtype, check=None):
            posterior = self.posterior(X, dtype, check=check)
            return np.ascontiguousarray(posterior[:, :n_components])

        self.encode = encode


class VariationalAutoencoder(_BaseAutoencoder):
    """Variational autoencoder with PCA's interface: a generative model of ``X``.

    Fits a Keras 3 variational autoencoder (Kingma & Welling, 2014): a prior
    ``z ~ N(0, I)`` over a code of ``n_components`` units, a decoder giving the mean
    of a Gaussian over rows, with one noise variance for every feature, and an
    encoder giving a Gaussian posterior over the code of each row. ``transform``
    returns the posterior means, ``inverse_transform`` the decoder's means,
    ``sample`` draws new rows, and ``score_samples`` each row's evidence lower
    bound (ELBO) on its log-likelihood.

    ``score`` is the mean ELBO, in nats: a lower bound of the average
    log-likelihood, directly comparable with ``PCA.score``, the average
    log-likelihood under probabilistic PCA (PPCA, Tipping & Bishop, 1999). A linear
    VAE (``hidden_layer_sizes=()``) with this decoder is PPCA at its optimum (Lucas
    et al., 2019): with ``init="pca"`` it is set there in closed form, and its
    ``score`` equals ``PCA(n_components).fit(X_train).score(X)`` on any rows, up
    to float32 weights. A deep VAE starts at that solution and keeps it as the
    floor: its training ELBO is at least PPCA's log-likelihood of the training
    rows, or fit returns PPCA's solution and warns. Held-out rows are not
    guaranteed the same: compare ``score`` on them.

    The network trains on ``(X - mean_) / s``, with ``s`` the root mean feature
    variance, as :class:`AutoencoderTransformer` does: fitting ``c * X`` gives the
    same codes, and scores lower by ``n_features * log(c)``, as a density in
    units of ``c`` should.

    Parameters
    ----------
    n_components : int, float, 'mle' or None, default=2
        Size of the code, as PCA takes it. An int is the number of code units (at
        most ``n_features``); a float in (0, 1) selects, as PCA does, the smallest
        number of components whose PCA explains that fraction of the variance;
        ``'mle'`` Minka's estimate of the data's dimension, and ``None`` all the
        components PCA can have. As with PCA, a code size can also be chosen by
        the held-out likelihood, ``score`` (``GridSearchCV`` or
        ``cross_val_score``; the gallery's "Choosing the code size by held-out
        likelihood").

    svd_solver, iterated_power, n_oversamples, power_iteration_normalizer : \
            PCA's, default='auto', 'auto', 10, 'auto'
        PCA's solver settings, for the probabilistic PCA that starts the fit and
        sizes a float, ``'mle'`` or ``None`` ``n_components``: the choices,
        defaults and errors of :class:`~sklearn.decomposition.PCA`'s, as
        :class:`AutoencoderTransformer` takes them.

    encoder, decoder : keras.Model, callable or None, default=None
        The user's own networks, as :class:`AutoencoderTransformer` takes them (a
        Keras model, copied at every fit; a callable such as a
        :class:`~skae.ModelBuilder`, :func:`~skae.conv_encoder` or
        :func:`~skae.recurrent_encoder`, whose settings are searchable as
        ``encoder__<name>``); ``None`` builds skae's (see ``hidden_layer_sizes``).
        The encoder maps rows of ``n_features`` standardised values to
        ``2 * n_components`` values, the posterior means then log-variances (a
        callable is called with ``n_components=2 * n_components``); the decoder
        maps codes of ``n_components`` values to ``n_features``, the mean of
        ``p(x_std | z)``. Each goes beside the VAE's linear map, behind a
        trainable gate that starts at zero, with either ``init``: with
        ``init="pca"`` training starts at probabilistic PCA's solution and keeps
        its log-likelihood of the training rows as the floor, as for the built-in
        networks; with ``init="random"`` the linear maps start from Glorot-uniform
        weights and there is no floor. The prior, the sampling of codes, the noise
        variance and the standardisation stay skae's. For bit-identical fits, seed
        the initialisers of networks that a callable builds.

    hidden_layer_sizes : int or tuple of int, default=(256, 128)
        Units of the encoder's hidden layers, input side first; the decoder mirrors
        them. ``()`` with no ``encoder`` or ``decoder`` gives the linear VAE, which
        is probabilistic PCA. Not used by a half given as ``encoder`` or
        ``decoder``.

    activation : str, default='relu'
        Activation of the hidden layers: MLPRegressor's names (``'identity'``,
        ``'logistic'``, ``'tanh'``, ``'relu'``) or any of Keras's.

    init : {'pca', 'random'}, default='pca'
        ``'pca'`` starts at probabilistic PCA's solution of the training rows (those
        held out for early stopping excepted), the networks silent, and keeps
        PPCA's log-likelihood of all rows as the floor; ``'random'`` starts every
        layer from Glorot-uniform weights, with no floor.

    beta : float, default=1.0
        Weight of the divergence of the posterior from the prior in the training
        loss (a beta-VAE, Higgins et al., 2017). Values above 1 trade
        reconstruction for a code closer to the prior. ``score`` and
        ``score_samples`` always give the ELBO itself (``beta=1``), the bound on
        the likelihood.

    max_iter : int, default=200
        Maximum number of epochs.

    batch_size : int, default=64
        Rows per gradient step (clipped to the number of training rows).

    optimizer : str, type or keras.optimizers.Optimizer, default='adam'
        Keras optimizer: a name, a class, or an instance whose settings are copied.
        ``learning_rate`` replaces its learning rate.

    learning_rate : float, default=1e-3
        Learning rate of the optimizer.

    tol : float, default=1e-4
        Minimum improvement, in nats per row, of the training loss (or, with
        ``early_stopping``, of the validation ELBO) that resets the patience
        counter.

    n_iter_no_change : int, default=10
        Epochs without an improvement of at least ``tol`` after which training stops.

    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the rows, stop when their ELBO stops
        improving, and keep the weights of the best epoch, the initial weights
        included. It needs at least 2 validation rows that differ and 2 rows left
        to train on; with fewer, fit warns and trains on all rows without early
        stopping.

    validation_fraction : float, default=0.1
        Fraction of rows held out when ``early_stopping=True`` (none for the linear
        VAE started at PCA, which does not train).

    callbacks : list of keras.callbacks.Callback, default=None
        Keras callbacks, called once per epoch as ``Model.fit`` calls them; ``logs``
        hold ``loss`` and, with early stopping, ``val_loss`` (the validation rows'
        negative ELBO per row, in standardised units) and ``val_elbo`` (their mean
        ELBO in the data's units, what ``score`` gives). Their ``model`` is
        ``model_``.

    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the batch order, the validation split and the
        draws of codes in training. The same int gives bit-identical weights and
        outputs without reading or changing global random state. ``None`` draws
        from NumPy's global generator, as scikit-learn's estimators do.

    verbose : int, default=0
        ``0`` is silent; ``1`` and ``2`` print Keras's progress lines.

    Attributes
    ----------
    n_components_ : int
        Number of code units.

    encoder_, decoder_, model_ : keras.Model
        The encoder maps float64 rows to ``2 * n_components_`` values per row: the
        posterior means, then the posterior log-variances, of the code. The decoder
        maps codes to the mean of ``p(x | z)`` in the data's units (float64).
        ``model_`` chains them through :class:`skae.layers.Reparameterize`, which
        passes the posterior mean at inference. They share their weights; after
        changing them, call :meth:`reload_weights`.

    mean_ : ndarray of shape (n_features,)
        Per-feature mean of the rows passed to ``fit``.

    noise_variance_ : float
        Variance of the decoder's Gaussian noise, the same for every feature, in
        squared units of X (PCA's ``noise_variance_`` for the linear VAE started at
        PCA). It is at least ``1e-6`` times the mean feature variance, which is
        where the linear VAE's ``score`` departs from ``PCA.score``: on data of
        rank at most ``n_components``, it is PPCA's likelihood at that floor, not
        at PCA's noise variance of rounding errors. In squared
        units of X, it underflows to 0 or overflows to ``inf`` for data beyond about
        1e-154 or 1e154; the model itself keeps it in standardised units, so its
        scores and samples are unaffected.

    explained_variance_ : ndarray of shape (`n_components_`,)
        Variance of the training data that each code unit's reconstruction (the
        decoder's mean at the posterior mean) explains, largest first, computed as
        :class:`AutoencoderTransformer`'s.

    explained_variance_ratio_ : ndarray of shape (`n_components_`,)
        ``explained_variance_`` over the total variance; its sum is the training
        reconstruction R^2 of ``inverse_transform(transform(X))``. The posterior
        mean shrinks each unit towards 0 by the noise it carries, so for the linear
        VAE this is below PCA's ratio: component ``j`` keeps
        ``1 - (noise_variance_ / lambda_j) ** 2`` of PCA's figure, with ``lambda_j``
        PCA's ``explained_variance_[j]``.

    n_iter_ : int
        Number of epochs run (``1`` for the closed-form fits: the linear VAE from
        PCA, and data without variance).

    loss_curve_ : list of float
        Training loss per epoch: the negative ELBO per row with the divergence
        weighted by ``beta``, estimated with one draw of each row's code, on the
        standardised rows (the data's units add ``n_features * log(s)``).

    best_loss_ : float or None
        Training loss of the returned weights, computed exactly (by cubature) for
        the closed-form fits and for returned starts; ``None`` when rows were held
        out for early stopping.

    validation_scores_ : list of float or None
        Mean ELBO of the validation rows per epoch (what ``score`` gives on them),
        when rows were held out, else ``None``.

    best_validation_score_ : float or None
        Validation ELBO of the returned weights when rows were held out.

    n_features_in_ : int
        Number of features seen during fit.

    n_samples_ : int
        Number of rows of the training data, as PCA's (``partial_fit``: of all the
        batches so far, as IncrementalPCA's ``n_samples_seen_``).

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    AutoencoderTransformer : The deterministic autoencoder, scored by R^2.
    sklearn.decomposition.PCA : Probabilistic PCA, the linear case.

    Notes
    -----
    The ELBO's expectation over the posterior is computed with the ``2k``-point
    spherical cubature rule, ``mu +/- sqrt(k) * sigma_j * e_j`` with equal weights:
    exact for a linear decoder (so the linear VAE's ``score`` is exact), of third
    order for a deep one, and deterministic, so that ``score_samples`` of a row is
    the same alone or in a batch. Scoring costs ``2k`` decoder passes per row.

    References
    ----------
    Kingma, D. P. and Welling, M. (2014). Auto-encoding variational Bayes. ICLR.

    Tipping, M. E. and Bishop, C. M. (1999). Probabilistic principal component
    analysis. JRSS B, 61(3), 611-622.

    Lucas, J., Tucker, G., Grosse, R. and Norouzi, M. (2019). Don't blame the ELBO!
    A linear VAE perspective on posterior collapse. NeurIPS.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.decomposition import PCA
    >>> from skae import VariationalAutoencoder
    >>> X = load_digits().data
    >>> vae = VariationalAutoencoder(8, hidden_layer_sizes=(), random_state=0).fit(X)
    >>> bool(abs(vae.score(X) - PCA(8).fit(X).score(X)) < 1e-3)
    True
    >>> vae.sample(3, random_state=0).shape
    (3, 64)
    """

    _parameter_constraints: dict = {
        **_BaseAutoencoder._parameter_constraints,
        "beta": [Interval(Real, 0, None, closed="left")],
        "encoder": [None, callable],
        "decoder": [None, callable],
    }

    _inference_class = _VariationalInference
    _random_networks_as_they_are = False

    def __init__(
        self,
        n_components=2,
        *,
        encoder=None,
        decoder=None,
        hidden_layer_sizes=(256, 128),
        activation="relu",
        init="pca",
        svd_solver="auto",
        iterated_power="auto",
        n_oversamples=10,
        power_iteration_normalizer="auto",
        beta=1.0,
        max_iter=200,
        batch_size=64,
        optimizer="adam",
        learning_rate=1e-3,
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
        self.svd_solver = svd_solver
        self.iterated_power = iterated_power
        self.n_oversamples = n_oversamples
        self.power_iteration_normalizer = power_iteration_normalizer
        self.beta = beta
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose

    # The hooks of the fit sequence (skae._base._BaseAutoencoder._fit).

    @contextlib.contextmanager
    def _networks(self, spec, rng, trains, incremental=False):
        yield self._new_networks(
            spec.n_features, spec.n_components, spec.plan, spec.mean, spec.scale, rng
        )

    def _new_networks(self, n_features, n_components, plan, mean, scale, rng):
        """Build the networks (``model_``, ``encoder_``, ``decoder_``) anew; return
        their :class:`~skae._base._Networks`."""
        activation = self._keras_setting(
            "activation", keras_activation, self.activation
        )
        optimizer = self._keras_setting(
            "optimizer", make_optimizer, self.optimizer, self.learning_rate
        )
        hidden = plan.hidden
        model, encoder, decoder, core, noise = build_vae(
            n_features,
            n_components,
            hidden,
            activation,
            mean,
            scale,
            seeds=iter(rng.randint(np.iinfo(np.int32).max, size=2 * len(hidden) + 5)),
            beta=float(self.beta),
            networks=self._user_networks(n_features, n_components, 2 * n_components),
        )
        self.model_, self.encoder_, self.decoder_ = model, encoder, decoder
        return _Networks(core, optimizer, noise=noise)

    def _load_networks(self, weights, as_they_are=False):
        """Build the fitted networks anew and give them ``weights`` (those of
        ``model_.get_weights()``): how :func:`skae.load` restores them, with
        skae's code rather than a Keras file of the version that saved them."""
        n_features, k = self.n_features_in_, int(self.n_components_)
        plan = self._plan(n_features)
        draws = np.random.RandomState(0)  # of initial weights, replaced below
        self._new_networks(n_features, k, plan, self.mean_, self._scale, draws)
        self.model_.set_weights(weights)
        self._refresh_forward()

    def _start(self, networks, pca, center, rng):
        """Set the model to probabilistic PCA's optimum."""

        k = self.n_components_
        variances = np.pad(pca.explained_variance_, (0, k - pca.n_components_))
        start_from_ppca(
            self.encoder_,
            self.decoder_,
            networks.noise,
            pca_basis(pca, k, rng),
            variances,
            pca.noise_variance_,
            center,
        )
        self._take_noise_variance(networks.noise)

    def _take_noise_variance(self, noise):
        self._noise_variance = float(noise.variance)
        self._refresh_forward()

    def _floor(self, pca, rows):
        """PPCA's log-likelihood of the rows, in the data's units."""
        shift = rows.n_features * np.log(rows.standardizer.scale)
        if pca.noise_variance_ < _NOISE_FLOOR:
            # PCA's own score needs a noise variance (it inverts the covariance);
            # the start, as the model, holds it at the floor.
            return _ppca_log_likelihood(pca, rows.X_std) - shift
        with np.errstate(invalid="ignore", divide="ignore"):
            return pca.score(rows.X_std) - shift

    def _training_figure(self, rows, floor):
        return np.mean(self._elbo(rows.X)), None

    def _describe(self, rows, spec, pca, at_pca, figure, codes, rng, incremental=False):
        self._set_figures(
            rows.X, rows.X_std, spec.scale, rows.standardizer.no_variance, rng
        )
        return figure

    def _returned_loss(self, rows, networks, spec, figure):
        return float(np.mean(self._elbo_terms(rows.X, self.beta)))

    def _returned_validation_score(self, rows):
        return float(np.mean(self._elbo(rows.validation_rows())))

    def _train(self, networks, rows, spec, rng, incremental=False):
        """Maximise the ELBO of the standardised training rows; a History."""

        core, noise, optimizer = networks.core, networks.noise, networks.optimizer
        X_train, X_val = rows.training_input(as_they_are=False)
        k, d = self.n_components_, self.n_features_in_
        ops, tf = import_keras().ops, import_tensorflow()

        def negative_log_likelihood(X, X_hat):
            # Per row; the divergence comes from the Reparameterize layer's loss.
            squares = tf.reduce_sum(tf.square(X_hat - X), axis=1)
            return tf.reduce_mean(gaussian_nll(squares, noise.variance, d, ops))

        negative_elbo = make_negative_elbo(self.encoder_, self.decoder_, noise, k, d)
        shift = d * float(np.log(self._scale))  # to a density in the data's units

        def validation_loss(core, X):
            return negative_elbo(core, X) / tf.cast(tf.shape(X)[0], tf.float32)

        def validation_elbo(error):
            return -error / len(X_val) - shift

        with released_gradient_registrations():
            history = _training.train(
                core,
                optimizer,
                negative_log_likelihood,
                X_train,
                X_val,
                config=self._training_config(spec),
                rng=rng,
                model=self.model_,
                error_fn=negative_elbo,
                score_fn=validation_elbo,
                val_loss_fn=validation_loss,
                score_name="val_elbo",
            )
        self._take_noise_variance(noise)
        return history

    def _set_figures(self, X, X_std, scale, no_variance, rng):
        """noise_variance_ and the explained variance of the returned weights."""
        self.noise_variance_ = float(_in_squared_units(self._noise_variance, scale))
        if no_variance:
            self.explained_variance_ = np.zeros(self.n_components_)
            self.explained_variance_ratio_ = np.full(self.n_components_, np.nan)
            return
        self._order_code_units(X, scale, self._score(X), rng)

    def _gaussian_model(self):
        """A linear VAE's marginal: probabilistic PCA's ``W.T @ W + noise * I``,
        ``W`` the decoder's linear map in the data's units."""
        reconstruction = shortcut(self.decoder_)
        if reconstruction is None or reconstruction.network is not None:
            raise AttributeError("get_covariance")
        kernel = np.asarray(reconstruction.linear.kernel, dtype=np.float64)
        return kernel * self._scale, self.noise_variance_

    def _not_linear_message(self, name):
        return (
            f"{name} is the Gaussian model of a linear VAE (hidden_layer_sizes=() "
            "without an encoder or decoder), probabilistic PCA's, as PCA's "
            f"{name}. With a non-linear decoder the data's distribution is no "
            "Gaussian: score_samples gives each row's likelihood bound, sample "
            "draws from the model."
        )

    def _permute_code(self, order):

        k = self.n_components_
        both = np.concatenate([order, order + k])
        return permute_code(self.encoder_, self.decoder_, order, output_order=both)

    def _elbo_terms(self, X, beta):
        """Per row, ``-log p(x_std | z)`` expected under the posterior plus ``beta``
        times the divergence from the prior, on rows in the data's units (float64)
        and in standardised units: the negative (beta-)ELBO of ``x_std``."""
        forward = self._current_forward()
        k, d = self.n_components_, self.n_features_in_
        points = cubature_points(k)
        chunk = max(1, _ELBO_CHUNK_VALUES // (2 * k * d))
        squares = np.empty(X.shape[0])
        with np.errstate(over="ignore", invalid="ignore"):
            posterior = forward.posterior(X, np.float64)
            mu, log_var = posterior[:, :k], posterior[:, k:]
            for start in range(0, X.shape[0], chunk):
                rows = slice(start, start + chunk)
                z = mu[rows, None, :] + np.exp(0.5 * log_var[rows, None, :]) * points
                X_hat = forward.decode(z.reshape(-1, k), np.float64)
                residual = X[rows, None, :] - X_hat.reshape(-1, 2 * k, d)
                residual /= self._scale
                squares[rows] = np.mean(np.sum(residual * residual, axis=2), axis=1)
            terms = gaussian_nll(squares, self._noise_variance, d, np)
            if beta:
                terms += beta * kl_to_standard_normal(mu, log_var, np)
        # The rows are finite, so a NaN comes from a value that overflowed float64
        # on the way (an encoder's variance of inf, inf - inf in a layer): the row
        # lies so far out that its ELBO is below float64's range.
        terms[np.isnan(terms)] = np.inf
        return terms

    def _elbo(self, X):
        """Each row's ELBO in nats, as a density in the data's units."""
        shift = self.n_features_in_ * np.log(self._scale)
        return -self._elbo_terms(X, 1.0) - shift

    def score_samples(self, X):
        """Evidence lower bound (ELBO) of each row's log-likelihood, in nats.

        ``E_q[log p(x | z)] - KL(q(z | x) || p(z))``, a lower bound of
        ``log p(x)``, the log-density of the row in the data's units (so, as
        ``PCA.score_samples``, it changes by ``-n_features * log(c)`` when X is
        scaled by ``c``). Higher is more typical of the training data. A row so
        far out that a value on the way overflows float64 scores ``-inf``, never
        NaN, so that rows further out never score higher.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        elbo : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return self._elbo(X.astype(np.float64, copy=False))

    def score(self, X, y=None):
        """Mean ELBO of the rows, in nats: a lower bound of their average
        log-likelihood, comparable with ``PCA.score``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))

    def sample(self, n_samples=1, random_state=None):
        """Draw new rows from the model: ``z ~ N(0, I)``, then ``x ~ p(x | z)``.

        Each row is the decoder's mean at a code drawn from the prior plus the
        model's Gaussian noise (``noise_variance_`` per feature). The noise-free
        means are ``inverse_transform`` of standard-normal codes.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows to draw.

        random_state : int, RandomState instance or None, default=None
            Seeds the draws: the same int gives the same rows, without reading or
            changing global random state. ``None`` draws from NumPy's global
            generator.

        Returns
        -------
        X : ndarray of shape (n_samples, `n_features_in_`)
            The rows, float64.
        """
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(
                f"Invalid value for 'n_samples': {n_samples!r}. The sampling "
                "requires at least one sample."
            )
        rng = check_random_state(random_state)
        codes = rng.standard_normal((int(n_samples), self.n_components_))
        rows = self._current_forward().decode(codes, np.float64)
        noise = rng.standard_normal(rows.shape) * np.sqrt(self._noise_variance)
        with np.errstate(over="ignore"):
            return rows + noise * self._scale
