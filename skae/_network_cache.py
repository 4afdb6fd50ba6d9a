"""skae's own networks as a frozen spec, and the networks kept between fits.

A :class:`NetworkSpec` holds every setting that changes the graph of skae's
autoencoder, and :meth:`NetworkSpec.build` is how that graph is built: the spec is
the builder's only input besides the data's mean and scale, the random seeds and
the user's networks, so two fits with equal specs build equal graphs. The same
spec, with the compile settings (:class:`KeptSpec`), is therefore a correct key for
the networks kept between fits (:data:`KEPT`), by construction: a new setting that
changes the graph must be a field of the spec to reach the builder at all.

The seeds a network's initialisers draw follow from the spec too
(:meth:`NetworkSpec.draw_seeds`), in the order :func:`skae._network.built_in_half`
takes them and :func:`skae._network.make_reseed` gives them again to a kept network.

Fits that train kept networks keep only the values of the weights
(:class:`UnbuiltNetworks`); the estimator's ``model_``, ``encoder_`` and
``decoder_`` are built from them when first read (:class:`KerasAttribute`).
"""

import collections
import contextlib
import dataclasses
import itertools
import threading

import numpy as np

from ._backend import import_tensorflow
from ._network import build_autoencoder, make_reseed
from ._objectives import make_optimizer
from ._training import released_gradient_registrations

# Networks with more kernel values than this are not kept between fits (see
# KeptNetworks): a kept set holds its weights, its optimizer's state and that
# state's fresh values, and a fit leaves the values of the first two beside it,
# about 7 copies of the weights in all (1.4 GB for 50,000 features and 256 hidden
# units); such a network's build costs little beside its training. 2**21: the
# default network on MNIST's 784 pixels has 0.5 million.
MAX_KEPT_KERNEL_VALUES = 2**21


@dataclasses.dataclass(frozen=True)
class NetworkSpec:
    """Every setting that changes the graph of skae's autoencoder.

    ``activation`` is Keras's name; ``noise`` the training noise's standard
    deviation in units of the data's scale, ``sparsity`` the weight of the code's
    sparsity penalty, ``tied`` whether the decoder's kernels are the encoder's
    transposed, ``as_they_are`` whether the user's networks are the halves
    themselves, on the data's units, ``float64_linear`` whether the linear maps
    are held in float64 (see :func:`skae._network.build_autoencoder`).
    """

    n_features: int
    n_components: int
    hidden: tuple
    activation: str
    noise: float = 0.0
    sparsity: float = 0.0
    tied: bool = False
    as_they_are: bool = False
    float64_linear: bool = False

    @property
    def n_kernel_values(self):
        """The values of the built-in halves' kernels: the linear maps and the
        chain of hidden layers, both ways (tied kernels counted twice)."""
        widths = [self.n_features, *self.hidden, self.n_components]
        chain = sum(a * b for a, b in zip(widths[:-1], widths[1:], strict=True))
        return 2 * self.n_features * self.n_components + (
            2 * chain if self.hidden else 0
        )

    @property
    def n_seeds(self):
        """Seeds drawn for the initialisers: one per Dense layer that the two
        built-in halves can hold (a linear map, the hidden layers and an output
        layer each), drawn whether or not a half is built-in."""
        return 2 * len(self.hidden) + 4

    def draw_seeds(self, rng):
        """An iterator over :attr:`n_seeds` seeds drawn from ``rng``."""
        return iter(rng.randint(np.iinfo(np.int32).max, size=self.n_seeds))

    def build(self, mean, scale, seeds, networks=(None, None), noise_seed=None):
        """``(model, encoder, decoder, core)``: :func:`build_autoencoder` of this
        spec, the user's ``networks`` (or ``None`` for the built-in halves), and
        ``noise_seed`` for the training noise."""
        return build_autoencoder(
            self.n_features,
            self.n_components,
            self.hidden,
            self.activation,
            mean,
            scale,
            seeds=seeds,
            networks=networks,
            as_they_are=self.as_they_are,
            noise=(self.noise, noise_seed),
            sparsity=self.sparsity,
            tied=self.tied,
            float64_linear=self.float64_linear,
        )


@dataclasses.dataclass(frozen=True)
class KeptSpec:
    """A :class:`NetworkSpec` of skae's own networks with the settings that
    ``compile`` takes: the key of the networks kept between fits."""

    network: NetworkSpec
    optimizer: object  # a name or a class
    loss: str

    def build(self, mean, scale, optimizer):
        """``(model, encoder, decoder, core, optimizer)``, compiled with the Keras
        ``optimizer``; the initial weights are set afterwards."""
        noise_seed = 0 if self.network.noise else None
        model, encoder, decoder, core = self.network.build(
            mean, scale, itertools.repeat(0), noise_seed=noise_seed
        )
        model.compile(optimizer=optimizer, loss=self.loss)
        return model, encoder, decoder, core, optimizer


