"""What skae's estimators share: the atomic fit and the one fit sequence
(:meth:`_BaseAutoencoder._fit`), MLPRegressor's training attributes, the ordering of
code units, fast inference and pickling."""

import collections
import pickle
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import assert_all_finite, check_random_state
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    RealNotInt,
    StrOptions,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from . import _stream
from ._incremental import RunningPCA
from ._inference import Inference, standardized_decoding
from ._network import copy_tied_kernels, permute_code, user_network
from ._network_cache import KerasAttribute
from ._objectives import r2_from_sums, reconstruction_r2
from ._rows import InMemoryRows, Standardizer
from ._sklearn_callbacks import CallbackSupportMixin, fit_state, fit_task
from ._training import History, TrainingConfig
from ._warnings import warn

# From this many training rows, the 'auto' training settings switch from training to
# convergence (200 epochs, early stopping) to a budget of about this many gradient
# steps with a scheduled learning rate (see AutoencoderTransformer).
LARGE_DATA_ROWS = 20_000
LARGE_DATA_STEPS = 5_600


class TrainingSettings(
    collections.namedtuple(
        "TrainingSettings", ["max_iter", "batch_size", "learning_rate", "scheduled"]
    )
):
    """Resolved epochs, batch size and learning rate of a fit; ``scheduled``: the
    learning rate follows :func:`skae._training.budget_rate` over the epochs (a
    warm-up, then a cosine decay), and reaching ``max_iter``
    is the plan, not a failure to converge."""


class _Plan(collections.namedtuple("_Plan", ["hidden", "custom"])):
    """The networks of a fit: the built-in hidden layers' sizes and whether the
    user gave a network; ``linear``: skae's linear autoencoder."""

    @property
    def linear(self):
        return not self.hidden and not self.custom


class _FitSpec(
    collections.namedtuple(
        "_FitSpec",
        [
            "plan",
            "n_features",
            "n_components",
            "mean",
            "scale",
            "as_they_are",
            "settings",
            "resumed",
            "task",
        ],
        defaults=(None,),
    )
):
    """What a fit builds and trains, once its rows are standardised; ``resumed``:
    the fitted model is trained on (``warm_start``), nothing is built; ``task``:
    the fit as scikit-learn's callbacks see it (a
    :class:`skae._sklearn_callbacks.FitTask`, or ``None``)."""


class _Networks(
    collections.namedtuple(
        "_Networks",
        ["core", "optimizer", "loss_fn", "kept", "strategy", "noise"],
        defaults=(None, None, None, None, None, None),
    )
):
    """What a fit trains: the training core and its optimizer, the loss, the
    kept networks it borrowed (see :mod:`skae._training`), the strategy, and a
    variational model's noise variance layer."""


# Rows used to split the training R^2 among components; see explained_variance_ratio_.
_EV_MAX_SAMPLES = 2000
# What the Keras-side parameters take, for their error messages.
_KERAS_KINDS = {
    "activation": "one of MLPRegressor's names ('identity', 'logistic', 'tanh', "
    "'relu') or a Keras activation name ('selu', 'gelu', ...)",
    "loss": "a Keras loss: a name, a keras.losses.Loss or a function",
    "optimizer": "a Keras optimizer: a name, a class or an instance",
}


