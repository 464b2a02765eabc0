"""The Python half of the engine bridge: argument conversion into the engine, result conversion back,
engine errors as Python exceptions, and the per-op callables torch.* and Tensor methods are made of.

The JS half is engine/runtime/bridge.ts. An op callable calls `fn(has_kwargs, *args[, kwargs])`; the
result is a bare engine Tensor (wrapped here), a primitive, or a JS array [kind, ...] decoded by _decode.
"""
import builtins
import gc
import os
import warnings
import weakref

import _gradscope as _gs
from pyodide.ffi import JsException, create_proxy, to_js

from . import _types
from ._types import DTYPES, Size, device, dtype

_TT = type(_gs.sampleTensor())          # the proxy type of engine tensors (other objects arrive boxed)
_JA = type(to_js([]))                    # the proxy type of JS arrays
_new_float = _gs.newFloat
_BIG = 2 ** 53
_TORCH_DIR = os.path.dirname(__file__) + os.sep

Tensor = None                            # set by torch._tensor (torch.Tensor)
Generator = None                         # set by torch.random (torch.Generator)


_tensor_of = _gs.tensorOf
_handle_of = _gs.handleOf
_release = _gs.release
_pending = []                            # handles of dead tensors, given back to the engine in batches


def _release_pending():
    s = ','.join(map(str, _pending))
    _pending.clear()                      # first: a handle given back twice could free another tensor's
    try:
        _release(s)
    except BaseException:
        pass                              # (interrupted) the handles leak, harmlessly


def release_pending(*_):
    """Give back the handles of dead tensors now (before a memory snapshot; after each gc collection)."""
    if _pending:
        _release_pending()


gc.callbacks.append(release_pending)


class _TensorBase:
    """torch._C._TensorBase: the slots every tensor has. `_t` is the engine tensor (a JsProxy; for a
    tensor an op made through a handle call, made on first use); `_h` the engine's handle of it (see
    bridge.ts), 0 when it has none; `_gc` (unset until .grad is read) caches the Python object of .grad
    so `x.grad is x.grad`."""
    __slots__ = ('_tp', '_h', '_gc', '__dict__', '__weakref__')

    @property
    def _t(self):
        try:
            return self._tp
        except AttributeError:
            pass
        t = self._tp = _tensor_of(self._h)
        return t

    @_t.setter
    def _t(self, t):
        self._tp = t
        try:
            self._h
        except AttributeError:
            self._h = 0

    def __del__(self):
        try:
            h = self._h
        except AttributeError:
            return
        if h:
            _pending.append(h)
            if len(_pending) >= 64:
                _release_pending()


# what introspection reads (the runner's inspect looks for the engine tensor under these names)
_TensorBase.__slots__ = ('_t', '_h', '_gc', '__dict__', '__weakref__')
_TensorBase.__module__ = 'torch._C'
_new = object.__new__


def wrap(t):
    """A torch.Tensor for engine tensor `t`."""
    o = _new(Tensor)
    o._tp = t
    o._h = 0
    return o


def _handle(o):
    """The handle of tensor `o`, made now (its JsProxy stays)."""
    h = o._h = _handle_of(o._t)
    return h


def from_handle(r, first=None):
    """The result of a handle call (bridge.ts handleResult): a new tensor's handle (negated: give back
    the dead tensors' handles now), 0 for the first argument, or what ret() decodes."""
    if type(r) is int:
        if r == 0:
            return first
        if r < 0:
            _release_pending()
            r = -r
        o = _new(Tensor)
        o._h = r
        return o
    return ret(r, first)


_known = weakref.WeakValueDictionary()   # engine tensor id -> its Python object, where identity matters


def remember(o):
    """Keep `o` as the Python object of its engine tensor (for `v._base is x`, `node.variable is x`)."""
    _known[o._t.id] = o
    return o


def known(t):
    """The Python object of engine tensor `t`: the remembered one, else a new one (remembered)."""
    o = _known.get(t.id)
    if o is not None and o._t == t:
        return o
    return remember(wrap(t))


# ---- arguments ------------------------------------------------------------------------------------

_float_cache = {}


def _box_float(x):
    """A Python float whose value is a whole number must reach the engine as a PyFloat (JS cannot tell
    2 from 2.0); other floats already read as floats there."""
    key = x if x else repr(x)           # 0.0 and -0.0 are equal dict keys
    p = _float_cache.get(key)
    if p is None:
        p = _new_float(x)
        if len(_float_cache) < 4096:
            _float_cache[key] = p
    return p


