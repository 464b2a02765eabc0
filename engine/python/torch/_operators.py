"""Tensor's Python operators and indexing, as PyTorch 1.13 defines them (the C++ binding's __add__ etc.
and torch/_tensor.py's reflected forms). An operator whose op the engine lacks is left undefined, so
Python reports the unsupported operand itself."""
import _gradscope as _gs
from pyodide.ffi import JsException, to_js

from . import _bridge
from ._bridge import _TT, _TensorBase, _handle, _new, arg, error, from_handle, is_type_error, ret, wrap, wrap_number

_HAVE = {n for name, aliases, *_ in _bridge.OPS for n in (name, *aliases)}


def _binary(op, reflected=False):
    """self <op> other via Tensor method `op`; a TypeError from argument parsing means NotImplemented
    (PyTorch's TypeError_to_NotImplemented_)."""
    fn = _gs.opPos(op, True)
    fh = _gs.opHandles(op, True)
    T = _bridge.Tensor                     # set by torch._tensor before install() runs

    def f(self, other):
        try:
            if isinstance(other, _TensorBase):
                r = fh(self._h or _handle(self), other._h or _handle(other))
                if type(r) is int and r > 0:
                    o = _new(T)
                    o._h = r
                    return o
                return from_handle(r, self)
            r = fn(self._t, arg(other))
        except JsException as e:
            if is_type_error(e):
                return NotImplemented
            raise error(e) from None
        if type(r) is _TT:
            o = _new(T)
            o._tp = r
            o._h = 0
            return o
        return ret(r, self)
    return f


def _unary(op):
    fh = _gs.opHandles(op, True)

    def f(self):
        try:
            r = fh(self._h or _handle(self))
            if type(r) is int and r > 0:
                o = _new(_bridge.Tensor)
                o._h = r
                return o
            return from_handle(r, self)
        except JsException as e:
            raise error(e) from None
    return f


def _swapped(op):
    """other <op> self where PyTorch calls torch.<op>(other, self): a Python number becomes a wrapped number."""
    fn = _gs.opPos(op, False)

    def f(self, other):
        if isinstance(other, _TensorBase):
            o = other._t
        elif isinstance(other, (int, float)):
            o = wrap_number(other)
        else:
            return NotImplemented
        try:
            r = fn(o, self._t)
        except JsException as e:
            if is_type_error(e):
                return NotImplemented
            raise error(e) from None
        return wrap(r) if type(r) is _TT else ret(r)
    return f


_BINARY = {
    '__add__': 'add', '__radd__': 'add', '__iadd__': 'add_',
    '__sub__': 'sub', '__isub__': 'sub_',
    '__mul__': 'mul', '__rmul__': 'mul', '__imul__': 'mul_',
    '__truediv__': 'div', '__itruediv__': 'div_',
    '__floordiv__': 'floor_divide', '__ifloordiv__': 'floor_divide_',
    '__mod__': 'remainder', '__imod__': 'remainder_',
    '__pow__': 'pow', '__ipow__': 'pow_',
    '__matmul__': 'matmul',
    '__and__': 'bitwise_and', '__rand__': 'bitwise_and', '__iand__': 'bitwise_and_',
    '__or__': 'bitwise_or', '__ror__': 'bitwise_or', '__ior__': 'bitwise_or_',
    '__xor__': 'bitwise_xor', '__rxor__': 'bitwise_xor', '__ixor__': 'bitwise_xor_',
    '__lshift__': 'bitwise_left_shift', '__ilshift__': 'bitwise_left_shift_',
    '__rshift__': 'bitwise_right_shift', '__irshift__': 'bitwise_right_shift_',
    '__eq__': 'eq', '__ne__': 'ne', '__lt__': 'lt', '__le__': 'le', '__gt__': 'gt', '__ge__': 'ge',
}
_UNARY = {'__neg__': 'neg', '__pos__': 'positive', '__abs__': 'abs', '__invert__': 'bitwise_not'}
_SWAPPED = {'__rfloordiv__': 'floor_divide', '__rmod__': 'remainder', '__rlshift__': 'bitwise_left_shift',
            '__rrshift__': 'bitwise_right_shift', '__rmatmul__': 'matmul'}


