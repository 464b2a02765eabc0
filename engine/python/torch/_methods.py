"""Tensor methods from the engine's op list: one per method-variant op (and alias), ops PyTorch exposes
as properties (x.T, x.mT), and the methods PyTorch composes from others where the engine has no op."""
from . import _bridge
from ._types import DTYPES


_PROPERTY_OPS = {'T': 'numpy_T', 'mT': 'mT', 'mH': 'mH', 'H': 'H'}


def _dtype_method(dt):
    def m(self, memory_format=None):
        return self.to(DTYPES[dt])
    m.__name__ = dt if dt != 'float32' else 'float'
    return m


def _new_factory(factory):
    def m(self, *args, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
        import torch
        return getattr(torch, factory)(*args, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad)
    m.__name__ = 'new_' + factory
    return m


def _type_as(self, other):
    return self.to(other.dtype)


def _ravel(self):
    """contiguous().view(-1), as ATen composes it (ViewBackward0)."""
    return self.contiguous().view(-1)


def _alias(op):
    def m(self, *args, **kwargs):
        return getattr(self, op)(*args, **kwargs)
    return m


# Methods PyTorch composes from others (x.float() is x.to(torch.float32), x.new_zeros(s) is
# torch.zeros(s, dtype=x.dtype)); used only where the engine has no op of that name.
_COMPOSED = {
    'float': _dtype_method('float32'), 'double': _dtype_method('float64'), 'half': _dtype_method('float16'),
    'bfloat16': _dtype_method('bfloat16'), 'long': _dtype_method('int64'), 'int': _dtype_method('int32'),
    'short': _dtype_method('int16'), 'char': _dtype_method('int8'), 'byte': _dtype_method('uint8'),
    'bool': _dtype_method('bool'), 'type_as': _type_as,
    'new_zeros': _new_factory('zeros'), 'new_ones': _new_factory('ones'), 'new_empty': _new_factory('empty'),
    'new_full': _new_factory('full'), 'new_tensor': _new_factory('tensor'),
    'ravel': _ravel, 'multiply_': _alias('mul_'), 'subtract_': _alias('sub_'), 'divide_': _alias('div_'),
    'true_divide_': _alias('div_'), 'is_shared': lambda self: False, 'share_memory_': lambda self: self,
    'is_pinned': lambda self, device=None: False,
}


def install_op_methods(cls):
    """Attach a method per method-variant op (names and aliases) unless the class defines it; ops that
    PyTorch exposes as properties (x.T, x.mT) become properties; composed methods fill the gaps."""
    taken = set()
    for klass in cls.__mro__:
        taken.update(vars(klass))
    for name, aliases, _is_fn, is_method, *_ in _bridge.OPS:
        if not is_method:
            continue
        for n in [name, *aliases]:
            if n not in taken:
                setattr(cls, n, _bridge.method(n))
                taken.add(n)
    ops = {n for name, aliases, *_ in _bridge.OPS for n in (name, *aliases)}
    for prop, op in _PROPERTY_OPS.items():
        if op in ops and prop not in vars(cls):
            setattr(cls, prop, property(_bridge.function(op, prop)))
    for n, f in _COMPOSED.items():
        if n not in taken:
            setattr(cls, n, f)
