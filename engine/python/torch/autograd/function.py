"""torch.autograd.Function: user-defined ops with a Python backward. apply() runs forward under no_grad
and records one engine node named '<Class>Backward' whose backward calls the class's backward."""
import _gradscope as _gs
from pyodide.ffi import create_proxy, to_js

from .. import _bridge
from .grad_mode import no_grad

__all__ = ['Function', 'FunctionCtx', 'once_differentiable']


class FunctionCtx:
    """The ctx passed to forward and backward."""

    def __init__(self):
        self.to_save = ()
        self.needs_input_grad = ()
        self.materialize_grads = True
        self.dirty_tensors = ()
        self.non_differentiable = ()

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not isinstance(t, _bridge._TensorBase):
                raise TypeError('save_for_backward can only save variables, but argument %d is not a Variable'
                                % tensors.index(t))
        self.to_save = tensors

    @property
    def saved_tensors(self):
        return self.to_save

    def mark_dirty(self, *args):
        self.dirty_tensors = args

    def mark_non_differentiable(self, *args):
        self.non_differentiable = args

    def set_materialize_grads(self, value):
        self.materialize_grads = value


class _FunctionMeta(type):
    def __init__(cls, name, bases, attrs):
        cls._backward_name = name + 'Backward'
        from . import graph
        graph.custom_names.add(cls._backward_name)
        super().__init__(name, bases, attrs)


class Function(metaclass=_FunctionMeta):
    """Subclass with static forward(ctx, *args) and backward(ctx, *grad_outputs); call Class.apply(*args)."""

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        raise RuntimeError('Legacy autograd function with non-static forward method is deprecated. Please use new-style '
                           'autograd function with static forward method. (Example: '
                           'https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)')

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError('You must implement the forward function for custom autograd.Function.')

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError('You must implement either the backward or vjp method for your custom '
                                  'autograd.Function to use it with backward mode AD.')

    vjp = backward

    @classmethod
    def apply(cls, *args):
        import torch
        T = _bridge._TensorBase
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, T) and a.requires_grad for a in args)
        with no_grad():
            out = cls.forward(ctx, *args)
        is_tuple = isinstance(out, tuple)
        outs = out if is_tuple else (out,)
        tensor_args = [(i, a) for i, a in enumerate(args) if isinstance(a, T)]
        if not (torch.is_grad_enabled() and any(a.requires_grad for _, a in tensor_args)):
            return out
        # an input returned as is becomes an alias, so the recorded node does not rewrite the input
        outs = tuple(o.view(tuple(o.shape)) if isinstance(o, T) and any(o is a for _, a in tensor_args) else o for o in outs)
        nondiff = ctx.non_differentiable
        diff_outs = [o for o in outs if isinstance(o, T) and not any(o is n for n in nondiff)]
        n_args = len(args)

        def backward(grads):
            gs = []
            for g, o in zip(grads, diff_outs):
                if g is None:
                    gs.append(torch.zeros_like(o) if ctx.materialize_grads else None)
                else:
                    gs.append(_bridge.wrap(g))
            r = cls.backward(ctx, *gs)
            r = r if isinstance(r, tuple) else (r,)
            if len(r) != n_args:
                if len(r) > n_args and all(x is None for x in r[n_args:]):
                    r = r[:n_args]
                else:
                    raise RuntimeError(f'function {cls._backward_name} returned an incorrect number of gradients '
                                       f'(expected {n_args}, got {len(r)})')
            res = []
            for i, a in tensor_args:
                g = r[i]
                if g is not None and tuple(g.shape) != tuple(a.shape):
                    raise RuntimeError(f'Function {cls._backward_name} returned an invalid gradient at index {i} - '
                                       f'got {list(g.shape)} but expected shape compatible with {list(a.shape)}')
                res.append(None if g is None else g._t)
            return to_js(res)

        _bridge.call(_gs.recordCustom, cls._backward_name, to_js([a._t for _, a in tensor_args]),
                     to_js([o._t for o in diff_outs]), create_proxy(backward))
        return outs if is_tuple else outs[0]


def once_differentiable(fn):
    return fn
