"""The forward passes behind ``transform`` and ``inverse_transform``.

``model.predict`` costs tens of milliseconds per call and even a ``tf.function`` about
0.3 ms, against about 0.1 ms for ``PCA.transform``. Where every layer of a model is of
a type mirrored here (Dense, Activation, the dropout and noise layers, which are the
identity at inference, skae's ``Standardize`` and ``LinearShortcut``, in Sequential
models), a NumPy pass over a snapshot of the weights costs microseconds. Any other
model runs through a ``tf.function`` with a fixed input signature, traced once, over
chunks of rows. The choice is made by layer type, never by layer name.

The NumPy pass computes float64 input in float64 and float32 input in float32, as PCA
computes them: float32 is about twice as fast in bulk. The float32 copies of the
weights are made at the first float32 call (a fit's own passes are float64's), and a
snapshot's copies share their kernels: with 50,000 features a kernel of 256 units
takes 100 MB in float64. A row's output alone, in a batch
or in a permuted batch differs by that precision's rounding only (a 1-row and a
many-row BLAS product round differently). The standardisation's scale is folded into
the first and last affine maps. Float64 rows are centred before any product, in the
copy that the pass makes of each chunk anyway, so that an offset large against the
spread (a column at 1e15 + N(0, 1)) costs no accuracy; float32 rows, read in place,
have the mean folded into the first map's bias too, as ``PCA.transform`` folds its
mean, and carry the rounding that PCA's do.
"""

import contextlib
import threading

import numpy as np

from ._backend import import_keras, import_tensorflow

# Rows per chunk: bounds the float64 buffers of a bulk transform to 32 KiB per
# feature or hidden unit while keeping BLAS calls large enough to be efficient.
_CHUNK_ROWS = 4096
# Float32 input is read in place (no buffer for it) in chunks of up to this many
# values per hidden unit: larger BLAS calls, intermediate buffers of at most 32 MiB.
_FLOAT32_CHUNK_VALUES = 8 * 2**20
# Where the standardisation's scale is beyond these bounds, the float32 versions of
# the folded maps could overflow or underflow: float32 input is computed in float64.
_FLOAT32_SCALES = (1e-30, 1e30)
# Intermediate buffers kept between calls (see _ScratchPool): those of at most
# _POOL_BUFFER_BYTES each, up to _POOL_BYTES in all.
_POOL_BUFFER_BYTES = 8 * 2**20
_POOL_BYTES = 48 * 2**20


def _relu(x):
    return np.maximum(x, 0, out=x)


def _logistic(x):
    # exp of -|x| never overflows; this is scipy's expit without the scipy import.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _silu(x, spare):
    # x / (1 + exp(-x)) in place, the denominator in the spare buffer; where exp(-x)
    # overflows to inf (x below about -88 in float32), x / inf is -0, as
    # x * sigmoid(x) is nearly.
    with np.errstate(over="ignore"):
        np.exp(np.negative(x, out=spare), out=spare)
    spare += 1
    return np.divide(x, spare, out=x)


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _selu(x):
    # The constants of Keras's selu (Klambauer et al., 2017).
    return 1.0507009873554805 * _elu(x, alpha=1.6732632423543772)


def _gelu(x):
    from scipy.special import erf  # Keras's default is the exact (erf) form

    return 0.5 * x * (1 + erf(x / np.sqrt(2)))


def _softplus(x):
    return np.logaddexp(0, x)


# Keras's activations by the name a Dense layer's config gives, in NumPy (float64);
# silu (and its other name, swish) works in a spare buffer: see _activation.
_ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": _relu,
    "tanh": np.tanh,
    "sigmoid": _logistic,
    "elu": _elu,
    "selu": _selu,
    "gelu": _gelu,
    "softplus": _softplus,
    "softsign": lambda x: x / (1 + np.abs(x)),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),  # Keras's default slope
    "relu6": lambda x: np.clip(x, 0, 6),
    "exponential": np.exp,
    "mish": lambda x: x * np.tanh(_softplus(x)),
}


def _activation(name):
    """The NumPy activation for a Keras name, ``f(x, spare)`` with ``spare`` a
    buffer of ``x``'s shape and dtype that it may use and ``x`` one that it may
    overwrite (``None`` for the identity); else Keras's own, run in float64."""
    if name == "linear":
        return None
    if name in ("silu", "swish"):
        return _silu
    function = _ACTIVATIONS.get(name)
    if function is None:
        keras = import_keras()
        keras_function = keras.activations.get(name)

        def function(x):
            return keras.ops.convert_to_numpy(keras_function(x))

    return lambda x, spare: function(x)


