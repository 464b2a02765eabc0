"""Functions PyTorch writes in Python (torch/functional.py) that are not engine ops, and the composite
ATen functions they call (meshgrid, atleast_*d, cartesian_prod), built from engine ops so the graph has
PyTorch's nodes (ExpandBackward0, UnsqueezeBackward0, StackBackward0, ...)."""
import warnings

from ._types import Size

__all__ = ['broadcast_shapes', 'meshgrid', 'atleast_1d', 'atleast_2d', 'atleast_3d', 'cartesian_prod']

_MESHGRID_WARNING = ('torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument. '
                     '(Triggered internally at  ./aten/src/ATen/native/TensorShape.cpp:3190.)')
_meshgrid_warned = [False]


def broadcast_shapes(*shapes):
    """The shape broadcasting `shapes` together gives (torch.broadcast_shapes)."""
    ndim = 0
    norm = []
    for s in shapes:
        if isinstance(s, int):
            s = (s,)
        elif not isinstance(s, (tuple, list)):
            raise RuntimeError('Input shapes should be of type ints, a tuple of ints, or a list of ints, got ', s)
        s = tuple(s)
        norm.append(s)
        ndim = max(ndim, len(s))
    result = [1] * ndim
    for s in norm:
        for i in range(-1, -1 - len(s), -1):
            if s[i] < 0:
                raise RuntimeError(f'Trying to create tensor with negative dimension ({s[i]}): ({s[i]})')
            if s[i] == 1 or s[i] == result[i]:
                continue
            if result[i] != 1:
                raise RuntimeError('Shape mismatch: objects cannot be broadcast to a single shape')
            result[i] = s[i]
    return Size(result)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids: output i is tensors[i] viewed along dim i and expanded to every length
    ("ij"); "xy" swaps the first two dims (and outputs)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    if indexing is None:
        if not _meshgrid_warned[0]:
            _meshgrid_warned[0] = True
            warnings.warn(_MESHGRID_WARNING, UserWarning)
        indexing = 'ij'
    tensors = list(tensors)
    size = len(tensors)
    if size == 0:
        raise RuntimeError('meshgrid expects a non-empty TensorList')
    for a, b in zip(tensors, tensors[1:]):
        if a.dtype != b.dtype:
            raise RuntimeError('meshgrid expects all tensors to have the same dtype')
    swap = False
    if indexing == 'xy':
        swap = size >= 2
        if swap:
            tensors[0], tensors[1] = tensors[1], tensors[0]
    elif indexing != 'ij':
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for t in tensors:
        if t.dim() > 1:
            raise RuntimeError('torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: ' + repr(t))
    shape = [t.numel() for t in tensors]
    grids = []
    for i, t in enumerate(tensors):
        view_shape = [1] * size
        view_shape[i] = -1
        grids.append(t.view(view_shape).expand(shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def _atleast(tensors, fn):
    if len(tensors) == 1:
        tensors = tensors[0]
    if isinstance(tensors, (list, tuple)):
        return tuple(fn(t) for t in tensors)
    return fn(tensors)


def _1d(t):
    return t.reshape(1) if t.dim() == 0 else t


def _2d(t):
    d = t.dim()
    return t.reshape(1, 1) if d == 0 else t.unsqueeze(0) if d == 1 else t


def _3d(t):
    d = t.dim()
    if d == 0:
        return t.reshape(1, 1, 1)
    if d == 1:
        return t.unsqueeze(0).unsqueeze(-1)
    return t.unsqueeze(-1) if d == 2 else t


def atleast_1d(*tensors):
    """Each input with at least 1 dim (a 0-dim tensor becomes shape (1,)); one tensor in, one out."""
    return _atleast(tensors, _1d)


def atleast_2d(*tensors):
    """Each input with at least 2 dims: (1, 1) for 0-dim, (1, n) for 1-dim."""
    return _atleast(tensors, _2d)


def atleast_3d(*tensors):
    """Each input with at least 3 dims: (1, 1, 1), (1, n, 1) or (m, n, 1)."""
    return _atleast(tensors, _3d)


def cartesian_prod(*tensors):
    """All combinations of the 1-D inputs as rows (itertools.product order)."""
    import torch
    for t in tensors:
        if t.dim() != 1:
            raise RuntimeError(f'Expect a 1D vector, but got shape {list(t.shape)}')
    if len(tensors) == 1:
        return tensors[0]
    return torch.stack([g.flatten() for g in meshgrid(*tensors, indexing='ij')], 1)
