"""torch.backends: flags and availability queries for a CPU-only build."""
import types as _types


def _module(name, **attrs):
    m = _types.ModuleType('torch.backends.' + name)
    m.__dict__.update(attrs)
    return m


def _false():
    return False


def _none():
    return None


_DEFAULTS = dict(cudnn=dict(enabled=True, deterministic=False, benchmark=False, allow_tf32=True))

cudnn = _module('cudnn', is_available=_false, version=_none, **_DEFAULTS['cudnn'])
mps = _module('mps', is_available=_false, is_built=_false)
cuda = _module('cuda', is_built=_false, matmul=_module('cuda.matmul', allow_tf32=False))
mkldnn = _module('mkldnn', is_available=_false, enabled=True)
mkl = _module('mkl', is_available=_false)
openmp = _module('openmp', is_available=_false)


def _reset():
    cudnn.__dict__.update(_DEFAULTS['cudnn'])
