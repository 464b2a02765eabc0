"""torch.Generator and the default generator's functions (manual_seed, seed, initial_seed, get/set_rng_state),
over the engine's mt19937 (engine/random.ts)."""
import _gradscope as _gs

from . import _bridge
from ._types import CPU

__all__ = ['Generator', 'default_generator', 'manual_seed', 'seed', 'initial_seed', 'get_rng_state', 'set_rng_state']


class Generator:
    """torch.Generator(device='cpu'): an independent mt19937 stream (seeded 67280421310721 when new)."""
    __slots__ = ('_g',)

    def __init__(self, device='cpu'):
        if str(device) != 'cpu':
            raise RuntimeError(f'Device type {str(device).split(":")[0].upper()} is not supported for torch.Generator() api.')
        self._g = _gs.newGenerator()

    @classmethod
    def _of(cls, g):
        o = object.__new__(cls)
        o._g = g
        return o

    @property
    def device(self):
        return CPU

    def manual_seed(self, seed):
        _bridge.call(self._g.manualSeed, _seed(seed))
        return self

    def initial_seed(self):
        return int(self._g.initialSeed())

    def seed(self):
        return int(self._g.seed())

    def get_state(self):
        return _bridge.wrap(_gs.getState(self._g))

    def set_state(self, new_state):
        if not isinstance(new_state, _bridge._TensorBase):
            raise TypeError(f'expected a torch.ByteTensor, but got {type(new_state).__name__}')
        _bridge.call(_gs.setState, self._g, new_state._t)
        return self


Generator.__module__ = 'torch._C'
_bridge.Generator = Generator


def _seed(s):
    return int(s)                      # past 2**53 Pyodide passes a BigInt, which the engine reads exactly


default_generator = Generator._of(_gs.defaultGenerator())


def manual_seed(seed):
    """Seeds the default generator; returns it."""
    return default_generator.manual_seed(seed)


def seed():
    """Seeds the default generator from a non-deterministic source; returns the seed."""
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)
