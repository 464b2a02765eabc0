"""torch.optim: Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam, Rprop, ASGD and
lr_scheduler."""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW
from .rmsprop import RMSprop
from .adagrad import Adagrad
from .adadelta import Adadelta
from .adamax import Adamax
from .nadam import NAdam
from .radam import RAdam
from .rprop import Rprop
from .asgd import ASGD
from . import lr_scheduler, optimizer, sgd, adam, adamw, rmsprop, adagrad  # noqa: F401
from . import adadelta, adamax, nadam, radam, rprop, asgd  # noqa: F401

del optimizer, sgd, adam, adamw, rmsprop, adagrad, adadelta, adamax, nadam, radam, rprop, asgd
