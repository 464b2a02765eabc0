"""torch.special: the engine's special-function ops (op special_expit is torch.special.expit)."""
from .. import _bridge

globals().update(_bridge.namespace_functions('special'))
