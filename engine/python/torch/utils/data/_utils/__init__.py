"""torch.utils.data._utils: collation."""
from . import collate  # noqa: F401
