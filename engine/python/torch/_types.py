"""torch.dtype, torch.Size, torch.device, torch.layout and torch.memory_format, as PyTorch 1.13 shows them."""
import _gradscope as _gs

_JS_DTYPES = _gs.dtypes


class dtype:
    """A tensor element type (torch.float32 is torch.float). Wraps the engine's DType."""
    __slots__ = ('_d', '_name', 'is_floating_point', 'is_complex', 'is_signed')

    def __init__(self, *args, **kwargs):
        raise TypeError("cannot create 'torch.dtype' instances")

    def __repr__(self):
        return 'torch.' + self._name

    def __reduce__(self):
        return self._name

    def to_real(self):
        return self

    def to_complex(self):
        raise TypeError(f'{self!r} has no complex counterpart here')


dtype.__module__ = 'torch'

_NAMES = ('bool', 'uint8', 'int8', 'int16', 'int32', 'int64', 'float16', 'bfloat16', 'float32', 'float64')
_ALIASES = {'float': 'float32', 'double': 'float64', 'half': 'float16', 'long': 'int64', 'int': 'int32',
            'short': 'int16'}

DTYPES = {}
for _n in _NAMES:
    _o = object.__new__(dtype)
    _o._d = getattr(_JS_DTYPES, _n)
    _o._name = _n
    _o.is_floating_point = _n.startswith(('float', 'bfloat'))
    _o.is_complex = False
    _o.is_signed = _n not in ('bool', 'uint8')
    DTYPES[_n] = _o
for _a, _n in _ALIASES.items():
    DTYPES[_a] = DTYPES[_n]

_LEGACY = {'bool': 'BoolTensor', 'uint8': 'ByteTensor', 'int8': 'CharTensor', 'int16': 'ShortTensor',
           'int32': 'IntTensor', 'int64': 'LongTensor', 'float16': 'HalfTensor', 'bfloat16': 'BFloat16Tensor',
           'float32': 'FloatTensor', 'float64': 'DoubleTensor'}
LEGACY_NAMES = {d: 'torch.' + _LEGACY[d._name] for d in set(DTYPES.values())}
FROM_LEGACY = {v: k for k, v in LEGACY_NAMES.items()}


class Size(tuple):
    """torch.Size: the shape of a tensor, a tuple of ints."""
    __slots__ = ()

    def __new__(cls, seq=()):
        items = []
        for i, v in enumerate(seq):
            if type(v) is int:
                items.append(v)
            elif hasattr(v, '__index__') and not isinstance(v, bool):
                items.append(v.__index__())
            else:
                raise TypeError(f"torch.Size() takes an iterable of 'int' (item {i} is '{type(v).__name__}')")
        return tuple.__new__(cls, items)

    def __repr__(self):
        return 'torch.Size([' + ', '.join(map(str, self)) + '])'

    __str__ = __repr__

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return tuple.__new__(Size, r) if isinstance(i, slice) else r

    def __add__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return tuple.__new__(Size, tuple.__add__(self, other))

    def __mul__(self, n):
        return tuple.__new__(Size, tuple.__mul__(self, n))

    __rmul__ = __mul__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __reduce__(self):
        return (Size, (tuple(self),))


Size.__module__ = 'torch'


def _size(t):
    """A torch.Size from a tuple of ints (no checks)."""
    return tuple.__new__(Size, t)


_DEVICE_TYPES = ('cpu', 'cuda', 'ipu', 'xpu', 'mkldnn', 'opengl', 'opencl', 'ideep', 'hip', 've', 'fpga', 'ort', 'xla',
                 'lazy', 'vulkan', 'mps', 'meta', 'hpu', 'privateuseone')


class device:
    """torch.device('cpu'), torch.device('cuda', 0), torch.device('cuda:1')."""
    __slots__ = ('type', 'index')

    def __init__(self, type, index=None):
        if isinstance(type, device):
            if index is not None:
                raise TypeError('device(): argument \'type\' must be str, not torch.device')
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            raise RuntimeError('Device index must not be negative' if type < 0 else 'Torch not compiled with CUDA enabled')
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({_tname(type)}), but expected one of:\n"
                            ' * (torch.device device)\n * (str type, int index)\n')
        name, _, idx = type.partition(':')
        if name not in _DEVICE_TYPES and name != 'webgpu':
            raise RuntimeError('Expected one of ' + ', '.join(_DEVICE_TYPES) +
                               f' device type at start of device string: {type}')
        if idx:
            if index is not None:
                raise RuntimeError(f'type (string) must not include an index because index was passed explicitly: {type}')
            if not idx.isdigit():
                raise RuntimeError(f'Invalid device string: \'{type}\'')
            index = int(idx)
        if index is not None and index < 0:
            raise RuntimeError(f'Device index must not be negative')
        self.type, self.index = name, index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f'{self.type}:{self.index}'

    def __eq__(self, other):
        if not isinstance(other, device):
            return False
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index) if self.index is not None else (self.type,))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


device.__module__ = 'torch'
CPU = device('cpu')


def _tname(x):
    return type(x).__name__


class _Named:
    """torch.layout / torch.memory_format values: singletons printing as torch.<name>."""
    __slots__ = ('_name',)

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return 'torch.' + self._name

    def __reduce__(self):
        return self._name


class layout(_Named):
    __slots__ = ()


class memory_format(_Named):
    __slots__ = ()


layout.__module__ = memory_format.__module__ = 'torch'
strided = layout('strided')
sparse_coo = layout('sparse_coo')
contiguous_format = memory_format('contiguous_format')
preserve_format = memory_format('preserve_format')
channels_last = memory_format('channels_last')
channels_last_3d = memory_format('channels_last_3d')
