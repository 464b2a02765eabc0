"""torch.autograd: backward, grad, Function, Variable and the grad-mode context managers."""
import _gradscope as _gs
from pyodide.ffi import to_js

from .. import _bridge
from . import grad_mode, graph, function, functional
from .grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled
from .function import Function
from .gradcheck import gradcheck, gradgradcheck

__all__ = ['Variable', 'Function', 'backward', 'grad_mode', 'grad', 'no_grad', 'enable_grad', 'set_grad_enabled',
           'inference_mode', 'gradcheck', 'gradgradcheck']


def _seq(x):
    """A tensor or a sequence (of tensors, None or anything else) as the engine takes it; the engine
    raises PyTorch's errors for wrong elements."""
    if x is None:
        return None
    if isinstance(x, _bridge._TensorBase):
        return x._t
    if isinstance(x, (list, tuple)):
        return to_js([None if t is None else _bridge.arg(t) for t in x])
    return to_js([_bridge.arg(x)])


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Accumulate d(tensors)/d(leaf) into each leaf's .grad (only into `inputs` when given)."""
    if grad_variables is not None:
        grad_tensors = grad_variables
    if inputs is not None and not isinstance(inputs, _bridge._TensorBase):
        inputs = tuple(inputs)
    _bridge.call(_gs.backward, _seq(tensors), _seq(grad_tensors), retain_graph, bool(create_graph), _seq(inputs))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=False, is_grads_batched=False):
    """The gradients of outputs w.r.t. inputs, as a tuple (nothing is accumulated into .grad)."""
    if is_grads_batched:
        raise NotImplementedError('is_grads_batched=True is not supported by this engine yet')
    r = _bridge.call(_gs.grad, _seq(outputs), _seq(inputs), _seq(grad_outputs), retain_graph, bool(create_graph),
                     bool(allow_unused))
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
