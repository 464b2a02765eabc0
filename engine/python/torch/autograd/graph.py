"""grad_fn objects: one Python class per backward node name (type(y.grad_fn).__name__ == 'MulBackward0'),
one Python object per engine node while it is referenced (y.grad_fn is y.grad_fn)."""
import weakref

import _gradscope as _gs
from pyodide.ffi import create_proxy, to_js

from .. import _bridge

_classes = {}
custom_names = set()   # <Class>Backward names of torch.autograd.Function subclasses (their module differs)
_live = weakref.WeakValueDictionary()


class Node:
    """Base of the grad_fn classes: name(), next_functions, metadata, register_hook."""
    __slots__ = ('_n', '_meta', '__weakref__')

    def name(self):
        return _gs.nodeName(self._n)

    @property
    def next_functions(self):
        return tuple((None if n is None else node(n), nr) for n, nr in _gs.nodeNext(self._n))

    @property
    def metadata(self):
        if self._meta is None:
            self._meta = {}
        return self._meta

    @property
    def variable(self):
        v = _gs.nodeVariable(self._n)
        if v is None:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute 'variable'")
        return _bridge.known(v)

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) runs after this node's backward; a non-None result replaces grad_inputs."""
        def hook(grad_inputs, grad_outputs):
            gi = tuple(None if g is None else _bridge.wrap(g) for g in grad_inputs)
            go = tuple(None if g is None else _bridge.wrap(g) for g in grad_outputs)
            r = fn(gi, go)
            if r is None:
                return None
            return to_js([None if g is None else g._t for g in r])
        from .._tensor import _EngineHandle
        return _EngineHandle(_bridge.call(_gs.registerNodeHook, self._n, create_proxy(hook)))

    def __call__(self, *args):
        raise RuntimeError('calling a grad_fn directly is not supported')


Node.__module__ = 'torch.autograd.graph'


def node(n):
    """The Python grad_fn object for engine node `n`."""
    key = n.seq
    o = _live.get(key)
    if o is None:
        name = n.name
        cls = _classes.get(name)
        if cls is None:
            module = 'torch.autograd.function' if name in custom_names else 'builtins'
            cls = _classes[name] = type(name, (Node,), {'__slots__': (), '__module__': module})
        o = object.__new__(cls)
        o._n = n
        o._meta = None
        _live[key] = o
    return o
