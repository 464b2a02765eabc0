"""Legacy constructors: torch.Tensor(...), torch.FloatTensor(...), torch.LongTensor(...) and the type
strings of Tensor.type()."""
import _gradscope as _gs

from . import _bridge
from ._types import FROM_LEGACY, LEGACY_NAMES, Size, dtype


def construct(cls, dt, args, kwargs):
    """torch.Tensor(*sizes) / (data) / (tensor) / (): `dt` None means the default dtype."""
    import torch
    if dt is None:
        dt = torch.get_default_dtype()
    kwargs = dict(kwargs)
    kwargs.pop('device', None)
    if kwargs:
        got = ', '.join([type(a).__name__ for a in args] + [f'{k}={_kind(v)}' for k, v in kwargs.items()])
        raise TypeError(f'new() received an invalid combination of arguments - got ({got}), but expected one of:\n'
                        ' * (*, torch.device device)\n'
                        f"      didn't match because some of the keywords were incorrect: {', '.join(kwargs)}\n"
                        ' * (torch.Storage storage)\n * (Tensor other)\n'
                        ' * (tuple of ints size, *, torch.device device)\n * (object data, *, torch.device device)\n')
    if not args:
        return torch.empty(0, dtype=dt)
    if len(args) == 1:
        a = args[0]
        if isinstance(a, _bridge._TensorBase):
            return _bridge.wrap(_gs.dataOf(a._t))
        if isinstance(a, Size):
            return torch.empty(a, dtype=dt)
        if isinstance(a, (list, tuple)):
            return torch.tensor(a, dtype=dt)
        if not isinstance(a, int) or isinstance(a, bool):
            if isinstance(a, (float, bool)):
                raise TypeError(f'new(): data must be a sequence (got {type(a).__name__})')
            raise TypeError(f"new(): invalid data type '{type(a).__name__}'")
    return torch.empty(*args, dtype=dt)


def _kind(v):
    return 'torch.dtype' if isinstance(v, dtype) else type(v).__name__


def dtype_of(x):
    """The dtype Tensor.type(x) converts to: a dtype, a 'torch.XTensor' string or a legacy class."""
    if isinstance(x, dtype):
        return x
    if isinstance(x, str):
        d = FROM_LEGACY.get(x)
        if d is None:
            raise ValueError(f"invalid type: '{x}'")
        return d
    d = getattr(x, '_dtype', None)
    if d is not None:
        return d
    raise ValueError(f"invalid type: '{x}'")


class _LegacyMeta(type):
    def __call__(cls, *args, **kwargs):
        return construct(None, cls._dtype, args, kwargs)

    def __instancecheck__(cls, obj):
        return isinstance(obj, _bridge._TensorBase) and obj.dtype is cls._dtype


def legacy_classes():
    """{'FloatTensor': class, ...}: calling one constructs a tensor of its dtype; isinstance checks dtype."""
    out = {}
    for d, full in LEGACY_NAMES.items():
        name = full[len('torch.'):]
        out[name] = _LegacyMeta(name, (), {'_dtype': d, '__module__': 'torch', 'dtype': d})
    return out
