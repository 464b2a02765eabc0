"""torch.utils: hooks here; torch.utils.data (its own package) is imported on first use."""
import importlib as _importlib


def __getattr__(name):
    if name == 'data':
        return _importlib.import_module('.data', __name__)
    raise AttributeError(f"module 'torch.utils' has no attribute '{name}'")
