"""torch.nn: Parameter, Module and the layer, activation, loss and container modules, plus
torch.nn.functional, torch.nn.init and torch.nn.utils."""
from .parameter import Parameter
from .modules import *  # noqa: F401,F403
from . import functional, init, utils, modules, parameter  # noqa: F401
from .modules.module import register_module_forward_hook, register_module_forward_pre_hook  # noqa: F401


def factory_kwargs(kwargs):
    """torch.nn.factory_kwargs: the device/dtype/memory_format entries of kwargs."""
    if kwargs is None:
        return {}
    simple = {'device', 'dtype', 'memory_format'}
    expected = simple | {'factory_kwargs'}
    if not kwargs.keys() <= expected:
        raise TypeError(f"unexpected kwargs {kwargs.keys() - expected}")
    r = dict(kwargs.get('factory_kwargs', {}))
    for k in simple:
        if k in kwargs:
            if k in r:
                raise TypeError(f"{k} specified twice, in **kwargs and in factory_kwargs")
            r[k] = kwargs[k]
    return r
