"""Figures in scikit-learn's ``Display`` style: explained variance, images, codes.

Each Display holds what it draws, computed by ``from_estimator`` or
``from_estimators``, and draws it with ``plot(ax=...)``, which sets ``ax_`` and
``figure_``. matplotlib is imported only when something is drawn (``pip install
"skae[plot]"``).
"""

import numpy as np
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.utils.validation import check_array, check_is_fitted

from ._compare import fit_and_score


def check_matplotlib_support(caller):
    """Raise an ImportError naming ``caller`` and the extra, without matplotlib."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f'{caller} requires matplotlib: pip install "skae[plot]".'
        ) from exc


def _axes(ax):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    return ax


def _name(estimator):
    return type(estimator).__name__


class ExplainedVarianceDisplay:
    """Explained variance against ``n_components``, for estimators beside PCA.

    The explained variance of an estimator is its reconstruction R^2
    (:func:`skae.compare_with_pca`), which for PCA on its training rows equals
    ``explained_variance_ratio_.sum()``. Create it with :meth:`from_estimators` or
    :meth:`from_estimator`, which fit the estimators at each size; the constructor
    takes figures already computed.

    Parameters
    ----------
    n_components : array-like of int
        The code sizes, the x axis.

    explained_variance : dict of str to array-like of float
        For each name (a legend entry), the explained variance of the training rows
        at each size.

    test_explained_variance : dict of str to array-like of float, default=None
        The same on held-out rows, drawn dashed.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        The lines drawn, training ones first.

    ax_ : matplotlib Axes
        The axes drawn on.

    figure_ : matplotlib Figure
        The figure of ``ax_``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from skae import AutoencoderTransformer, ExplainedVarianceDisplay
    >>> X = load_digits().data / 16
    >>> ae = AutoencoderTransformer(max_iter=20, random_state=0)
    >>> display = ExplainedVarianceDisplay.from_estimator(ae, X, n_components=[2, 4])
    >>> [line.get_label() for line in display.lines_]
    ['PCA', 'AutoencoderTransformer']
    """

    def __init__(self, n_components, explained_variance, test_explained_variance=None):
        self.n_components = n_components
        self.explained_variance = explained_variance
        self.test_explained_variance = test_explained_variance

    @classmethod
    def from_estimators(
        cls,
        estimators,
        X,
        X_test=None,
        *,
        n_components=(2, 4, 8, 16),
        names=None,
        pca=True,
        ax=None,
    ):
        """Fit each estimator, and PCA, at each code size and plot their figures.

        Parameters
        ----------
        estimators : list of estimators with ``n_components``
            Cloned and fitted once per size, e.g.
            :class:`~skae.AutoencoderTransformer` with different settings.

        X : array-like of shape (n_samples, n_features)
            Training rows.

        X_test : array-like of shape (n_test, n_features), default=None
            Held-out rows; without them only the training figures are drawn.

        n_components : iterable of int, default=(2, 4, 8, 16)
            The code sizes.

        names : list of str, default=None
            Legend entries, one per estimator; default: the class names.

        pca : bool, default=True
            Whether to draw PCA too.

        ax : matplotlib Axes, default=None
            Where to draw; default: a new figure.

        Returns
        -------
        display : ExplainedVarianceDisplay
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimators")
        X = check_array(X)
        X_test = None if X_test is None else check_array(X_test)
        if names is None:
            names = [_name(e) for e in estimators]
        if len(names) != len(estimators):
            raise ValueError(
                f"names has {len(names)} entries for {len(estimators)} estimators."
            )
        n_components = [int(k) for k in n_components]
        models = ([("PCA", PCA())] if pca else []) + list(
            zip(names, estimators, strict=True)
        )
        train, test = {}, {}
        for name, estimator in models:
            scores = [
                fit_and_score(clone(estimator), k, X, X_test)[2:] for k in n_components
            ]
            train[name] = [train_r2 for train_r2, _ in scores]
            test[name] = [test_r2 for _, test_r2 in scores]
        display = cls(n_components, train, None if X_test is None else test)
        return display.plot(ax=ax)

    @classmethod
    def from_estimator(cls, estimator, X, X_test=None, **kwargs):
        """:meth:`from_estimators` for one estimator; the same keyword arguments."""
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        names = kwargs.pop("names", None) or [_name(estimator)]
        return cls.from_estimators([estimator], X, X_test, names=names, **kwargs)

    def plot(self, ax=None):
        """Draw the figures.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; default: a new figure.

        Returns
        -------
        display : ExplainedVarianceDisplay
            This display, with ``ax_``, ``figure_`` and ``lines_`` set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        ax = _axes(ax)
        self.lines_ = []
        colors = {}
        for name, values in self.explained_variance.items():
            label = (
                name if self.test_explained_variance is None else f"{name}, training"
            )
            (line,) = ax.plot(self.n_components, values, "o-", label=label)
            colors[name] = line.get_color()
            self.lines_.append(line)
        for name, values in (self.test_explained_variance or {}).items():
            (line,) = ax.plot(
                self.n_components,
                values,
                "s--",
                color=colors.get(name),
                label=f"{name}, held out",
            )
            self.lines_.append(line)
        ax.set_xlabel("n_components")
        ax.set_ylabel("explained variance (reconstruction R$^2$)")
        ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self


class ReconstructionDisplay:
    """A grid of images: rows of ``X``, then each fitted estimator's reconstruction.

    Each estimator's row is ``inverse_transform(transform(X))``. Create it with
    :meth:`from_estimators` (or :meth:`from_estimator`).

    Parameters
    ----------
    images : ndarray of shape (n_rows, n_images, height, width)
        The grid: the originals first.

    names : list of str
        One label per grid row.

    Attributes
    ----------
    images_ : list of matplotlib AxesImage
        One per image drawn, row by row.

    ax_ : matplotlib Axes
        The axes drawn on (one, the images side by side on it).

    figure_ : matplotlib Figure
        The figure of ``ax_``.
    """

    def __init__(self, images, names):
        self.images = images
        self.names = names

    @classmethod
    def from_estimators(
        cls, estimators, X, image_shape, *, names=None, n_images=8, ax=None
    ):
        """Reconstruct the first ``n_images`` rows of ``X`` with each estimator.

        Parameters
        ----------
        estimators : list of fitted transformers with ``inverse_transform``
            For example an :class:`~skae.AutoencoderTransformer` and a PCA fitted
            with the same ``n_components``.

        X : array-like of shape (n_samples, n_features)
            Rows that are images of ``image_shape`` (``n_features`` pixels).

        image_shape : tuple of int
            ``(height, width)`` of an image.

        names : list of str, default=None
            Labels of the estimators' rows; default: class name and code size.

        n_images : int, default=8
            How many rows of ``X`` to show.

        ax : matplotlib Axes, default=None
            Where to draw; default: a new figure.

        Returns
        -------
        display : ReconstructionDisplay
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimators")
        X = check_array(X)[:n_images]
        height, width = image_shape
        if height * width != X.shape[1]:
            raise ValueError(
                f"image_shape {tuple(image_shape)} has {height * width} pixels; "
                f"X has {X.shape[1]} features."
            )
        for estimator in estimators:
            check_is_fitted(estimator)
        if names is None:
            names = [
                f"{_name(e)} (k={getattr(e, 'n_components_', '?')})" for e in estimators
            ]
        rows = [X] + [e.inverse_transform(e.transform(X)) for e in estimators]
        images = np.stack(rows).reshape(len(rows), len(X), height, width)
        return cls(images, ["original", *names]).plot(ax=ax)

    @classmethod
    def from_estimator(cls, estimator, X, image_shape, **kwargs):
        """:meth:`from_estimators` for one estimator; the same keyword arguments."""
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        return cls.from_estimators([estimator], X, image_shape, **kwargs)

    def plot(self, ax=None, cmap="gray_r"):
        """Draw the grid.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; default: a new figure sized to the grid.

        cmap : str, default="gray_r"
            matplotlib colormap of the images.

        Returns
        -------
        display : ReconstructionDisplay
            This display, with ``ax_``, ``figure_`` and ``images_`` set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        n_rows, n_images, height, width = self.images.shape
        if ax is None:
            _, ax = plt.subplots(figsize=(1.2 * n_images + 1.5, 1.2 * n_rows))
        # The originals' range for every row, so that the rows compare by eye.
        low, high = float(self.images[0].min()), float(self.images[0].max())
        self.images_ = []
        gap = 0.15
        for i in range(n_rows):
            for j in range(n_images):
                left, top = j * (width * (1 + gap)), i * (height * (1 + gap))
                extent = (left, left + width, top + height, top)
                image = ax.imshow(
                    self.images[i, j],
                    cmap=cmap,
                    vmin=low,
                    vmax=high,
                    extent=extent,
                    interpolation="nearest",
                )
                self.images_.append(image)
        ax.set_xlim(-gap * width, n_images * width * (1 + gap))
        ax.set_ylim(n_rows * height * (1 + gap), -gap * height)
        ax.set_xticks([])
        ax.set_yticks([(i * (1 + gap) + 0.5) * height for i in range(n_rows)])
        ax.set_yticklabels(self.names)
        ax.tick_params(left=False)
        for spine in ax.spines.values():
            spine.set_visible(False)
        self.ax_, self.figure_ = ax, ax.figure
        return self


class CodeScatterDisplay:
    """The first two code units of each row, as points, coloured by label.

    Parameters
    ----------
    code : ndarray of shape (n_samples, 2)
        The points.

    y : array-like of shape (n_samples,), default=None
        Labels to colour the points by (one colour and legend entry per label).

    name : str, default=None
        The title.

    Attributes
    ----------
    scatters_ : list of matplotlib PathCollection
        One per label (one in all without ``y``).

    ax_ : matplotlib Axes
        The axes drawn on.

    figure_ : matplotlib Figure
        The figure of ``ax_``.
    """

    def __init__(self, code, y=None, name=None):
        self.code = code
        self.y = y
        self.name = name

    @classmethod
    def from_estimator(cls, estimator, X, y=None, *, name=None, ax=None):
        """Transform ``X`` with a fitted estimator and scatter its first two units.

        Parameters
        ----------
        estimator : fitted transformer
            With at least 2 output units, e.g. an
            :class:`~skae.AutoencoderTransformer` with ``n_components=2``.

        X : array-like of shape (n_samples, n_features)
            Rows to transform.

        y : array-like of shape (n_samples,), default=None
            Labels to colour the points by.

        name : str, default=None
            The title; default: the class name and code size.

        ax : matplotlib Axes, default=None
            Where to draw; default: a new figure.

        Returns
        -------
        display : CodeScatterDisplay
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        check_is_fitted(estimator)
        code = np.asarray(estimator.transform(X))
        if code.ndim != 2 or code.shape[1] < 2:
            raise ValueError(
                f"{_name(estimator)} gives codes of shape {code.shape}; a scatter "
                "needs at least 2 units."
            )
        if y is not None and len(y) != len(code):
            raise ValueError(f"y has {len(y)} labels for {len(code)} rows.")
        if name is None:
            name = f"{_name(estimator)} (k={code.shape[1]})"
        return cls(code[:, :2], y, name).plot(ax=ax)

    def plot(self, ax=None, **kwargs):
        """Draw the points.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; default: a new figure.

        **kwargs : dict
            Passed to :meth:`matplotlib.axes.Axes.scatter`.

        Returns
        -------
        display : CodeScatterDisplay
            This display, with ``ax_``, ``figure_`` and ``scatters_`` set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        ax = _axes(ax)
        kwargs = {"s": 8, **kwargs}
        self.scatters_ = []
        if self.y is None:
            self.scatters_.append(ax.scatter(*self.code.T, **kwargs))
        else:
            y = np.asarray(self.y)
            for label in np.unique(y):
                points = self.code[y == label]
                self.scatters_.append(ax.scatter(*points.T, label=str(label), **kwargs))
            ax.legend(title="label", markerscale=2, fontsize="small")
        ax.set_xlabel("code unit 1")
        ax.set_ylabel("code unit 2")
        if self.name:
            ax.set_title(self.name)
        self.ax_, self.figure_ = ax, ax.figure
        return self