def _identity_at_inference(keras):
    names = ("Dropout", "GaussianNoise", "GaussianDropout", "AlphaDropout")
    return tuple(getattr(keras.layers, n) for n in names if hasattr(keras.layers, n))


def _ops(layer, dtype=np.float64):
    """``layer`` as NumPy ops ``(kernel or None, bias or None, activation or None)``,
    the weights copied in ``dtype``.

    ``None`` where some layer in it has no exact NumPy mirror here.
    """
    keras = import_keras()
    if isinstance(layer, keras.Sequential):
        ops = []
        for sublayer in layer.layers:
            sub_ops = _ops(sublayer, dtype)
            if sub_ops is None:
                return None
            ops += sub_ops
        return ops
    if isinstance(layer, _identity_at_inference(keras)):
        return []
    if isinstance(layer, (keras.layers.Dense, keras.layers.Activation)):
        name = layer.get_config()["activation"]
        if not isinstance(name, str):
            return None  # a function or a serialised object: left to Keras
        if isinstance(layer, keras.layers.Activation):
            return [(None, None, _activation(name))]
        # Copies of their own, which the folds below change in place.
        kernel, *bias = (np.array(w, dtype=dtype) for w in layer.get_weights())
        bias = bias[0] if bias else np.zeros(kernel.shape[1])
        return [(kernel, bias, _activation(name))]
    return None


def _standardize_layer_values(layer):
    """``(mean, scale)`` held by a :class:`~skae.layers.Standardize` layer."""
    mean, scale = (np.asarray(w, dtype=np.float64) for w in layer.get_weights())
    return mean, float(scale)


def _mirror(model, unstandardize=True, code_scale=True, float32_only=False):
    """A NumPy pass equal to ``model``'s, or ``None`` where a layer has no mirror.

    The standardisation at either end is folded into the first and last affine
    maps (float64 rows are centred first, in the copy of each chunk), so a chunk
    of rows costs one cast or subtraction and the matrix products. With
    ``unstandardize`` false, a last inverse standardisation is left out; with
    ``code_scale`` false, a first :class:`~skae.layers.CodeScale`; with
    ``float32_only``, the pass keeps only the float32 copies of the weights and
    takes float32 rows only.
    """
    from .layers import CodeScale, LinearShortcut, Standardize

    keras = import_keras()
    if not isinstance(model, keras.Sequential):
        return None
    layers = list(model.layers)
    pre = post = None
    if layers and isinstance(layers[0], Standardize) and not layers[0].invert:
        pre = _standardize_layer_values(layers.pop(0))
        if not code_scale and isinstance(model.layers[0], CodeScale):
            pre = None
    if layers and isinstance(layers[-1], Standardize) and layers[-1].invert:
        post = _standardize_layer_values(layers.pop())
        if not unstandardize:
            post = None
    linear, deep = None, []
    # Weights that nothing folds into, for a float32 pass, are copied as they
    # are, in float32 (a float64 copy of a 50,000-wide layer takes 100 MB).
    shortcut = layers[0] if len(layers) == 1 else None
    gated = isinstance(shortcut, LinearShortcut) and shortcut.gated
    unfolded = pre is None and post is None and not gated
    dtype = np.float32 if float32_only and unfolded else np.float64
    if isinstance(shortcut, LinearShortcut):
        linear = _ops(shortcut.linear, dtype)[0]
        if shortcut.network is not None:
            deep = _ops(shortcut.network, dtype)
            if not deep:  # None: no mirror; []: an identity network
                return None
            if shortcut.gated:
                if deep[-1][0] is None or deep[-1][2] is not None:
                    return None  # the gate folds into a last linear Dense only
                gate = np.asarray(shortcut.gate, dtype=np.float64)
                kernel, bias, _ = deep[-1]
                deep[-1] = (np.multiply(kernel, gate, out=kernel), bias * gate, None)
    else:
        for layer in layers:
            if isinstance(layer, (LinearShortcut, Standardize)):
                return None
            ops = _ops(layer, dtype)
            if ops is None:
                return None
            deep += ops
    if (pre or post) and not (linear or deep):
        return None
    low, high = _FLOAT32_SCALES
    in_float32 = all(low < ends[1] < high for ends in (pre, post) if ends is not None)
    if pre is not None and deep and deep[0][0] is None:
        return None
    if post is not None and deep and (deep[-1][0] is None or deep[-1][2] is not None):
        return None
    if pre is None:
        (ops,) = _folded(linear, deep, None, post, [None])
        return _NumpyPass(*ops, in_float32=in_float32, float32_only=float32_only)
    # Float64 rows are centred first (the maps take the scale only), float32 rows
    # take the maps with the mean folded in too: two sets of biases, one of kernels.
    shift, scale = pre
    ops, float32_ops = _folded(linear, deep, scale, post, [np.zeros_like(shift), shift])
    return _NumpyPass(*ops, in_float32=in_float32, shift=shift, float32_ops=float32_ops)


