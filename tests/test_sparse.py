"""Sparse rows (scipy CSR and CSC): taken by every method, densified a chunk at a
time, never whole."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.decomposition import PCA, TruncatedSVD

from skae import AutoencoderTransformer, VariationalAutoencoder, _stream

from ._settings import FAST

FORMATS = [sparse.csr_matrix, sparse.csc_matrix, sparse.csr_array]


def bag_of_words(n_docs, n_words=300, n_topics=6, words_per_doc=20, seed=0):
    """Word counts of documents that each draw their words from one topic (a
    Zipf law over the vocabulary in the topic's order) or from the background."""
    rng = np.random.RandomState(seed)
    orders = np.array([rng.permutation(n_words) for _ in range(n_topics + 1)])
    topic = rng.randint(n_topics, size=(n_docs, 1))
    source = np.where(rng.rand(n_docs, words_per_doc) < 0.7, topic, n_topics)
    rank = np.minimum(rng.zipf(1.5, size=(n_docs, words_per_doc)), n_words) - 1
    docs = np.repeat(np.arange(n_docs), words_per_doc)
    words = orders[source.ravel(), rank.ravel()]
    counts = np.ones(len(words))
    return sparse.csr_matrix((counts, (docs, words)), shape=(n_docs, n_words))


@pytest.fixture
def streamed(monkeypatch):
    """Every sparse matrix read in chunks of 50 rows (of 300 words), and at most
    40 rows held in memory (held out, or ranking the code units)."""
    monkeypatch.setattr(_stream, "STREAM_MIN_BYTES", 0)
    monkeypatch.setattr(_stream, "CHUNK_VALUES", 300 * 50)
    monkeypatch.setattr(_stream, "MAX_HELD_VALUES", 300 * 40)


@pytest.fixture
def densified(monkeypatch):
    """The most rows that any densification of a sparse matrix made at once."""
    largest = [0]
    toarray = sparse.csr_matrix.toarray

    def counted(self, *args, **kwargs):
        largest[0] = max(largest[0], self.shape[0])
        return toarray(self, *args, **kwargs)

    monkeypatch.setattr(sparse.csr_matrix, "toarray", counted)
    return largest


@pytest.mark.parametrize("to_sparse", FORMATS)
def test_a_small_sparse_matrix_gives_the_dense_rows_results(to_sparse):
    # Below the streaming size, a sparse X is densified and fitted as its array:
    # every method gives what it gives the dense rows, bit for bit.
    X = bag_of_words(200)
    S, dense = to_sparse(X), X.toarray()
    a = AutoencoderTransformer(4, **FAST).fit(dense)
    b = AutoencoderTransformer(4, **FAST).fit(S)
    for u, v in zip(a.model_.weights, b.model_.weights, strict=True):
        assert_array_equal(u.numpy(), v.numpy())
    assert_array_equal(b.transform(S), a.transform(dense))
    codes = a.transform(dense)
    assert_array_equal(
        b.inverse_transform(to_sparse(codes)), a.inverse_transform(codes)
    )
    assert b.score(S) == a.score(dense)
    assert_array_equal(b.score_samples(S), a.score_samples(dense))
    assert b.transform(S.astype(np.float32)).dtype == np.float32
    c, d = AutoencoderTransformer(4, **FAST), AutoencoderTransformer(4, **FAST)
    for rows in (slice(0, 100), slice(100, 200)):
        c.partial_fit(S[rows]), d.partial_fit(dense[rows])
    assert_array_equal(c.transform(S), d.transform(dense))


def test_a_large_sparse_matrix_is_densified_a_chunk_at_a_time(streamed, densified):
    X = bag_of_words(600)
    X_train, X_test = X[:400], X[400:]
    ae = AutoencoderTransformer(6, max_iter=20, random_state=0).fit(X_train)
    codes = ae.transform(X_test)
    r2 = ae.score(X_test)
    assert densified[0] <= 50  # chunks of 50 rows, never the 400
    assert ae.n_iter_ > 1 and ae.n_features_in_ == 300
    # The same figures as the same rows densified.
    assert_allclose(codes, ae.transform(X_test.toarray()), rtol=1e-12, atol=1e-12)
    assert r2 == pytest.approx(ae.score(X_test.toarray()), rel=1e-12)
    assert_allclose(ae.score_samples(X_test), ae.score_samples(X_test.toarray()))
    # Held out, above TruncatedSVD (the usual choice for text) at the same size,
    # and at least PCA's (the floor, from PCA's ARPACK solver on the sparse rows).
    svd = TruncatedSVD(6, random_state=0).fit(X_train)
    svd_r2 = 1 - np.sum(
        np.square(X_test.toarray() - svd.inverse_transform(svd.transform(X_test)))
    ) / np.sum(np.square(X_test.toarray() - X_test.toarray().mean(axis=0)))
    pca = PCA(6).fit(X_train.toarray())
    assert r2 > svd_r2
    assert ae.score(X_train) >= pca.explained_variance_ratio_.sum() - 1e-9


def test_a_large_sparse_matrix_gives_a_linear_model_pcas_solution(streamed):
    X = bag_of_words(400)
    linear = AutoencoderTransformer(5, hidden_layer_sizes=()).fit(X)
    pca = PCA(5).fit(X.toarray())
    assert linear.score(X) == pytest.approx(pca.explained_variance_ratio_.sum())
    assert_allclose(linear.mean_, pca.mean_, atol=1e-12)
    assert_allclose(
        np.abs(linear.transform(X)), np.abs(pca.transform(X.toarray())), atol=1e-8
    )


@pytest.mark.parametrize("value", [0.0, 3.0])
def test_a_large_sparse_matrix_without_variance_is_as_pcas(streamed, value):
    # As dense rows without variance (tests/test_degenerate.py): every code 0,
    # decoding to mean_, a warning that says so; ARPACK is not asked.
    X = sparse.csr_matrix(np.full((50, 30), value))
    with pytest.warns(UserWarning, match="no variance"):
        ae = AutoencoderTransformer(2, **FAST).fit(X)
    assert_array_equal(ae.transform(X), np.zeros((50, 2)))
    assert_array_equal(ae.inverse_transform(np.zeros((1, 2))), np.full((1, 30), value))
    assert_array_equal(ae.explained_variance_, np.zeros(2))


def test_a_large_sparse_matrix_needs_an_int_n_components(streamed):
    X = bag_of_words(100)
    for n_components in (0.9, "mle", None):
        ae = AutoencoderTransformer(n_components, **FAST)
        with pytest.raises(ValueError, match="sparse X this large.*Pass an int"):
            ae.fit(X)
        assert not hasattr(ae, "n_components_")


def test_the_vae_refuses_sparse_rows_with_scikit_learns_error():
    # Its tags say it takes no sparse rows; scikit-learn's error says so.
    vae = VariationalAutoencoder(2, max_iter=1)
    with pytest.raises(TypeError, match="[Ss]parse"):
        vae.fit(bag_of_words(50))
    assert not vae.__sklearn_tags__().input_tags.sparse
    assert AutoencoderTransformer().__sklearn_tags__().input_tags.sparse
