"""Padding modules: ConstantPad1d/2d, ZeroPad2d, ReflectionPad1d/2d, ReplicationPad1d/2d."""
from .. import functional as F
from .module import Module
from .utils import _pair, _quadruple

__all__ = ['ConstantPad1d', 'ConstantPad2d', 'ZeroPad2d', 'ReflectionPad1d', 'ReflectionPad2d',
           'ReplicationPad1d', 'ReplicationPad2d']


class _ConstantPadNd(Module):
    def __init__(self, value):
        super().__init__()
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, 'constant', self.value)

    def extra_repr(self):
        return 'padding={}, value={}'.format(self.padding, self.value)


class ConstantPad1d(_ConstantPadNd):
    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _pair(padding)


class ConstantPad2d(_ConstantPadNd):
    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _quadruple(padding)


class ZeroPad2d(ConstantPad2d):
    def __init__(self, padding):
        super().__init__(padding, 0.)

    def extra_repr(self):
        return '{}'.format(self.padding)


class _ModePad(Module):
    mode = ''

    def forward(self, input):
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self):
        return '{}'.format(self.padding)


class ReflectionPad1d(_ModePad):
    mode = 'reflect'

    def __init__(self, padding):
        super().__init__()
        self.padding = _pair(padding)


class ReflectionPad2d(_ModePad):
    mode = 'reflect'

    def __init__(self, padding):
        super().__init__()
        self.padding = _quadruple(padding)


class ReplicationPad1d(_ModePad):
    mode = 'replicate'

    def __init__(self, padding):
        super().__init__()
        self.padding = _pair(padding)


class ReplicationPad2d(_ModePad):
    mode = 'replicate'

    def __init__(self, padding):
        super().__init__()
        self.padding = _quadruple(padding)
