"""Warnings that point at the user's code, not at skae's or scikit-learn's."""

import os
import sys
import warnings

import joblib
import sklearn

# scikit-learn's searches reach fit through joblib, even with n_jobs=1.
_INTERNAL = tuple(
    os.path.dirname(os.path.abspath(module.__file__)) + os.sep
    for module in (sys.modules[__package__], sklearn, joblib)
)


def warn(message, category=UserWarning):
    """``warnings.warn`` attributed to the first caller outside skae and its tools.

    ``fit`` is reached through scikit-learn's wrappers (``_fit_context``,
    ``fit_transform``, a Pipeline, a search through joblib); a fixed ``stacklevel``
    would point at one of them instead of the line that the user wrote.
    """
    level, frame = 2, sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
        _INTERNAL
    ):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
