"""ModelBuilder: a function that builds a Keras model, with searchable settings."""

import inspect


class ModelBuilder:
    """Build a Keras model, with hyperparameters that scikit-learn can set and search.

    ``ModelBuilder(make_encoder, filters=16)``, given as an
    :class:`~skae.AutoencoderTransformer`'s ``encoder`` or ``decoder``, calls
    ``make_encoder(n_features=..., n_components=..., filters=16)`` at fit. Its
    hyperparameters are parameters of the transformer, as a nested estimator's are:
    ``set_params(encoder__filters=32)`` and
    ``GridSearchCV(ae, {"encoder__filters": [16, 32]})`` reach them, and
    :func:`~sklearn.base.clone` copies them.

    Parameters
    ----------
    build : callable
        Returns a Keras model; called with the keyword arguments ``n_features``,
        ``n_components`` and the hyperparameters.

    **params
        Hyperparameters passed to ``build``. Names that ``build`` does not accept
        are a TypeError here, not at fit.

    Examples
    --------
    >>> from skae import ModelBuilder
    >>> def make_encoder(n_features, n_components, units=32):
    ...     import keras
    ...     return keras.Sequential([keras.Input((n_features,)),
    ...                              keras.layers.Dense(units, activation="relu"),
    ...                              keras.layers.Dense(n_components)])
    >>> builder = ModelBuilder(make_encoder, units=64)
    >>> builder.get_params()["units"]
    64
    >>> builder.set_params(units=16)
    ModelBuilder(make_encoder, units=16)
    """

    def __init__(self, build, **params):
        self._check(build, params)
        self.build = build
        self._params = params

    def get_params(self, deep=True):
        """Return ``build`` and the hyperparameters, as scikit-learn's estimators do.

        Parameters
        ----------
        deep : bool, default=True
            Ignored: the hyperparameters hold no nested estimators.

        Returns
        -------
        params : dict
            ``{"build": build, **hyperparameters}``.
        """
        return {"build": self.build, **self._params}

    def set_params(self, **params):
        """Set ``build`` or hyperparameters.

        Parameters
        ----------
        **params
            New values.

        Returns
        -------
        self : ModelBuilder
            This builder.
        """
        build = params.pop("build", self.build)
        self._check(build, params)
        self.build = build
        self._params = {**self._params, **params}
        return self

    def __call__(self, n_features, n_components):
        return self.build(
            n_features=n_features, n_components=n_components, **self._params
        )

    def __repr__(self):
        name = getattr(self.build, "__name__", repr(self.build))
        params = "".join(f", {key}={value!r}" for key, value in self._params.items())
        return f"{type(self).__name__}({name}{params})"

    @staticmethod
    def _check(build, params):
        if not callable(build):
            raise TypeError(f"build must be callable, got {build!r}.")
        try:
            inspect.signature(build).bind_partial(
                n_features=1, n_components=1, **params
            )
        except ValueError:  # no signature to check (some builtins): left to the call
            pass
        except TypeError as exc:
            raise TypeError(
                f"{getattr(build, '__name__', build)} does not accept the "
                f"hyperparameters {sorted(params)}: {exc}"
            ) from exc
