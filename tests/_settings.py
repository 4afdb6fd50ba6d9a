"""Cheap constructor settings shared by the tests (as sklearn's INIT_PARAMS)."""

# A small, quick network: enough to exercise every code path in well under a second.
FAST = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
