"""torch.Tensor: a Python object around an engine tensor. Properties, Python conversions and the
autograd entry points live here; operators and indexing in _operators.py; op methods are attached
from the engine's op list (_methods.install_op_methods)."""
import copy as _copy

import _gradscope as _gs
from pyodide.ffi import create_proxy

from . import _bridge
from ._bridge import _TensorBase, call, wrap
from ._types import CPU, DTYPES, LEGACY_NAMES, _size, strided
from ._types import device as _device

_dtype_name = _gs.dtypeName
_shape = _gs.shape
_item = _gs.item
_repr = _gs.repr
_device_name = _gs.deviceName
_EMPTY_SIZE = _size(())


class Tensor(_TensorBase):
    __slots__ = ()

    def __new__(cls, *args, **kwargs):
        from . import _legacy
        t = _legacy.construct(cls, None, args, kwargs)
        if cls is not Tensor:
            o = object.__new__(cls)
            o._t = t._t
            return o
        return t

    @staticmethod
    def _make_subclass(cls, data, require_grad=False):
        """An alias of `data` (sharing its storage, outside its graph) as an instance of subclass `cls`."""
        o = object.__new__(cls)
        o._t = call(_gs.makeSubclass, data._t, bool(require_grad))
        return o

    # ---- metadata --------------------------------------------------------------------------------
    @property
    def shape(self):
        s = _shape(self._t)
        return _size(map(int, s.split(','))) if s else _EMPTY_SIZE

    def size(self, dim=None):
        if dim is None:
            s = _shape(self._t)
            return _size(map(int, s.split(','))) if s else _EMPTY_SIZE
        return call(self._t.size, _bridge.arg(dim))

    @property
    def dtype(self):
        return DTYPES[_dtype_name(self._t)]

    @property
    def device(self):
        name = _device_name(self._t)
        return CPU if name == 'cpu' else _device(name)

    @property
    def layout(self):
        return strided

    @property
    def ndim(self):
        return self._t.ndim

    def dim(self):
        return self._t.ndim

    ndimension = dim

    def numel(self):
        return self._t.numel()

    nelement = numel

    def element_size(self):
        return self._t.dtype.itemsize

    def stride(self, dim=None):
        if dim is None:
            return tuple(self._t.strides.to_py())
        return call(self._t.stride, _bridge.arg(dim))

    def storage_offset(self):
        return self._t.offset

    def data_ptr(self):
        """An address-like int: equal for tensors starting at the same element of the same storage."""
        return _gs.dataPtr(self._t)

    def is_contiguous(self, memory_format=None):
        return self._t.isContiguous

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def is_complex(self):
        return False

    def is_signed(self):
        return self.dtype.is_signed

    def get_device(self):
        return -1 if _device_name(self._t) == 'cpu' else 0

    # with the cuda alias setting, a webgpu tensor is what CUDA code expects a cuda tensor to be
    is_cuda = property(lambda self: _gs.cudaAlias() and _device_name(self._t) != 'cpu')
    is_cpu = property(lambda self: _device_name(self._t) == 'cpu')
    is_sparse = property(lambda self: False)
    is_quantized = property(lambda self: False)
    is_meta = property(lambda self: False)
    is_mkldnn = property(lambda self: False)
    is_nested = property(lambda self: False)
    names = property(lambda self: (None,) * self._t.ndim)

    def type(self, dtype=None, non_blocking=False, **kwargs):
        """x.type() -> 'torch.FloatTensor'; x.type(torch.int32) or x.type('torch.IntTensor') converts."""
        from . import _legacy
        if dtype is None:
            return LEGACY_NAMES[self.dtype]
        return self.to(_legacy.dtype_of(dtype))

    def cpu(self, memory_format=None):
        return self if _device_name(self._t) == 'cpu' else self.to('cpu')

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        if not _gs.cudaAlias():
            raise AssertionError('Torch not compiled with CUDA enabled')
        return self.to('webgpu')

    # ---- autograd --------------------------------------------------------------------------------
    @property
    def requires_grad(self):
        return call(_gs.requiresGrad, self._t)

    @requires_grad.setter
    def requires_grad(self, v):
        if type(v) is not bool:
            raise TypeError('requires_grad must be a bool')
        call(_gs.setRequiresGrad, self._t, v, True)
        if v:
            _bridge.remember(self)

    def requires_grad_(self, requires_grad=True):
        call(_gs.setRequiresGrad, self._t, bool(requires_grad), False)
        if requires_grad:
            _bridge.remember(self)
        return self

    @property
    def grad(self):
        g = call(_gs.getGrad, self._t)
        if g is None:
            return None
        c = getattr(self, '_gc', None)
        if c is not None and c._t == g:
            return c
        c = self._gc = wrap(g)
        return c

    @grad.setter
    def grad(self, g):
        if g is not None and not isinstance(g, Tensor):
            raise TypeError(f'assigned grad expected to be a Tensor or None but got grad of type{type(g).__name__}')
        call(_gs.setGrad, self._t, None if g is None else g._t)
        self._gc = g

    @grad.deleter
    def grad(self):
        call(_gs.setGrad, self._t, None)
        self._gc = None

    @property
    def grad_fn(self):
        n = call(_gs.gradFn, self._t)
        if n is None:
            return None
        from .autograd import graph
        return graph.node(n)

    @property
    def is_leaf(self):
        return call(_gs.isLeaf, self._t)

    @property
    def retains_grad(self):
        return self._t.retainsGrad

    @property
    def output_nr(self):
        return self._t.outputNr

    @property
    def _version(self):
        return self._t.version

    @property
    def _base(self):
        b = _gs.base(self._t)
        return None if b is None else _bridge.known(b)

    @property
    def data(self):
        return wrap(_gs.dataAlias(self._t))

    @data.setter
    def data(self, v):
        if not isinstance(v, Tensor):
            raise TypeError(f'Variable data has to be a tensor, but got {type(v).__name__}')
        call(_gs.setData, self._t, v._t)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from . import autograd
        autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def retain_grad(self):
        call(self._t.retain_grad)

    def detach_(self):
        call(_gs.detachInPlace, self._t)
        return self

    def is_inference(self):
        return _gs.isInference(self._t)

    def register_hook(self, hook):
        def h(g):
            r = hook(wrap(g))
            return None if r is None else r._t if isinstance(r, _TensorBase) else _bridge.arg(r)
        name = getattr(hook, '__name__', '<unknown>')
        proxy = create_proxy(h)
        try:
            return _EngineHandle(call(_gs.registerHook, self._t, proxy, name if type(name) is str else '<unknown>'))
        except BaseException:
            proxy.destroy()
            raise

    # ---- Python conversions ----------------------------------------------------------------------
    def item(self):
        v = call(_item, self._t)
        return float(v) if type(v) is str else v

    def tolist(self):
        d = self.dtype
        vals = call(_gs.flat, self._t).to_memoryview().tolist()
        if d.is_floating_point:
            pass
        elif d._name == 'bool':
            vals = [v != 0 for v in vals]
        elif d._name == 'int64':
            vals = [int(v) for v in vals]
        return _nest(vals, tuple(self.shape))

    def apply_(self, callable):
        """Replaces each element x by callable(x) (Python numbers in and out), in place."""
        if self.requires_grad:
            raise RuntimeError("Can't call apply_() on Variable that requires grad. Use var.detach().apply_() instead.")
        return self._store([callable(v) for v in self.reshape(-1).tolist()])

    def map_(self, tensor, callable):
        """Replaces each element x by callable(x, y), y from `tensor` broadcast to this shape, in place."""
        if self.requires_grad or tensor.requires_grad:
            raise RuntimeError("Can't call map_() on Variable that requires grad. Use var.detach().map_() instead.")
        ys = tensor.expand_as(self).reshape(-1).tolist()
        return self._store([callable(x, y) for x, y in zip(self.reshape(-1).tolist(), ys)])

    def _store(self, vals):
        """Write Python numbers (logical order) into this tensor in place (apply_/map_)."""
        import torch
        d = self.dtype
        for v in vals:
            if not isinstance(v, (int, float)):
                raise TypeError(f'must be real number, not {type(v).__name__}')
        if d.is_floating_point:
            src = torch.tensor([float(v) for v in vals], dtype=torch.float64)
        elif d._name == 'bool':
            src = torch.tensor([bool(v) for v in vals], dtype=torch.bool)
        else:
            src = torch.tensor([int(v) for v in vals], dtype=torch.int64)
        with torch.no_grad():
            self.copy_(src.view(self.shape))
        return self

    def numpy(self, *, force=False):
        # NumPy is not in this Python; PyTorch's own check on the tensor comes first (as with NumPy present)
        if not force and _gs.isGradEnabled() and self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        raise RuntimeError('Numpy is not available')

    def __repr__(self, *, tensor_contents=None):
        # through call(): reading a webgpu tensor can fail (device lost) with an engine RuntimeError
        return call(_repr, self._t)

    def __format__(self, spec):
        if self._t.ndim == 0 and type(self) is Tensor:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __bool__(self):
        n = self._t.numel()
        if n != 1:
            raise RuntimeError('Boolean value of Tensor with ' + ('no values' if n == 0 else 'more than one value')
                               + ' is ambiguous')
        return bool(self.item())

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.dtype.is_floating_point or self._t.numel() != 1:
            raise TypeError('only integer tensors of a single element can be converted to an index')
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    def __len__(self):
        if self._t.ndim == 0:
            raise TypeError('len() of a 0-d tensor')
        return self._t.shape[0]

    def __iter__(self):
        if self._t.ndim == 0:
            raise TypeError('iteration over a 0-d tensor')
        return iter(self.unbind(0))

    def __reversed__(self):
        return self if self._t.ndim == 0 else self.flip(0)

    def __contains__(self, element):
        if isinstance(element, (Tensor, int, float, bool)):
            return (element == self).any().item()
        raise RuntimeError('Tensor.__contains__ only supports Tensor or scalar, but you passed in a %s.' % type(element))

    def __hash__(self):
        return id(self)

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError('Only Tensors created explicitly by the user (graph leaves) support the deepcopy '
                               'protocol at the moment')
        if id(self) in memo:
            return memo[id(self)]
        from .autograd import grad_mode
        with grad_mode.no_grad():
            new = self.clone()
            if type(self) is not Tensor:
                new = type(self)(new, self.requires_grad)
            else:
                new.requires_grad_(self.requires_grad)
            if _gs.getGrad(self._t) is not None:
                new.grad = _copy.deepcopy(self.grad, memo)
        new.__dict__.update(_copy.deepcopy(self.__dict__, memo))
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, proto):
        """Pickled as values, dtype name, shape and requires_grad (torch.save / copy.copy / pickle)."""
        from .serialization import _rebuild_tensor
        flat = self.detach().reshape(-1).tolist() if self._t.ndim else self.item()
        cls = type(self)
        return (_rebuild_tensor, (flat, self.dtype._name, tuple(self.shape), self.requires_grad,
                                  None if cls is Tensor else cls, self.__dict__ or None))

    def __array__(self, dtype=None):
        return self.numpy()

    def __dir__(self):
        return sorted(set(dir(type(self))) | set(self.__dict__))


Tensor.__module__ = 'torch'


class _EngineHandle:
    """The handle register_hook returns: remove() unregisters the hook."""
    __slots__ = ('_h',)

    def __init__(self, h):
        self._h = h

    def remove(self):
        if self._h is not None:
            self._h.remove()
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


_EngineHandle.__name__ = _EngineHandle.__qualname__ = 'RemovableHandle'
_EngineHandle.__module__ = 'torch.utils.hooks'


def _nest(vals, shape):
    """Flat values in row-major order as nested lists of `shape`."""
    if not shape:
        return vals[0]
    if 0 in shape:
        def empty(d):
            return [] if shape[d] == 0 else [empty(d + 1) for _ in range(shape[d])]
        return empty(0)
    for d in reversed(shape[1:]):
        vals = [vals[i:i + d] for i in range(0, len(vals), d)]
    return vals


_bridge.Tensor = Tensor
