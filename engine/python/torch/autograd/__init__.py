"""torch.autograd: backward, grad, Function, Variable and the grad-mode context managers."""
import _gradscope as _gs
from pyodide.ffi import to_js

from .. import _bridge
from . import grad_mode, graph, function
from .grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled
from .function import Function

__all__ = ['Variable', 'Function', 'backward', 'grad_mode', 'grad', 'no_grad', 'enable_grad', 'set_grad_enabled',
           'inference_mode']


def _tensors(x, what):
    if isinstance(x, _bridge._TensorBase):
        return (x,)
    x = tuple(x)
    for t in x:
        if not isinstance(t, _bridge._TensorBase):
            raise TypeError(f'{what} must be a Tensor or a sequence of Tensors, but got {type(t).__name__}')
    return x


def _grads(grads, n):
    if grads is None:
        return (None,) * n
    if isinstance(grads, _bridge._TensorBase):
        grads = (grads,)
    grads = tuple(grads)
    if len(grads) != n:
        raise RuntimeError(f'got {n} tensors and {len(grads)} gradients')
    return tuple(g if g is None or isinstance(g, _bridge._TensorBase) else _scalar_grad(g) for g in grads)


def _scalar_grad(g):
    import torch
    return torch.tensor(g)


def _js(ts):
    return to_js([None if t is None else t._t for t in ts])


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Accumulate d(tensors)/d(leaf) into each leaf's .grad."""
    if grad_variables is not None:
        grad_tensors = grad_variables
    if inputs is not None:
        raise NotImplementedError('backward(inputs=...) is not supported by this engine yet')
    ts = _tensors(tensors, 'tensors')
    gs = _grads(grad_tensors, len(ts))
    _bridge.call(_gs.backward, _js(ts), _js(gs), retain_graph, bool(create_graph))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=False, is_grads_batched=False):
    """The gradients of outputs w.r.t. inputs, as a tuple (nothing is accumulated into .grad)."""
    if is_grads_batched:
        raise NotImplementedError('is_grads_batched=True is not supported by this engine yet')
    outs = _tensors(outputs, 'outputs')
    ins = _tensors(inputs, 'inputs')
    gs = _grads(grad_outputs, len(outs))
    r = _bridge.call(_gs.grad, _js(outs), _js(gs), _js(ins), retain_graph, bool(create_graph), bool(allow_unused))
    return tuple(None if g is None else _bridge.wrap(g) for g in r)


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, _bridge._TensorBase)


class Variable(metaclass=_VariableMeta):
    """Legacy: Variable(t, requires_grad=False) is an alias of t; every tensor is a Variable."""

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        import torch
        if data is None:
            data = torch.empty(0)
        if not isinstance(data, _bridge._TensorBase):
            raise TypeError(f'Variable data has to be a tensor, but got {type(data).__name__}')
        t = _bridge.wrap(_gs.dataOf(data._t))
        if requires_grad:
            t.requires_grad_(True)
        return t


Variable.__module__ = 'torch.autograd.variable'
