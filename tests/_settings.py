"""Cheap constructor settings shared by the tests (as sklearn's INIT_PARAMS)."""

# A small, quick network: enough to exercise every code path in well under a second.
FAST = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0)

# One instance per code path for scikit-learn's checks: deep from PCA's start (as the
# default), linear (closed form), deep from a random start.
CHECKED = [
    FAST,
    {**FAST, "hidden_layer_sizes": ()},
    {**FAST, "init": "random"},
]

# The code paths that every promise must hold on, as constructor settings.
PATHS = {
    "linear-pca": dict(hidden_layer_sizes=()),
    "linear-random": dict(hidden_layer_sizes=(), init="random"),
    "deep-pca": dict(hidden_layer_sizes=(8,)),
    "deep-random": dict(hidden_layer_sizes=(8,), init="random"),
}