def arg(a):
    """A Python value as the engine takes it."""
    if isinstance(a, _TensorBase):
        return a._t
    t = type(a)
    if t is int:
        return a if -_BIG <= a <= _BIG else float(a)
    if t is float:
        return _box_float(a) if a.is_integer() else a
    if t is bool or t is str or a is None:
        return a
    if t is list or t is tuple or t is Size:
        return to_js([arg(x) for x in a])
    if t is dtype:
        return a._d
    if t is device:
        return str(a)
    if isinstance(a, _types._Named):
        return a._name
    if t is Generator:
        return a._g
    if isinstance(a, int):
        return arg(int(a))
    if isinstance(a, float):
        return arg(float(a))
    if isinstance(a, (list, tuple, range)):
        return to_js([arg(x) for x in a])
    if callable(a):
        return a
    return _stand_in(type(a).__name__)


_stand_ins = {}


def _stand_in(name):
    """Any other Python object reaches the engine as a JS object whose type name is the Python one, so
    argument errors read `must be Tensor, not dict` as PyTorch's do."""
    o = _stand_ins.get(name)
    if o is None:
        o = _stand_ins[name] = _gs.pyObject(name)
    return o


def kwargs_of(kw):
    return {k: arg(v) for k, v in kw.items()}


# ---- results --------------------------------------------------------------------------------------

def ret(r, first=None):
    """An op result as Python sees it."""
    if type(r) is _TT:
        return wrap(r)
    if type(r) is _JA:
        return _decode(r, first)
    return r


def _decode(r, first):
    kind = r[0]
    if kind == 'self':
        return first
    if kind == 'view':
        if first is not None:
            remember(first)
        return wrap(r[1])
    if kind == 'tuple':
        return tuple(ret(x) for x in r[1])
    if kind == 'nt':
        from . import return_types
        return return_types.make(r[1], list(r[2]), tuple(wrap(v) for v in r[3]))
    if kind == 'dtype':
        return DTYPES[r[1]]
    if kind == 'float':
        return float(r[1])
    if kind == 'node':
        from .autograd import graph
        return graph.node(r[1])
    if kind == 'gen':
        from . import random
        return random.Generator._of(r[1])
    return r[1]


# ---- errors ---------------------------------------------------------------------------------------

_PY_TYPES = {n: getattr(builtins, n) for n in (
    'RuntimeError', 'IndexError', 'ValueError', 'TypeError', 'NotImplementedError', 'AttributeError', 'KeyError',
    'ZeroDivisionError', 'StopIteration', 'AssertionError')}


class _LinAlgError(RuntimeError):
    """torch._C._LinAlgError (torch.linalg.LinAlgError): raised for singular / non-PD matrices."""


_LinAlgError.__module__ = 'torch._C'
_PY_TYPES['_LinAlgError'] = _LinAlgError


def error(e):
    """The Python exception for a JS error: an engine TorchError keeps its Python type and message;
    anything else becomes a RuntimeError."""
    je = getattr(e, 'js_error', None)
    msg = str(getattr(je, 'message', '') or e) if je is not None else str(e)
    cls = _PY_TYPES.get(getattr(je, 'pyType', None), RuntimeError)
    if cls is KeyError:
        return KeyError(msg)
    return cls(msg)


def is_type_error(e):
    je = getattr(e, 'js_error', None)
    return je is not None and getattr(je, 'pyType', None) == 'TypeError'


def call(f, *args):
    """Call a JS function, engine errors as Python exceptions."""
    try:
        return f(*args)
    except JsException as e:
        raise error(e) from None


# ---- op callables ---------------------------------------------------------------------------------

def _op_list():
    return [tuple(x) for x in _gs.opList().to_py()]


OPS = _op_list()                          # (name, aliases, function?, method?, ns, doc)
_DOCS = {n: op[5] for op in OPS for n in (op[0], *op[1])}


def op_callables(name, is_method):
    """(positional, keyword) engine callables of op `name`: fn(*args) and fkw(*args, **kwargs)."""
    return _gs.opPos(name, is_method), _gs.opKw(name, is_method)


def method(name):
    """Tensor.<name> for op `name`."""
    fn, fkw = op_callables(name, True)
    fh = _gs.opHandles(name, True)

    def m(self, *args, **kwargs):
        try:
            if kwargs:
                r = fkw(self._t, *[arg(a) for a in args], **kwargs_of(kwargs))
            elif not args:
                r = fh(self._h or _handle(self))
                if type(r) is int and r > 0:
                    o = _new(Tensor)
                    o._h = r
                    return o
                return from_handle(r, self)
            elif len(args) == 1:
                a = args[0]
                if isinstance(a, _TensorBase):
                    r = fh(self._h or _handle(self), a._h or _handle(a))
                    if type(r) is int and r > 0:
                        o = _new(Tensor)
                        o._h = r
                        return o
                    return from_handle(r, self)
                r = fn(self._t, arg(a))
            else:
                r = fn(self._t, *[arg(a) for a in args])
        except JsException as e:
            raise error(e) from None
        if type(r) is _TT:
            o = _new(Tensor)
            o._tp = r
            o._h = 0
            return o
        return ret(r, self)
    m.__name__ = name
    m.__qualname__ = 'Tensor.' + name
    m.__doc__ = _DOCS.get(name)
    return m


