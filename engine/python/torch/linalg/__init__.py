"""torch.linalg: the engine's linalg ops (op linalg_norm is torch.linalg.norm)."""
from .. import _bridge

globals().update(_bridge.namespace_functions('linalg'))
LinAlgError = _bridge._LinAlgError
