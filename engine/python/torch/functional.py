"""Functions PyTorch writes in Python (torch/functional.py) that are not engine ops."""
from ._types import Size

__all__ = ['broadcast_shapes']


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
