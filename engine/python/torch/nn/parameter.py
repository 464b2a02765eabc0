"""torch.nn.Parameter: a Tensor subclass marking module weights; prints "Parameter containing:"."""
import _gradscope as _gs

from .. import _bridge
from .._tensor import Tensor

__all__ = ['Parameter']


class Parameter(Tensor):
    """Parameter(data=None, requires_grad=True): a leaf alias of `data` (sharing its storage)."""
    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            import torch
            data = torch.empty(0)
        if not isinstance(data, _bridge._TensorBase):
            raise TypeError(f'Parameter(): argument \'data\' must be Tensor, not {type(data).__name__}')
        o = object.__new__(cls)
        o._t = _bridge.call(_gs.makeParameter, data._t, bool(requires_grad))
        return o

    def __init__(self, data=None, requires_grad=True):
        pass

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self.requires_grad)
        if _gs.getGrad(self._t) is not None:
            import copy
            result.grad = copy.deepcopy(self.grad, memo)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, proto):
        return (Parameter, (self.data, self.requires_grad))


Parameter.__module__ = 'torch.nn.parameter'
