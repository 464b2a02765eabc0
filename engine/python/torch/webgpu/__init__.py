"""torch.webgpu: Gradscope's GPU device (WebGPU: Dawn in Node, or the VS Code webview's GPU), with the
queries torch.cuda has for CUDA. Tensors go there with `.to('webgpu')` or `device='webgpu'`."""
import _gradscope as _gs


def is_available():
    """True when a WebGPU adapter can be opened (it is opened on this first call)."""
    return bool(_gs.webgpuAvailable())


def device_count():
    return 1 if is_available() else 0


def current_device():
    return 0


def get_device_name(device=None):
    if not is_available():
        raise RuntimeError(f'the webgpu device is not available: {_gs.webgpuUnavailableReason()}')
    return _gs.webgpuAdapterName()


def synchronize(device=None):
    """Send every queued GPU command (reads wait for them anyway)."""
    _gs.webgpuSynchronize()


def memory_allocated(device=None):
    """Bytes held by live webgpu tensors' buffers."""
    return int(_gs.webgpuMemoryAllocated())


def kernel_stats():
    """GPU kernel launches by kernel family (e.g. 'map:f32', 'matmul:bias', 'softmax:log') since the
    last reset_kernel_stats(): what ran on the device. Ops without a kernel run on the CPU instead."""
    import json
    return json.loads(_gs.webgpuKernelStats())


def reset_kernel_stats():
    _gs.webgpuResetKernelStats()


def manual_seed(seed):
    pass


def manual_seed_all(seed):
    pass
