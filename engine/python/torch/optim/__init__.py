"""torch.optim: Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad and lr_scheduler."""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW
from .rmsprop import RMSprop
from .adagrad import Adagrad
from . import lr_scheduler, optimizer, sgd, adam, adamw, rmsprop, adagrad  # noqa: F401

del optimizer, sgd, adam, adamw, rmsprop, adagrad
