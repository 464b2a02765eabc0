"""Functions PyTorch writes in Python (torch/functional.py) that are not engine ops, and composite ATen
functions (atleast_*d, cartesian_prod) built from engine ops so the graph has PyTorch's nodes
(UnsqueezeBackward0, StackBackward0, ...). torch/__init__.py uses these only where the engine has no op."""

from ._types import Size

__all__ = ['broadcast_shapes', 'atleast_1d', 'atleast_2d', 'atleast_3d', 'cartesian_prod']


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
    return torch.stack([g.flatten() for g in torch.meshgrid(*tensors, indexing='ij')], 1)
