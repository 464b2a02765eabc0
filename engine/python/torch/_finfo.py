"""torch.finfo and torch.iinfo: the numeric limits of floating-point and integer dtypes."""
from ._types import DTYPES, dtype

__all__ = ['finfo', 'iinfo']

# bits, eps, max, tiny (= smallest_normal), resolution
_FLOAT = {
    'float16': (16, 0.0009765625, 65504.0, 6.103515625e-05, 0.001),
    'bfloat16': (16, 0.0078125, 3.3895313892515355e+38, 1.1754943508222875e-38, 0.01),
    'float32': (32, 1.1920928955078125e-07, 3.4028234663852886e+38, 1.1754943508222875e-38, 1e-06),
    'float64': (64, 2.220446049250313e-16, 1.7976931348623157e+308, 2.2250738585072014e-308, 1e-15),
}
_INT = {
    'uint8': (8, 0, 255), 'int8': (8, -128, 127), 'int16': (16, -32768, 32767),
    'int32': (32, -2147483648, 2147483647), 'int64': (64, -9223372036854775808, 9223372036854775807),
}


def _dtype_arg(fn, type):
    if not isinstance(type, dtype):
        raise TypeError(f"{fn}(): argument 'type' (position 1) must be torch.dtype, not {type.__class__.__name__}")
    return type._name


class finfo:
    """Limits of a floating-point dtype: bits, eps, max, min, tiny / smallest_normal, resolution."""

    def __init__(self, type=None):
        if type is None:
            import torch
            type = torch.get_default_dtype()
        name = _dtype_arg('finfo', type)
        if name not in _FLOAT:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle 'torch.finfo'")
        self.bits, self.eps, self.max, self.tiny, self.resolution = _FLOAT[name]
        self.min = -self.max
        self.smallest_normal = self.tiny
        self.dtype = name

    def __eq__(self, other):
        return isinstance(other, finfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(('finfo', self.dtype))

    def __repr__(self):
        return (f'finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, '
                f'smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})')


class iinfo:
    """Limits of an integer dtype: bits, min, max."""

    def __init__(self, type):
        name = _dtype_arg('iinfo', type)
        if name == 'bool':
            raise TypeError('torch.bool is not supported by torch.iinfo')
        if name not in _INT:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'")
        self.bits, self.min, self.max = _INT[name]
        self.dtype = name

    def __eq__(self, other):
        return isinstance(other, iinfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(('iinfo', self.dtype))

    def __repr__(self):
        return f'iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})'


finfo.__module__ = iinfo.__module__ = 'torch'
assert set(_FLOAT) | set(_INT) <= set(DTYPES)