def function(name, public_name=None, module='torch'):
    """torch.<name> (or another namespace's function) for op `name`."""
    fn, fkw = op_callables(name, False)
    fh = _gs.opHandles(name, False)

    def f(*args, **kwargs):
        try:
            if kwargs:
                r = fkw(*[arg(a) for a in args], **kwargs_of(kwargs))
                if type(r) is _TT:
                    return _kw_result(r, kwargs)
            elif len(args) == 2:
                a, b = args
                if isinstance(a, _TensorBase):
                    if isinstance(b, _TensorBase):
                        r = fh(a._h or _handle(a), b._h or _handle(b))
                        if type(r) is int and r > 0:
                            o = _new(Tensor)
                            o._h = r
                            return o
                        return from_handle(r, a)
                    r = fn(a._t, arg(b))
                else:
                    r = fn(arg(a), b._t if isinstance(b, _TensorBase) else arg(b))
            elif len(args) == 1:
                a = args[0]
                if isinstance(a, _TensorBase):
                    r = fh(a._h or _handle(a))
                    if type(r) is int and r > 0:
                        o = _new(Tensor)
                        o._h = r
                        return o
                    return from_handle(r, a)
                r = fn(arg(a))
            else:
                r = fn(*[arg(a) for a in args])
        except JsException as e:
            raise error(e) from None
        if type(r) is _TT:
            o = _new(Tensor)
            o._tp = r
            o._h = 0
            return o
        return ret(r, args[0] if args else None)
    f.__name__ = f.__qualname__ = public_name or name
    f.__module__ = module
    f.__doc__ = _DOCS.get(name)
    return f


def _kw_result(r, kwargs):
    """A tensor result of a call with keywords: `out=` comes back as that same object; a tensor made
    with requires_grad=True is remembered (its grad_fn's AccumulateGrad.variable is it)."""
    o = kwargs.get('out')
    if o is not None and isinstance(o, _TensorBase) and o._t == r:
        return o
    t = wrap(r)
    if kwargs.get('requires_grad'):
        remember(t)
    return t


_NS_PREFIX = {'linalg': 'linalg_', 'special': 'special_', 'nn.functional': ''}


def namespace_functions(ns):
    """{python name: callable} for the ops of namespace `ns` ('torch', 'linalg', 'special',
    'nn.functional'); linalg_/special_ prefixes are dropped (torch.linalg.norm is op linalg_norm)."""
    out = {}
    prefix = _NS_PREFIX.get(ns, '')
    module = 'torch' if ns == 'torch' else 'torch.' + ns
    for name, aliases, is_fn, _is_method, op_ns, _doc in OPS:
        if not is_fn or op_ns != ns:
            continue
        for n in [name, *aliases]:
            public = n[len(prefix):] if prefix and n.startswith(prefix) else n
            out[public] = function(n, public, module)
    return out


def wrap_number(x):
    """A Python number as the 0-dim wrapped-number engine tensor PyTorch makes for a Tensor argument."""
    return call(_gs.wrapNumber, arg(x))


# ---- warnings -------------------------------------------------------------------------------------

_CATEGORIES = {'UserWarning': UserWarning, 'DeprecationWarning': DeprecationWarning,
               'RuntimeWarning': RuntimeWarning, 'FutureWarning': FutureWarning}


def _warn(category, message):
    """Engine warnings go through Python's warnings module, attributed to the first frame outside torch."""
    warnings.warn(str(message), _CATEGORIES.get(category, UserWarning), skip_file_prefixes=(_TORCH_DIR,))


# ---- JS state -------------------------------------------------------------------------------------

_js_setup = []
from_snapshot = False                     # this session was restored from a memory snapshot


def js_setup(fn):
    """Run fn() now, and again in a session restored from a Pyodide memory snapshot taken after this
    import (engine/runtime/worker.ts): the engine's JS state, such as the callbacks Python gave it, is
    not part of the snapshot."""
    _js_setup.append(fn)
    fn()
    return fn


def restored():
    """Called once by the worker after restoring a memory snapshot."""
    global from_snapshot
    import sys
    from_snapshot = True
    r = sys.modules.get('random')
    if r is not None:
        r.seed()                          # not the sequence every session restored from it would share
    for fn in _js_setup:
        fn()


@js_setup
def _install_warn_handler():
    _gs.setWarnHandler(create_proxy(_warn))