def _folded(linear, deep, scale, post, shifts):
    """For each shift in ``shifts``, ``(linear, deep)`` with the standardisation
    ``(shift, scale)`` folded into the first affine maps (none where ``scale`` is
    ``None``) and the inverse one ``post`` (``(mean, scale)`` or ``None``) into
    the last. The sets differ in the first maps' biases only and share their
    kernels, which are the given ones, changed in place: with 50,000 features a
    kernel takes 100 MB."""
    ops = ([linear] if linear else []) + list(deep)
    first = {0} if not linear or not deep else {0, 1}  # the linear map, deep[0]
    last = {0, len(ops) - 1} if linear else {len(ops) - 1}
    sets = [[] for _ in shifts]
    for i, (kernel, bias, act) in enumerate(ops):
        biases = [bias] * len(shifts)
        if scale is not None and i in first:
            # op((x - shift) / scale) = x @ (kernel / scale) + bias - ...
            biases = [bias - (shift / scale) @ kernel for shift in shifts]
            kernel = np.divide(kernel, scale, out=kernel)
        if post is not None and i in last:
            # op(x) * scale + mean; the mean once, on the linear map where there is one
            mean, out_scale = post
            offset = mean if (linear and i == 0) or not linear else 0.0
            biases = [b * out_scale + offset for b in biases]
            kernel = np.multiply(kernel, out_scale, out=kernel)
        for ops_of_shift, b in zip(sets, biases, strict=True):
            ops_of_shift.append((kernel, b, act))
    return [(ops[0], ops[1:]) if linear else (None, ops) for ops in sets]


def _as_float32(op):
    """``op`` with its kernel and bias in float32, or ``None`` if they overflow."""
    kernel, bias, act = op
    if kernel is None:
        return op
    kernel = kernel.astype(np.float32, copy=False)
    bias = bias.astype(np.float32, copy=False)
    if not (np.isfinite(kernel).all() and np.isfinite(bias).all()):
        return None
    return kernel, bias, act


