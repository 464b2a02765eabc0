"""Gradscope's `torch`: PyTorch 1.13's Python API over the Gradscope engine (TypeScript, via Pyodide).

torch.* functions and Tensor methods are generated from the engine's op table; this file adds the
module-level state (dtypes, default dtype, grad mode, print options, RNG) and what PyTorch itself
writes in Python."""
import builtins as _builtins
import importlib as _importlib
import math as _math

from . import _api  # noqa: F401  (first: `import _gradscope` then reads members once)
import _gradscope as _gs

from . import _bridge, _operators
from ._types import (Size, channels_last, channels_last_3d, contiguous_format, device, dtype, layout,
                     memory_format, preserve_format, sparse_coo, strided)
from ._types import DTYPES as _DTYPES
from ._tensor import Tensor
from ._methods import install_op_methods as _install_op_methods
from ._bridge import _TensorBase

from .torch_version import __version__

_operators.install(Tensor)
_install_op_methods(Tensor)

globals().update(_bridge.namespace_functions('torch'))
globals().update({_n: _d for _n, _d in _DTYPES.items()})

from . import _legacy
globals().update(_legacy.legacy_classes())

from . import autograd, return_types, random, cuda, webgpu, backends, functional, linalg, special, utils
from .serialization import load, save
from ._finfo import finfo, iinfo
from .autograd import enable_grad, inference_mode, no_grad, set_grad_enabled
from .random import Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .functional import broadcast_shapes
for _n in functional.__all__:
    if _n not in globals():
        globals()[_n] = getattr(functional, _n)

inf = _math.inf
nan = _math.nan
pi = _math.pi
e = _math.e


def is_tensor(obj):
    return isinstance(obj, _TensorBase)


def is_storage(obj):
    return False


def get_default_dtype():
    return _DTYPES[_gs.getDefaultDType()]


def set_default_dtype(d):
    """Sets the default floating point dtype (torch.float32 or torch.float64 here)."""
    if not isinstance(d, dtype):
        raise TypeError(f'set_default_dtype(): argument \'d\' must be torch.dtype, not {type(d).__name__}')
    if not d.is_floating_point:
        raise TypeError('only floating-point types are supported as the default type')
    _gs.setDefaultDType(d._name)


def set_default_tensor_type(t):
    """set_default_tensor_type('torch.DoubleTensor') or torch.DoubleTensor: sets the default dtype."""
    set_default_dtype(_legacy.dtype_of(t))


def is_grad_enabled():
    return _gs.isGradEnabled()


def is_inference_mode_enabled():
    return _gs.isInferenceMode()


def promote_types(type1, type2):
    return _DTYPES[_gs.promoteTypes(type1._name, type2._name)]


def can_cast(from_, to):
    return _gs.canCast(from_._name, to._name)


def result_type(tensor1, tensor2):
    """The dtype an op over these tensors/numbers computes in (PyTorch's type promotion)."""
    return _DTYPES[_bridge.call(_gs.resultType, _promotion_arg(tensor1), _promotion_arg(tensor2))]


def _promotion_arg(x):
    if isinstance(x, (_TensorBase, _builtins.bool, _builtins.int, _builtins.float)):
        return _bridge.arg(x)
    raise TypeError(f"result_type() received an invalid combination of arguments - got ({type(x).__name__})")


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """torch.set_printoptions: as PyTorch's (profile first, then the explicit options; sci_mode=None resets it)."""
    _gs.setPrintOptions(precision=precision, threshold=threshold, edgeitems=edgeitems, linewidth=linewidth,
                        profile=profile, sci_mode=sci_mode)


if 'ravel' not in globals():
    def ravel(input):
        return input.ravel()

if 'numel' not in globals():
    def numel(input):
        return input.numel()

if 'is_floating_point' not in globals():
    def is_floating_point(input):
        return input.is_floating_point()

if 'is_complex' not in globals():
    def is_complex(input):
        return input.is_complex()


def typename(o):
    if isinstance(o, _TensorBase):
        return o.type()
    module = getattr(type(o), '__module__', '') or ''
    return (module + '.' if module not in ('', 'builtins') else '') + type(o).__qualname__


_deterministic = False


def use_deterministic_algorithms(mode, *, warn_only=False):
    global _deterministic
    _deterministic = bool(mode)


def are_deterministic_algorithms_enabled():
    return _deterministic


def get_num_threads():
    return 1


def set_num_threads(n):
    pass


_LAZY = ('nn', 'optim')


def __getattr__(name):
    """torch.nn and torch.optim are imported on first use."""
    if name in _LAZY:
        return _importlib.import_module('.' + name, __name__)
    raise AttributeError(f"module 'torch' has no attribute '{name}'")


def _reset_state():
    """Python-side state between batch programs (the engine's own is reset by resetTorchState)."""
    global _deterministic
    _deterministic = False
    backends._reset()
