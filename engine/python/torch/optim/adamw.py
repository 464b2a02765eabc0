"""torch.optim.adamw: AdamW lives in adam.py (the same update with decoupled weight decay)."""
from .adam import AdamW, adamw  # noqa: F401

__all__ = ['AdamW', 'adamw']
