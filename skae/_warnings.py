"""Warnings that point at the user's code, not at skae's or scikit-learn's."""

import concurrent.futures
import multiprocessing
import os
import sys
import threading
import warnings

import joblib
import sklearn

# scikit-learn's searches reach fit through joblib, even with n_jobs=1.
_INTERNAL = tuple(
    os.path.dirname(os.path.abspath(module.__file__)) + os.sep
    for module in (sys.modules[__package__], sklearn, joblib)
)


# Where a worker thread's stack starts: a threaded search runs fit below these.
_THREAD_MACHINERY = (
    os.path.abspath(threading.__file__),
    os.path.dirname(os.path.abspath(multiprocessing.__file__)) + os.sep,
    os.path.dirname(os.path.abspath(concurrent.futures.__file__)) + os.sep,
)


def _internal(frame):
    return os.path.abspath(frame.f_code.co_filename).startswith(_INTERNAL)


def _machinery(frame):
    return os.path.abspath(frame.f_code.co_filename).startswith(_THREAD_MACHINERY)


def _waiting_user_frame():
    """In a worker thread of a threaded search, the user's line that runs the
    search, or ``None``: in another thread, the caller of the outermost frame of
    skae's tools (joblib's Parallel waits there for the workers), where that
    caller is not thread machinery (as it is in the other workers)."""
    current = threading.get_ident()
    for ident, frame in sys._current_frames().items():
        if ident == current:
            continue
        caller = None
        while frame is not None:  # innermost first: the last one wins
            if _internal(frame) and frame.f_back is not None:
                if not _internal(frame.f_back):
                    caller = frame.f_back
            frame = frame.f_back
        if caller is not None and not _machinery(caller):
            return caller
    return None


def warn(message, category=UserWarning):
    """``warnings.warn`` attributed to the first caller outside skae and its tools.

    ``fit`` is reached through scikit-learn's wrappers (``_fit_context``,
    ``fit_transform``, a Pipeline, a search through joblib); a fixed ``stacklevel``
    would point at one of them instead of the line that the user wrote. In a
    worker thread of a threaded search (joblib's threading backend), whose stack
    holds no user code, the user's line is the one that waits on the search.
    """
    level, frame = 2, sys._getframe(1)
    while frame is not None and _internal(frame):
        frame, level = frame.f_back, level + 1
    if frame is None or _machinery(frame):  # a worker thread: no user code here
        user = _waiting_user_frame()
        if user is not None:
            warnings.warn_explicit(
                message,
                category,
                user.f_code.co_filename,
                user.f_lineno,
                module=user.f_globals.get("__name__"),
                registry=user.f_globals.setdefault("__warningregistry__", {}),
                module_globals=user.f_globals,
            )
            return
    warnings.warn(message, category, stacklevel=level)
