"""torch.cuda on a machine without CUDA: queries answer "none", seeding is a no-op (as in a CPU-only
PyTorch, where CUDA seeding is deferred until CUDA initialises, which never happens), and anything that
needs a device raises PyTorch's error."""


def _no_cuda(*args, **kwargs):
    raise AssertionError('Torch not compiled with CUDA enabled')


def is_available():
    return False


def device_count():
    return 0


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


current_device = synchronize = get_device_name = get_device_properties = set_device = init = _no_cuda
memory_allocated = max_memory_allocated = memory_reserved = _no_cuda