class UnbuiltNetworks:
    """A fitted model's Keras objects as the values of their weights.

    Fits that train kept networks leave this; ``model_``, ``encoder_`` and
    ``decoder_`` are built from it on first access (:class:`KerasAttribute`), and
    it is what pickles. ``weights`` are ``model_.weights``' values,
    ``optimizer_state`` those of the variables of its optimizer, built on the
    training core's.
    """

    def __init__(self, spec, learning_rate, mean, scale, weights, optimizer_state):
        self.spec, self.learning_rate = spec, learning_rate
        self.mean, self.scale = mean, scale
        self.weights, self.optimizer_state = weights, optimizer_state

    def build(self):
        """``(model, encoder, decoder)`` with these values."""
        optimizer = make_optimizer(self.spec.optimizer, self.learning_rate)
        model, encoder, decoder, core, optimizer = self.spec.build(
            self.mean, self.scale, optimizer
        )
        model.set_weights(self.weights)
        optimizer.build(core.trainable_variables)
        for variable, value in zip(
            optimizer.variables, self.optimizer_state, strict=True
        ):
            variable.assign(value)
        return model, encoder, decoder


class KerasAttribute:
    """``model_``, ``encoder_`` or ``decoder_`` of an estimator: where fit kept only
    the values of the weights (the estimator's ``_unbuilt``, an
    :class:`UnbuiltNetworks`), the three Keras models are built from them on first
    access and stored as ordinary attributes from then on."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, estimator, owner=None):
        if estimator is None:
            return self
        state = vars(estimator)
        if self.name not in state and "_unbuilt" in state:
            model, encoder, decoder = state["_unbuilt"].build()
            state.update(model_=model, encoder_=encoder, decoder_=decoder)
            del state["_unbuilt"]
            estimator._forward_history = getattr(model, "history", None)
        try:
            return state[self.name]
        except KeyError:
            raise AttributeError(
                f"{type(estimator).__name__!r} object has no attribute {self.name!r}"
            ) from None

    def __set__(self, estimator, value):
        vars(estimator)[self.name] = value

    def __delete__(self, estimator):
        del vars(estimator)[self.name]


class KeptNetworks:
    """A built-in network, compiled, kept between fits with its traced epochs.

    Building and compiling a Keras model, building its optimizer and tracing its
    epoch (TensorFlow optimises the graph at the first run) cost 0.1-1.5 s on this
    project's machines, against milliseconds per epoch on digits-sized data: most
    of a short fit, paid by every fit of a grid search. Fits of skae's own networks
    with the same :class:`KeptSpec` borrow one kept set (see :class:`_Kept`):
    each gives it its own seeded initial weights (:func:`skae._network.reseed`),
    its optimizer a fresh state (:meth:`reset_optimizer`), trains it, and keeps the
    values it ends with. The same graphs run on the same values, so the results
    are bit-identical to those of a model built and traced for the fit.
    """

    def __init__(self, model, encoder, decoder, core, optimizer):
        tf = import_tensorflow()
        self.model, self.encoder, self.decoder = model, encoder, decoder
        self.core, self.optimizer = core, optimizer
        optimizer.build(core.trainable_variables)
        fresh = [tf.constant(variable.numpy()) for variable in optimizer.variables]
        self.run_epochs = collections.OrderedDict()  # by batch size: see train()
        # One traced call each (eager, they cost 10-20 ms of a fit's 0.1-0.2 s):
        self.reseed = make_reseed(encoder, decoder)  # reseed(seeds): new weights

        @tf.function(input_signature=[])
        @tf.autograph.experimental.do_not_convert
        def fresh_state():
            for variable, value in zip(optimizer.variables, fresh, strict=True):
                variable.assign(value)

        self._fresh_state = fresh_state
        weights, state = model.weights, optimizer.variables

        @tf.function(input_signature=[])
        @tf.autograph.experimental.do_not_convert
        def read():
            return [v.value for v in weights], [v.value for v in state]

        self._read = read
        # One trace per kept set, by design (see make_epoch_function).
        fresh_state._omit_frequent_tracing_warning = True
        read._omit_frequent_tracing_warning = True

    def values(self):
        """The values of the model's weights and of the optimizer's variables, as
        NumPy arrays, read in one call."""
        return tuple([tensor.numpy() for tensor in part] for part in self._read())

    def keep_epoch(self, batch_size, run_epoch):
        """Keep ``run_epoch``, traced for ``batch_size``, beside at most 3 more."""
        self.run_epochs[batch_size] = run_epoch
        while len(self.run_epochs) > 4:
            self.run_epochs.popitem(last=False)

    def reset_optimizer(self, learning_rate):
        """Give the optimizer the state of a new one with ``learning_rate``."""
        self._fresh_state()
        self.optimizer.learning_rate = learning_rate


class _Kept:
    """The :class:`KeptNetworks` of recent fits, by their :class:`KeptSpec`.

    A set serves one fit at a time: a fit that finds its set busy (another
    thread) or missing builds a new one, which is kept when the fit ends without
    an error. At most ``size`` sets are kept, the least recently used dropped
    first, so memory stays flat over any number of fits.
    """

    def __init__(self, size=4):
        self._size = size
        self._lock = threading.Lock()
        self._kept = collections.OrderedDict()

    @contextlib.contextmanager
    def borrowed(self, key, build):
        """Yield the set kept under ``key`` (a :class:`KeptSpec`), or a new one
        from ``build()`` (which returns :class:`KeptNetworks`'s arguments)."""
        with self._lock:
            networks = self._kept.pop(key, None)
        if networks is None:
            with released_gradient_registrations():
                networks = KeptNetworks(*build())
        yield networks
        with self._lock:
            self._kept[key] = networks
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)


KEPT = _Kept()