def _rsub(self, other):
    """1 - x: torch.rsub(x, 1) (RsubBackward1 for a number)"""
    try:
        r = _RSUB(self._t, arg(other))
    except JsException as e:
        if is_type_error(e):
            return NotImplemented
        raise error(e) from None
    return wrap(r) if type(r) is _TT else ret(r)


def _rtruediv(self, other):
    """2 / x: x.reciprocal() * 2, as torch/_tensor.py (MulBackward0)"""
    if not isinstance(other, (_TensorBase, int, float)):
        return NotImplemented
    return self.reciprocal() * other


def _rpow(self, other):
    """2 ** x: torch.tensor(2, dtype=result_type(2, x)) ** x, as torch/_tensor.py (PowBackward1)"""
    import torch
    if not isinstance(other, (_TensorBase, int, float)):
        return NotImplemented
    return torch.tensor(other, dtype=torch.result_type(other, self)) ** self


_RSUB = _gs.opPos('rsub', False) if 'rsub' in _HAVE else None

# ---- indexing -------------------------------------------------------------------------------------

_getitem = _gs.getitem
_getitem_int = _gs.getitemInt
_setitem = _gs.setitem


def _slice_part(v):
    return v if v is None or type(v) is int else v.__index__()


def _index_list(x):
    return to_js([_index_list(e) if isinstance(e, (list, tuple)) else arg(e) for e in x])


def encode_index(idx):
    """A Python index as (codes, values) for the engine: see decodeIndex in engine/runtime/bridge.ts."""
    items = idx if type(idx) is tuple else (idx,)
    codes = []
    vals = []
    for i in items:
        t = type(i)
        if t is int:
            codes.append('i')
            vals.append(i)
        elif t is slice:
            codes.append('s')
            vals += (_slice_part(i.start), _slice_part(i.stop), _slice_part(i.step))
        elif i is None:
            codes.append('n')
        elif i is Ellipsis:
            codes.append('e')
        elif t is bool:
            codes.append('b')
            vals.append(i)
        elif isinstance(i, _TensorBase):
            codes.append('t')
            vals.append(i._t)
        elif t is list or t is tuple:
            codes.append('l')
            vals.append(_index_list(i))
        elif t is str:
            # a str is a sequence to PyTorch's indexing, which then fails to make a tensor of it
            raise TypeError("new(): invalid data type 'str'")
        elif hasattr(i, '__index__'):
            codes.append('i')
            vals.append(i.__index__())
        else:
            codes.append('o')
            vals.append(arg(i))
    return ''.join(codes), vals


def _get(self, idx):
    try:
        if type(idx) is int:
            r = _getitem_int(self._t, idx)
        else:
            codes, vals = encode_index(idx)
            r = _getitem(self._t, codes, *vals)
    except JsException as e:
        raise error(e) from None
    return wrap(r) if type(r) is _TT else ret(r, self)


def _set(self, idx, value):
    if not isinstance(value, (_TensorBase, int, float)):
        from ._types import LEGACY_NAMES
        raise TypeError(f"can't assign a {type(value).__name__} to a {LEGACY_NAMES[self.dtype]}")
    codes, vals = encode_index(idx)
    try:
        _setitem(self._t, arg(value), codes, *vals)
    except JsException as e:
        raise error(e) from None


def install(cls):
    for dunder, op in _BINARY.items():
        if op in _HAVE:
            setattr(cls, dunder, _binary(op))
    for dunder, op in _UNARY.items():
        if op in _HAVE:
            setattr(cls, dunder, _unary(op))
    for dunder, op in _SWAPPED.items():
        if op in _HAVE:
            setattr(cls, dunder, _swapped(op))
    if _RSUB is not None:
        cls.__rsub__ = _rsub
    if 'reciprocal' in _HAVE and 'mul' in _HAVE:
        cls.__rtruediv__ = _rtruediv
    if 'pow' in _HAVE:
        cls.__rpow__ = _rpow
    if '__getitem__' in _HAVE:
        cls.__getitem__ = _get
    if '__setitem__' in _HAVE:
        cls.__setitem__ = _set