class _NumpyPass:
    """A linear map plus a chain of ops (either may be absent), in float64, or in
    float32 for float32 input where ``in_float32`` allows.

    ``shift``, where given, is subtracted from float64 rows before the ops, and
    ``float32_ops`` (``(linear, deep)``, by default these) are the ops of float32
    rows, which are not shifted first: those with the shift folded in. With
    ``float32_only``, only the float32 copies are kept: a pass for float32 rows
    and output.
    """

    def __init__(
        self,
        linear,
        deep,
        in_float32=False,
        shift=None,
        float32_ops=None,
        float32_only=False,
    ):
        self.linear, self.deep, self.shift = linear, deep, shift
        self.n_out = (linear or deep[-1])[0].shape[1]
        self._screens = _screens(linear, deep)  # the float32 ops have the same form
        # The float32 copies are made at the first float32 call (see _float32).
        self._float32_source = (float32_ops or (linear, deep)) if in_float32 else None
        self._float32_ops = None
        if float32_only:
            self._float32  # noqa: B018 - made now, and the float64 ops let go
            self.linear = self.deep = None

    @property
    def _float32(self):
        """The ops in float32, ``(linear, deep)``, or ``None`` where they are not
        to be used or overflow float32: made on first use, since fit's passes
        are float64's and with 50,000 features these copies take 100 MB."""
        source = self._float32_source
        if source is not None:
            linear, deep = source
            ops = [_as_float32(op) for op in ([linear] if linear else []) + deep]
            if all(op is not None for op in ops):
                self._float32_ops = (ops[0], ops[1:]) if linear else (None, ops)
            self._float32_source = None  # after the ops: another thread reads them
        return self._float32_ops

    def __call__(self, X, dtype, check=None, scratch=None):
        """The pass on the rows ``X``, its output of ``dtype``.

        ``check(X)``, where given, raises if ``X`` holds NaN or infinity. Where the
        pass can screen the rows itself (see :func:`_screens`), it is called only
        if the first affine map's output is not finite: a NaN or an infinity in
        a row reaches that output whatever the BLAS, so the pass does not read
        the input a second time for the check (a third of ``PCA.transform``'s
        time in bulk); a finite output of overflowing rows passes the check.

        ``scratch``, a dict, keeps the intermediate buffers for the caller's next
        calls (see :func:`_forward`); by default they come from, and go back to,
        :data:`_POOL`.
        """
        if scratch is None:
            with _POOL.borrowed() as scratch:
                return self(X, dtype, check, scratch)
        if check is not None and not self._screens:
            check(X)
            check = None
        if X.dtype == np.float32 and dtype == np.float32 and self._float32:
            out, finite = self._in_float32(X, check is not None, scratch)
        else:
            out, finite = self._in_float64(X, dtype, check is not None, scratch)
        if not finite:
            check(X)
        return out

    def _in_float64(self, X, dtype, screen, scratch):
        out = np.empty((X.shape[0], self.n_out), dtype=dtype)
        rows = min(_CHUNK_ROWS, X.shape[0])
        x = _buffer(scratch, "rows", rows, X.shape[1], np.float64)
        y = _buffer(scratch, "linear", rows, self.n_out, np.float64)
        all_finite = True
        for start in range(0, X.shape[0], _CHUNK_ROWS):
            n = min(_CHUNK_ROWS, X.shape[0] - start)
            if self.shift is None:
                np.copyto(x[:n], X[start : start + n])
            else:  # centred before anything rounds
                np.subtract(X[start : start + n], self.shift, out=x[:n])
            result, finite = _forward(
                self.linear, self.deep, x[:n], y[:n], screen, scratch
            )
            out[start : start + n] = result
            all_finite &= finite
        return out, all_finite

    def _in_float32(self, X, screen, scratch):
        linear, deep = self._float32
        out = np.empty((X.shape[0], self.n_out), dtype=np.float32)
        widest = max(
            [self.n_out] + [op[0].shape[1] for op in deep if op[0] is not None]
        )
        step = max(_CHUNK_ROWS, _FLOAT32_CHUNK_VALUES // widest)
        all_finite = True
        for start in range(0, X.shape[0], step):
            x = X[start : start + step]
            if deep and deep[0][0] is None:  # an activation first would work in place
                x = x.copy()
            y = out[start : start + step]
            result, finite = _forward(linear, deep, x, y, screen, scratch)
            if result is not y:
                y[...] = result
            all_finite &= finite
        return out, all_finite


def _screens(linear, deep):
    """Whether the first op is an affine map, whose output shows every NaN or
    infinity of the input: IEEE arithmetic makes a product with NaN or infinity
    NaN or infinite, even with a zero weight, and the BLAS products NumPy calls skip
    no product by the value of a weight (a reference BLAS skips zeros of the other
    operand, here the rows, whose NaN is not zero). ``tests/test_inference.py``
    checks it on a feature whose weights are all zero."""
    first = linear or (deep[0] if deep else None)
    return first is not None and first[0] is not None


def _forward(linear, deep, x, y, screen=False, scratch=None):
    """The ops on the rows ``x``; the linear map's result goes into ``y``, as does
    the chain's where there is no linear map.

    Returns the result and, with ``screen``, whether the first affine map's output
    is finite (else ``True``). Every other intermediate result goes into a buffer
    of ``scratch`` (a dict, see :func:`_buffer`), so that chunks of rows and
    repeated calls reuse the memory instead of allocating (and page-faulting) new
    arrays: about 10 % of a deep model's bulk round trip here (RESULTS.md).
    """
    if scratch is None:
        scratch = {}
    finite = True
    if linear:  # first: the chain below may work in place on x
        kernel, bias, _ = linear
        np.matmul(x, kernel, out=y)
        y += bias
        finite = not screen or bool(np.isfinite(y).all())
    h = x
    last = max((i for i, op in enumerate(deep) if op[0] is not None), default=-1)
    for i, (kernel, bias, act) in enumerate(deep):
        if kernel is not None:
            if i == last and not linear:
                out = y
            else:
                dtype = np.result_type(h.dtype, kernel.dtype)
                out = _buffer(scratch, i, len(h), kernel.shape[1], dtype)
            h = np.matmul(h, kernel, out=out)
            h += bias
            if screen and not linear and i == 0:
                finite = bool(np.isfinite(h).all())
        if act is not None:
            h = act(h, _buffer(scratch, "spare", len(h), h.shape[1], h.dtype))
    if not linear:
        return h, finite
    if deep:
        y += h
    return y, finite


def _buffer(scratch, key, rows, width, dtype):
    """An uninitialised ``(rows, width)`` array of ``dtype``: the first rows of the
    one kept in the dict ``scratch`` under ``key``, ``width`` and ``dtype`` (and
    these), made anew where that one is too small."""
    key = (key, width, np.dtype(dtype).str)
    kept = scratch.get(key)
    if kept is None or len(kept) < rows:
        kept = scratch[key] = np.empty((rows, width), dtype)
    return kept[:rows]


class _ScratchPool:
    """The intermediate buffers of the NumPy passes, kept from call to call.

    On this project's (virtual) machines, a new array of a few megabytes costs
    more to map and first touch than the matrix product that fills it: the
    float64 encode and decode of digits through the default network took 3-4
    times as long with new buffers at each call as with kept ones (RESULTS.md).
    A call borrows the kept buffers (a call made while another thread holds them
    gets new ones) and gives back those of at most ``_POOL_BUFFER_BYTES``, up to
    ``_POOL_BYTES`` in all, which replace the kept ones unless another call gave
    back its own first. A bulk call's large buffers (its chunks reuse them within
    the call) are dropped, and the memory kept is bounded whatever the number of
    models.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._kept = {}

    @contextlib.contextmanager
    def borrowed(self):
        with self._lock:
            scratch, self._kept = self._kept, {}
        try:
            yield scratch
        finally:
            kept, total = {}, 0
            for key, buffer in scratch.items():
                size = buffer.nbytes
                if size <= _POOL_BUFFER_BYTES and total + size <= _POOL_BYTES:
                    kept[key], total = buffer, total + size
            with self._lock:
                if not self._kept:
                    self._kept = kept


_POOL = _ScratchPool()


class _TracedPass:
    """The Keras model itself, traced once with a fixed input signature."""

    def __init__(self, model, n_inputs):
        tf = import_tensorflow()
        inputs = getattr(model, "inputs", None)
        dtype = inputs[0].dtype if inputs else "float32"
        self._dtype = np.dtype(str(dtype))
        spec = tf.TensorSpec([None, n_inputs], self._dtype)
        self._call = tf.function(
            lambda x: model(x, training=False), input_signature=[spec], autograph=False
        )
        # One trace per model, by design (see _training.make_epoch_function).
        self._call._omit_frequent_tracing_warning = True

    def __call__(self, X, dtype, check=None):
        if check is not None:
            check(X)
        out = None
        for start in range(0, X.shape[0], _CHUNK_ROWS):
            chunk = X[start : start + _CHUNK_ROWS].astype(self._dtype, copy=False)
            y = self._call(chunk).numpy()
            if out is None:
                out = np.empty((X.shape[0], y.shape[1]), dtype=dtype)
            out[start : start + len(chunk)] = y
        return out


def standardized_decoding(decoder):
    """``(decode, mean, scale)``, ``decode(Z)`` giving float32 reconstructions of
    the codes ``Z`` in the standardised units ``(x - mean) / scale``, from a
    decoder that ends in skae's inverse standardisation; ``None`` for others.

    For measuring what each code unit explains: in standardised units, float32
    rounds the reconstructions relative to the data's spread, not to their mean,
    and costs a third of float64's time.
    """
    from .layers import CodeScale, Standardize

    layers = getattr(decoder, "layers", None) or [None]
    first, last = layers[0], layers[-1]
    if not (isinstance(last, Standardize) and last.invert):
        return None
    # Codes in the data's units are brought to the standardised ones in float64
    # first: codes of data at 1e300 overflow float32.
    code_unit = 1.0
    if isinstance(first, CodeScale):
        code_unit = _standardize_layer_values(first)[1]
    # Without the standardisations at its ends, the mirror computes float32 rows
    # in float32, unless its weights are beyond float32.
    mirror = _mirror(decoder, unstandardize=False, code_scale=False, float32_only=True)
    if mirror is None or mirror._float32 is None:
        return None
    mean, scale = _standardize_layer_values(last)

    def decode(Z):
        return mirror(np.asarray(Z / code_unit, dtype=np.float32), np.float32)

    return decode, mean, scale


def forward_pass(model, n_inputs):
    """``fn(X, dtype)``: ``model`` on rows of ``n_inputs`` values, mirrored in
    NumPy where its layer types allow, else traced."""
    return _mirror(model) or _TracedPass(model, n_inputs)


class Inference:
    """The forward passes of an encoder and a decoder, from a snapshot of weights."""

    def __init__(self, encoder, decoder, n_features, n_components):
        self.encode = forward_pass(encoder, n_features)
        self.decode = forward_pass(decoder, n_components)

    @property
    def in_numpy(self):
        """Whether both passes are NumPy's, holding copies of the weights (a traced
        pass runs the Keras model itself)."""
        return not isinstance(self.encode, _TracedPass) and not isinstance(
            self.decode, _TracedPass
        )
