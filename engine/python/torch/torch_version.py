"""torch.__version__: a str that compares as a version (torch.__version__ >= '1.13' is False for 1.13.0a0)."""
import re

__all__ = ['TorchVersion', '__version__']

_PRE = {'a': 0, 'b': 1, 'rc': 2}


def _key(v):
    """(release, pre-release) ordering of PEP 440 versions like '1.13.0a0', '1.13', '2.0.1rc2'."""
    if isinstance(v, (tuple, list)):
        v = '.'.join(str(x) for x in v)
    m = re.match(r'^\s*v?(\d+(?:\.\d+)*)(?:(a|b|rc)(\d*))?', str(v))
    if not m:
        raise ValueError(f"Invalid version: '{v}'")
    rel = [int(x) for x in m.group(1).split('.')]
    while len(rel) > 1 and rel[-1] == 0:
        rel.pop()
    pre = (_PRE[m.group(2)], int(m.group(3) or 0)) if m.group(2) else (3, 0)
    return (tuple(rel), pre)


class TorchVersion(str):
    def __lt__(self, other):
        return _key(self) < _key(other)

    def __le__(self, other):
        return _key(self) <= _key(other)

    def __gt__(self, other):
        return _key(self) > _key(other)

    def __ge__(self, other):
        return _key(self) >= _key(other)

    def __eq__(self, other):
        try:
            return _key(self) == _key(other)
        except ValueError:
            return str.__eq__(self, other)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = str.__hash__


TorchVersion.__module__ = 'torch.torch_version'
__version__ = TorchVersion('1.13.0a0')
