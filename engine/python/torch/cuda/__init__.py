"""torch.cuda on a machine without CUDA: queries answer "none", seeding is a no-op (as in a CPU-only
PyTorch, where CUDA seeding is deferred until CUDA initialises, which never happens), and anything that
needs a device raises PyTorch's error. With Gradscope's cuda alias setting on, torch.cuda answers for
the webgpu device instead, so code written for CUDA runs on it."""
import _gradscope as _gs


def _no_cuda(*args, **kwargs):
    raise AssertionError('Torch not compiled with CUDA enabled')


def _alias():
    return bool(_gs.cudaAlias())


def is_available():
    if _alias():
        from .. import webgpu
        return webgpu.is_available()
    return False


def device_count():
    return 1 if is_available() else 0


def is_initialized():
    return False


def manual_seed(seed):
    pass


def manual_seed_all(seed):
    pass


def seed():
    pass


def seed_all():
    pass


def empty_cache():
    pass


def _webgpu_or_fail(name):
    def f(*args, **kwargs):
        if not _alias():
            _no_cuda()
        from .. import webgpu
        return getattr(webgpu, name)(*args, **kwargs)
    f.__name__ = name
    return f


current_device = _webgpu_or_fail('current_device')
synchronize = _webgpu_or_fail('synchronize')
get_device_name = _webgpu_or_fail('get_device_name')
memory_allocated = _webgpu_or_fail('memory_allocated')
get_device_properties = set_device = init = max_memory_allocated = memory_reserved = _no_cuda
