"""torch.nn (minimal package until the nn modules land): Parameter."""
from .parameter import Parameter