class _BaseAutoencoder(
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    CallbackSupportMixin,
    BaseEstimator,
):
    """Base class of skae's estimators; not for direct use.

    Subclasses define ``__init__``, ``_parameter_constraints`` and the hooks of
    their kind that the one fit sequence, :meth:`_fit`, calls: ``_networks``
    (build, and set ``model_``, ``encoder_``, ``decoder_``), ``_start``,
    ``_train``, ``_floor``, ``_training_figure``, ``_describe``,
    ``_returned_loss`` and ``_returned_validation_score`` (see the contributors'
    page, "How skae is built").
    """

    _inference_class = Inference  # what runs transform and co.
    # Whether init="random" trains the user's networks as the halves themselves,
    # on the data's units (else beside the linear maps, as with init="pca").
    _random_networks_as_they_are = True
    model_ = KerasAttribute()
    encoder_ = KerasAttribute()
    decoder_ = KerasAttribute()

    # The parameters both estimators take; each adds its own.
    _parameter_constraints: dict = {
        # PCA's, so that PCA(...) -> AutoencoderTransformer(...) keeps working.
        "n_components": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="neither"),
            StrOptions({"mle"}),
            None,
        ],
        "svd_solver": [
            StrOptions({"auto", "full", "covariance_eigh", "arpack", "randomized"})
        ],
        "iterated_power": [
            StrOptions({"auto"}),
            Interval(Integral, 0, None, closed="left"),
        ],
        "n_oversamples": [Interval(Integral, 1, None, closed="left")],
        "power_iteration_normalizer": [StrOptions({"auto", "QR", "LU", "none"})],
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [str],  # MLPRegressor's names or Keras's, checked at fit
        "init": [StrOptions({"pca", "random"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
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
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. :class:`AutoencoderTransformer` (without a ``strategy``)
            reads a ``numpy.memmap`` of 256 MiB or more a chunk at a time and never
            copies it whole: its PCA then comes from the covariance accumulated
            over the chunks, each epoch visits the chunks and their rows in a
            random order, and early stopping holds out at most 10,000 rows (and 8
            million values). :class:`AutoencoderTransformer` takes scipy sparse
            rows (CSR or CSC; other formats are converted to CSR), densified a
            batch at a time: from 256 MiB as dense, a chunk at a time as a
            memmap's (PCA then from scikit-learn's ARPACK solver on the sparse
            rows, and ``n_components`` an int), below that as one array, with
            the dense rows' results.

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
            callbacks = fit_state(self)  # scikit-learn's, torn down after this
            self.__dict__.clear()
            self.__dict__.update(state)
            self.__dict__.update(callbacks)
            raise
        if interrupted:
            raise KeyboardInterrupt
        return self

    def _training_settings(self, n_rows):
        """The :class:`TrainingSettings` of a fit on ``n_rows`` training rows
        (``None``: rows that come in batches, as ``partial_fit``'s), with the
        ``'auto'`` values of ``max_iter``, ``batch_size`` and ``learning_rate``
        resolved as :class:`~skae.AutoencoderTransformer` documents them."""
        large = n_rows is not None and n_rows >= LARGE_DATA_ROWS
        batch_size = self.batch_size
        if batch_size == "auto":
            batch_size = 128 if large else 64
        max_iter = self.max_iter
        if max_iter == "auto":
            max_iter = 200
            if large:  # a budget of gradient steps, in whole epochs
                steps_per_epoch = -(-n_rows // min(batch_size, n_rows))
                max_iter = max(1, -(-LARGE_DATA_STEPS // steps_per_epoch))
        learning_rate, scheduled = self.learning_rate, False
        if learning_rate == "auto":
            learning_rate, scheduled = 3e-3, large
        return TrainingSettings(max_iter, batch_size, learning_rate, scheduled)

    def _training_config(self, spec):
        """The :class:`skae._training.TrainingConfig` of a fit with the resolved
        ``spec.settings`` (a :class:`TrainingSettings`), its epochs seen by
        scikit-learn's callbacks where ``spec.task`` is."""
        settings, callbacks = spec.settings, self.callbacks
        if spec.task is not None:
            callbacks = [*(callbacks or []), spec.task.epoch_callback()]
        return TrainingConfig(
            max_iter=settings.max_iter,
            batch_size=settings.batch_size,
            scheduled=settings.scheduled,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            callbacks=callbacks,
            verbose=self.verbose,
        )

    def _warn_no_variance(self, n_samples):
        warn(
            f"X has no variance: its {n_samples} rows are all the same. As PCA "
            "does, every code is 0 and decodes to mean_, explained_variance_ is 0 "
            "and explained_variance_ratio_ is NaN (0 / 0); nothing was trained.",
            UserWarning,
        )

    def _keras_setting(self, name, make, *args):
        """``make(*args)``, the Keras object that parameter ``name`` names.

        The names are Keras's to check: a name Keras does not know is an
        InvalidParameterError naming the parameter, as scikit-learn's checks give.
        """
        try:
            return make(*args)
        except (ValueError, TypeError) as exc:
            raise InvalidParameterError(
                f"The {name!r} parameter of {type(self).__name__} must be "
                f"{_KERAS_KINDS[name]}. Got {getattr(self, name)!r} instead "
                f"({exc})."
            ) from exc

    def _fit(self, X, incremental=False):
        """Fit; return whether training was interrupted.

        The fit sequence of every estimator, every kind of rows and ``partial_fit``,
        in order: validate; standardise; split off validation rows; PCA; build;
        start from PCA; train; floor; describe (order the code units, explained
        variance); record. What differs is an object: the rows (:mod:`skae._rows`,
        in memory or read in chunks) and the networks that the estimator's hooks
        build, start, train and score (``_networks``, ``_start``, ``_train``,
        ``_floor``, ``_training_figure``, ``_describe``, ``_record_fit``).

        ``incremental`` (``partial_fit``, as MLPRegressor's ``_fit``): one epoch
        over the rows given, without a split and without the floor; the first call
        standardises, starts and builds the model from its rows, later calls
        bring the model up to the statistics of every batch so far
        (``_follow_batch``, :mod:`skae._incremental`) and train it.
        """
        # 1. Validate.
        fitted = hasattr(self, "n_components_")
        first = not (incremental and fitted)
        # warm_start (as MLPRegressor's): fit trains the fitted model on.
        resumed = not incremental and fitted and self._warm_start()
        rows = self._rows(X, incremental, reset=first and not resumed)
        if first:
            vars(self).pop("_partial_epoch", None)  # partial_fit's
            if not resumed:
                vars(self).pop("_optimizer_values", None)
            plan = self._plan(rows.n_features)
            rng = check_random_state(self.random_state)
            # 2. Standardise (a resumed fit keeps the model's standardisation).
            if resumed:
                mean, scale, no_variance = self.mean_, self._scale, False
                previous = self._training_attributes()
            else:
                mean, scale = rows.standardization()
                no_variance = not scale > 0
            if no_variance:
                self._warn_no_variance(rows.n_samples)
                scale = np.float64(1.0)
            rows.set_standardizer(Standardizer(mean, scale, no_variance))
            # Eckart-Young: PCA's projection is the exact minimum of a linear
            # autoencoder's squared error, so from init="pca" no epoch runs and no
            # row is held out. Without variance there is nothing to learn either.
            # partial_fit trains whatever its first batch (no batch is all the data).
            trains = (
                incremental
                or resumed
                or not (no_variance or (plan.linear and self.init == "pca"))
            )
            # The user's networks with init="random" are trained as they are, on X
            # (an autoencoder's; a VAE keeps them beside its linear maps).
            as_they_are = (
                self._as_they_are()
                if resumed
                else trains
                and plan.custom
                and self.init == "random"
                and self._random_networks_as_they_are
            )
            # 3. Split.
            if self.early_stopping and trains and not incremental:
                if not rows.hold_out(self.validation_fraction, rng):
                    self._warn_too_few_validation_rows(rows.n_samples, rows.n_val)
            # 4. PCA: the start, the floor and the size a float n_components asks
            # (a resumed fit keeps its size, and starts from its weights).
            starts = not resumed and (self.init == "pca" or not trains)
            asked = self.n_components_ if resumed else self.n_components
            pca = None
            if starts or self.init == "pca" or not isinstance(asked, Integral):
                pca = rows.pca(asked, rng, self._pca_options())
            n_components = (
                int(asked) if isinstance(asked, Integral) else int(pca.n_components_)
            )
            if n_components < 1:
                raise ValueError(
                    f"n_components={self.n_components!r} selects "
                    f"{n_components} components of X, as PCA's does, but an "
                    "autoencoder needs at least one code unit; pass "
                    "n_components as an int of at least 1."
                )
            n_rows = None if incremental else rows.n_training_rows
            settings = self._training_settings(n_rows)
            spec = _FitSpec(
                plan,
                rows.n_features,
                n_components,
                mean,
                scale,
                as_they_are,
                settings,
                resumed,
                # partial_fit calls no callbacks (as MLPRegressor's).
                None if incremental else fit_task(self, X, settings.max_iter),
            )
        else:  # partial_fit goes on with the model that it (or fit) built
            rng, spec, pca = self._continued_rng(), None, None
            trains, starts = True, False
            rows.set_standardizer(self._follow_batch(rows))
        # 5. Build.
        if first:  # the fitted standardisation: one owner, this sequence
            self.n_components_ = _typed_as_pcas(n_components, self.n_components)
            self.mean_, self._scale = mean, scale
            # partial_fit follows the statistics of every batch (skae._incremental);
            # fit's stand for all the data.
            vars(self).pop("_batches", None)
            if incremental:
                self._batches = RunningPCA(mean, scale, n_components).update(rows.X)
        with self._networks(spec, rng, trains, incremental) as networks:
            # 6. Start from PCA (of the training rows: early stopping then compares
            # it fairly with later epochs on the validation rows).
            history, at_pca = History(), not trains
            basis = None
            if starts:
                start, center = rows.start_pca(
                    pca, n_components, rng, self._pca_options()
                )
                basis = self._start(networks, start, center, rng)
            figure, codes = None, None
            if trains:
                # 7. Train.
                history = self._train(networks, rows, spec, rng, incremental)
                # 8. Floor: never worse on X than PCA of X.
                if not incremental:
                    floor = self._floor(pca, rows) if self.init == "pca" else -np.inf
                    figure, codes = self._training_figure(rows, floor)
                    if figure < floor:
                        basis = self._start(networks, pca, rows.floor_center(), rng)
                        at_pca = True
            # 9. Describe.
            figure = self._describe(
                rows, spec, pca, at_pca, figure, codes, rng, incremental
            )
            # 10. Record.
            self._record_fit(
                history,
                rows,
                networks,
                spec,
                basis,
                figure,
                trains=trains,
                at_pca=at_pca,
                incremental=incremental,
            )
        if resumed:  # the training attributes go on, as MLPRegressor's do
            self._continue_training_attributes(previous)
        if first and spec.task is not None:
            spec.task.end()
        # PCA's n_samples_; partial_fit counts every row it has seen.
        seen = 0 if first else self.n_samples_
        self.n_samples_ = seen + rows.n_samples
        return history.interrupted

    def _follow_batch(self, rows):
        """partial_fit after its first call: the :class:`skae._rows.Standardizer`
        of the batch ``rows``, the model brought up to the statistics it follows
        (none here: those of the model)."""
        return Standardizer(self.mean_, self._scale)

    def _plan(self, n_features):
        """The :class:`_Plan` of a fit: the networks' settings, checked."""
        hidden = self._validate_hidden_layer_sizes()
        self._check_n_components(n_features)
        return _Plan(hidden, self.encoder is not None or self.decoder is not None)

    def _user_networks(self, n_features, n_components, encoder_outputs=None):
        """The user's encoder and decoder networks (``None`` for built-in ones);
        the encoder gives ``encoder_outputs`` values per row (by default
        ``n_components``)."""

        if encoder_outputs is None:
            encoder_outputs = n_components
        return (
            None
            if self.encoder is None
            else user_network(self.encoder, n_features, encoder_outputs, "encoder"),
            None
            if self.decoder is None
            else user_network(self.decoder, n_components, n_features, "decoder"),
        )

    def _rows(self, X, incremental=False, reset=True):
        """The rows of a fit, validated (see :mod:`skae._rows`)."""
        return InMemoryRows(self, X, reset=reset, accept_sparse=self._accept_sparse())

    def _accept_sparse(self):
        """The scipy sparse formats the methods take (as scikit-learn's
        ``accept_sparse``), where the estimator's tags say it takes sparse rows."""
        return ("csr", "csc") if self.__sklearn_tags__().input_tags.sparse else False

    def _pca_options(self):
        """PCA's solver settings, for the PCA that starts the fit and sizes the
        code (keyword arguments of :func:`skae._network.fit_pca`)."""
        return {
            "svd_solver": self.svd_solver,
            "iterated_power": self.iterated_power,
            "n_oversamples": self.n_oversamples,
            "power_iteration_normalizer": self.power_iteration_normalizer,
        }

    def _warn_too_few_validation_rows(self, n_samples, n_val):
        if n_val >= 2 and n_samples - n_val < 2:
            found = f"{n_val}, which leaves {n_samples - n_val} to train on"
        else:
            found = f"{n_val}{' identical ones' if n_val >= 2 else ''}"
        warn(
            "early_stopping needs at least 2 validation rows that differ, and 2 "
            f"training rows, but validation_fraction={self.validation_fraction} of "
            f"{n_samples} rows gives {found}. Training on all rows without early "
            "stopping; change validation_fraction or the number of rows to keep "
            "it.",
            UserWarning,
        )

    def _record_training(
        self, history, rows, networks, spec, figure, *, trains, at_pca
    ):
        """Set the training attributes from ``history`` and the returned weights.

        ``trains`` says whether training ran (else the fit was in closed form),
        ``at_pca`` whether fit returns PCA's solution. The training loss and the
        validation score of the returned weights (:meth:`_returned_loss`,
        :meth:`_returned_validation_score`) are computed only where ``history``
        lacks them.
        """
        held_out = rows.val_rows is not None
        if not trains:
            # The closed-form fit counts as one iteration (scikit-learn's estimators
            # report at least one), with the loss of its solution.
            loss = self._returned_loss(rows, networks, spec, figure)
            history.loss_curve, history.best_loss = [loss], loss
            history.converged = True
        discarded = trains and bool(history.loss_curve)
        discarded = discarded and (history.kept_initial or at_pca)
        if trains and not held_out and (discarded or not history.loss_curve):
            # The start's or PCA's weights, or none trained (Ctrl-C at once).
            history.best_loss = self._returned_loss(rows, networks, spec, figure)
        val_score = None  # the returned weights' score on the held-out rows
        if held_out:
            val_score = history.best_validation_score
            if at_pca:
                val_score = self._returned_validation_score(rows)
        self._set_training_attributes(history, val_score, discarded)

    def _record_fit(
        self,
        history,
        rows,
        networks,
        spec,
        basis,
        figure,
        *,
        trains,
        at_pca,
        incremental=False,
    ):
        """The last step of a fit: what the kind records of its networks
        (:meth:`_record_components`), then the training attributes (see
        :meth:`_record_training`); ``figure`` is the returned weights' training
        figure (:meth:`_describe`'s). ``partial_fit`` records its epoch
        (:meth:`_record_epoch`)."""
        if incremental:
            return self._record_epoch(history)
        self._record_components(rows, spec, basis, at_pca)
        self._record_training(
            history, rows, networks, spec, figure, trains=trains, at_pca=at_pca
        )

    def _record_components(self, rows, spec, basis, at_pca):
        """Attributes a kind sets from its fitted networks (none here)."""

    def _training_attributes(self):
        """``(n_iter_, loss_curve_, validation_scores_)`` as they are."""
        return self.n_iter_, list(self.loss_curve_), self.validation_scores_

    def _continue_training_attributes(self, previous):
        """After a resumed fit: ``n_iter_`` counts and ``loss_curve_`` and
        ``validation_scores_`` hold the epochs of earlier fits too (where both
        fits held rows out), as MLPRegressor's do with ``warm_start``."""
        n_iter, loss_curve, validation_scores = previous
        self.n_iter_ += n_iter
        self.loss_curve_ = loss_curve + self.loss_curve_
        if validation_scores is not None and self.validation_scores_ is not None:
            self.validation_scores_ = list(validation_scores) + self.validation_scores_

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
        if history.diverged:
            kept = "PCA's solution" if self.init == "pca" else "its random start"
            warn(
                f"Training diverged at epoch {len(history.loss_curve)} (loss="
                f"{history.loss_curve[-1]}): fit returns the weights it had kept "
                f"before ({kept} where no epoch beat it). Try a smaller "
                "learning_rate.",
                ConvergenceWarning,
            )
        elif discarded:
            kept = "PCA's solution" if self.init == "pca" else "its random start"
            warn(
                f"Training for {len(history.loss_curve)} epochs did not improve on "
                f"{kept}, which fit returns; best_loss_ or best_validation_score_ "
                "are its figures.",
                ConvergenceWarning,
            )
        elif not (
            history.converged
            or history.interrupted
            or history.planned
            or history.diverged
        ):
            warn(
                f"Maximum iterations ({len(history.loss_curve)}) reached and the "
                "optimization hasn't converged yet.",
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

    def _order_code_units(
        self, X, scale, r2, rng, reorder=True, total_var=None, codes=None
    ):
        """Order code units by explained variance (unless ``reorder`` is false) and
        set the explained_variance_*. The NumPy forward pass must be current.

        ``total_var`` is the rows' total variance (``ddof=1``) in units of
        ``scale**2``; by default that of the rows ``scale`` was computed from.
        ``codes``, where given, are the float64 codes of ``X``.
        """
        rows, Z = X, codes
        if X.shape[0] > _EV_MAX_SAMPLES:
            rows = X[rng.choice(X.shape[0], _EV_MAX_SAMPLES, replace=False)]
            Z = None
        importance = self._code_unit_importance(rows, Z, keep_forward=not reorder)
        order = np.argsort(-importance, kind="stable")
        shares = importance  # in the network's order where units cannot be reordered
        if reorder:
            permuted = self._permute_code(order)
            if permuted:
                shares = importance[order]
            if permuted or "_forward" not in vars(self):  # let go of for the ranking
                self._refresh_forward()

        share_sum = shares.sum()
        if share_sum == 0:
            shares, share_sum = np.ones_like(shares), len(shares)
        ratio = shares * (r2 / share_sum)  # r2: training R^2, which unit order keeps
        if total_var is None:
            # X.var(axis=0, ddof=1).sum() in units of scale**2, without overflow.
            n_samples, n_features = X.shape
            total_var = n_features * n_samples / (n_samples - 1)
        self.explained_variance_ = _in_squared_units(ratio * total_var, scale)
        self.explained_variance_ratio_ = ratio

    def _code_unit_importance(self, rows, Z=None, keep_forward=True):
        """The R^2 of ``rows`` that each code unit explains: what the R^2 loses
        when that unit is held at its mean (at least 0), in the network's order.
        ``Z``, where given, are the float64 codes of ``rows``. The NumPy forward
        pass must be current. The decoding mirror made here is gone on return,
        and unless ``keep_forward``, the forward pass too (the caller takes a new
        one), where it is not needed: each holds copies of the weights."""
        if Z is None:
            Z = self._forward.encode(rows, np.float64)
        standardized = standardized_decoding(self.decoder_)
        if standardized is not None and not keep_forward:
            del self._forward
        if standardized is None:

            def r2_of(Z):
                return reconstruction_r2(rows, self._forward.decode(Z, np.float64))

        else:  # in standardised units, in float32: a third of the time
            decode, mean, unit = standardized
            target = (rows - mean) / unit
            total_ss = float(np.sum(np.square(target - target.mean(axis=0))))
            residual = np.empty_like(target)  # one buffer for the k + 1 decodes

            def r2_of(Z):
                np.subtract(target, decode(Z), out=residual)
                return r2_from_sums(
                    float(np.sum(np.square(residual, out=residual))), total_ss
                )

        r2_all = r2_of(Z)
        importance = np.empty(self.n_components_)
        for j in range(self.n_components_):
            Z_held = Z.copy()
            Z_held[:, j] = Z[:, j].mean()
            importance[j] = r2_all - r2_of(Z_held)
        return np.maximum(importance, 0.0)

    def _permute_code(self, order):
        """Reorder the code units; ``False`` where they cannot be reordered."""

        return permute_code(self.encoder_, self.decoder_, order)

    def _refresh_forward(self):
        """Snapshot the Keras weights for the NumPy inference path."""

        copy_tied_kernels(self.decoder_)
        # The old snapshot goes first: with 50,000 features the weights of a
        # snapshot take hundreds of megabytes. If the new one fails (memory), the
        # next pass takes one (see _current_forward).
        vars(self).pop("_forward", None)
        self._forward = self._inference_class(
            self.encoder_, self.decoder_, self.n_features_in_, int(self.n_components_)
        )
        self._forward_history = getattr(self.model_, "history", None)

    def _current_forward(self):
        # Every model_.fit() installs a new History object on model_.history: a check
        # that costs nanoseconds, where reading a TensorFlow variable costs ~20 us.
        # A model not built yet (skae._network_cache.KerasAttribute) has not been
        # trained since.
        model = vars(self).get("model_")
        if "_forward" not in vars(self) or (
            model is not None
            and getattr(model, "history", None) is not self._forward_history
        ):
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
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data to encode. Sparse rows (for :class:`~skae.AutoencoderTransformer`)
            are densified a chunk at a time.

        Returns
        -------
        X_new : ndarray of shape (n_samples, `n_components_`)
            The code of each row, float32 for float32 input and float64 otherwise.
            :class:`~skae.AutoencoderTransformer`'s codes are in the data's units, as
            ``PCA.transform``'s scores (a linear model at PCA's solution gives
            them); :class:`~skae.VariationalAutoencoder`'s are the posterior means of
            its latent variable, in the units of its standard normal prior.
        """
        check_is_fitted(self)
        # The forward pass checks for NaN and infinity in its first layer's output
        # where it can (one pass over the rows fewer), else in X, with
        # scikit-learn's error either way.
        X = validate_data(
            self,
            X,
            accept_sparse=self._accept_sparse(),
            dtype=[np.float64, np.float32],
            reset=False,
            ensure_all_finite=False,
        )
        forward = self._current_forward()
        return _stream.map_rows(
            X, lambda rows: forward.encode(rows, rows.dtype, check=self._check_finite)
        )

    def _check_finite(self, X):
        assert_all_finite(X, input_name="X", estimator_name=type(self).__name__)

    def inverse_transform(self, X):
        """Decode codes back to the input space.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, `n_components_`)
            Codes, as returned by ``transform`` (sparse codes, for
            :class:`~skae.AutoencoderTransformer`, are densified).

        Returns
        -------
        X_original : ndarray of shape (n_samples, `n_features_in_`)
            Reconstructions, float32 for float32 input and float64 otherwise.
        """
        check_is_fitted(self)
        X = check_array(
            X, accept_sparse=self._accept_sparse(), dtype=[np.float64, np.float32]
        )
        if sparse.issparse(X):  # codes: n_components_ values a row
            X = X.toarray(order="C")
        if X.shape[1] != self.n_components_:
            raise ValueError(
                f"X has {X.shape[1]} features, but inverse_transform of "
                f"{self.__class__.__name__} is expecting {self.n_components_} features "
                "(n_components_) as input."
            )
        return self._current_forward().decode(X, X.dtype)

    def _score(self, X, dtype=np.float64, scale=None):
        return self._score_and_codes(X, dtype, scale)[0]

    def _score_and_codes(self, X, dtype=np.float64, scale=None):
        forward = self._current_forward()
        codes = forward.encode(X, dtype)
        return reconstruction_r2(X, forward.decode(codes, dtype), scale), codes

    def _training_score(self, X, floor):
        """``(r2, codes)``: R^2 of the rows ``X`` that fit standardised, to compare
        with ``floor``, and their float64 codes where it computed them (for
        :meth:`_order_code_units`), else ``None``.

        Float32 rows are reconstructed in float32, as ``transform`` computes them
        (the sums of squares are float64): on MNIST half the time of the float64
        pass, and within about 1e-7 of it. Where that figure lies within 1e-4 of
        ``floor`` (PCA's R^2) or is not finite, the float64 pass decides, as it does
        for float64 rows.
        """
        if X.dtype == np.float32:
            r2 = self._score(X, np.float32, self._scale)
            if np.isfinite(r2) and not abs(r2 - floor) <= 1e-4:
                return r2, None
        return self._score_and_codes(X, scale=self._scale)

    @property
    def _n_features_out(self):
        return self.n_components_

    # What PCA's users read that only a linear model has (see _not_linear_message).
    _LINEAR_ONLY = (
        "components_",
        "singular_values_",
        "noise_variance_",
        "get_covariance",
        "get_precision",
    )

    def __getattr__(self, name):
        # Only for attributes not found (or whose property raised AttributeError):
        # say why a non-linear model lacks what PCA's users expect of PCA
        # (KMeans(init=pca.components_), plots of the axes, get_covariance).
        if name in self._LINEAR_ONLY and "n_components_" in vars(self):
            raise AttributeError(self._not_linear_message(name))
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r}"
        )

    def _not_linear_message(self, name):
        return f"{name} is defined for linear models only."

    def _gaussian_model(self):
        """``(W, noise)``: the model's covariance of the data is
        ``W.T @ W + noise * I``, in squared units of X; an AttributeError where
        the model defines none."""
        raise AttributeError("get_covariance")

    def _has_gaussian_model(self):
        if "n_components_" in vars(self):
            self._gaussian_model()  # an AttributeError where there is none
        return True

    @available_if(_has_gaussian_model)
    def get_covariance(self):
        """Covariance of the data under the model's Gaussian, as PCA's.

        ``W.T @ W + noise_variance_ * I``: a linear model's components scaled
        by the variance each explains beyond the noise (as
        :meth:`sklearn.decomposition.PCA.get_covariance`), or a linear
        variational autoencoder's decoder. Models whose codes are a non-linear
        function of X define no Gaussian model and lack this method.

        Returns
        -------
        cov : ndarray of shape (n_features, n_features)
        """
        check_is_fitted(self)
        W, noise = self._gaussian_model()
        covariance = W.T @ W
        covariance.flat[:: len(covariance) + 1] += noise
        return covariance

    @available_if(_has_gaussian_model)
    def get_precision(self):
        """Precision matrix (inverse covariance) of :meth:`get_covariance`, by
        the matrix inversion lemma, as PCA's.

        Returns
        -------
        precision : ndarray of shape (n_features, n_features)
        """
        check_is_fitted(self)
        W, noise = self._gaussian_model()
        if noise == 0:  # as PCA: the plain inverse (an error where singular)
            return np.linalg.inv(self.get_covariance())
        inner = W @ W.T / noise
        inner.flat[:: len(inner) + 1] += 1.0
        precision = -(W.T @ np.linalg.solve(inner, W)) / noise**2
        precision.flat[:: len(precision) + 1] += 1.0 / noise
        return precision

    def _warm_start(self):
        """Whether fit trains a fitted model on (``warm_start``); a kind without
        the parameter never does."""
        return False

    def _as_they_are(self):
        """Whether training saw the data's units: the user's networks as they
        are. Never for a VAE, which keeps them beside its linear maps."""
        return False

    def _saved_state(self, built=False):
        """The state that pickle and :func:`skae.save` keep, ``model_`` the live
        Keras model: ``__dict__`` less what is rebuilt on load. The encoder and
        decoder live inside ``model_`` and are taken back out on load, so the three
        keep sharing their weights. Where fit kept only the values of the weights
        (``_unbuilt``), those are kept, or with ``built`` the model built on them.
        """
        state = dict(super().__getstate__())  # object's is the live __dict__
        for name in ("encoder_", "decoder_", "_forward", "_forward_history"):
            state.pop(name, None)
        if built and "_unbuilt" in state:
            state["model_"], _, _ = state.pop("_unbuilt").build()
        return state

    def __getstate__(self):
        # Keras pickles model_ natively. Keras finds skae's layers by registered
        # name, so the model travels as bytes that __setstate__ loads once
        # skae.layers is imported.
        state = self._saved_state()
        if "model_" in state:
            state["model_"] = pickle.dumps(state["model_"])
        return state

    def __setstate__(self, state):
        if isinstance(state.get("model_"), bytes):
            from . import layers  # noqa: F401  registers skae's layers with Keras

            state = {**state, "model_": pickle.loads(state["model_"])}
        super().__setstate__(state)
        if "model_" in state:
            self.encoder_, self.decoder_ = self.model_.layers[0], self.model_.layers[-1]
            self._restore_ties()
        if "n_components_" in state:  # fitted: the Keras models, or their values
            self._refresh_forward()

    def _restore_ties(self):
        """Restore what Keras's saved model lacks after unpickling (nothing here)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _typed_as_pcas(n, n_components):
    """``n`` code units of the type of PCA's ``n_components_`` for the parameter
    ``n_components``: a Python int for an int or ``None``, a NumPy integer for a
    float or ``'mle'`` (the size that PCA's spectrum chose)."""
    if n_components is None or isinstance(n_components, Integral):
        return n
    return np.int64(n)


def _in_squared_units(values, scale):
    """``values * scale**2``: 0 stays 0, and only what float64 cannot hold is inf."""
    with np.errstate(over="ignore"):
        return values * scale * scale
