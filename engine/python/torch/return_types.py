"""torch.return_types: the named tuples ops such as max(dim), sort and topk return (structseq-like)."""

_FIELDS = {
    'max': ('values', 'indices'), 'min': ('values', 'indices'), 'sort': ('values', 'indices'),
    'topk': ('values', 'indices'), 'mode': ('values', 'indices'), 'median': ('values', 'indices'),
    'nanmedian': ('values', 'indices'), 'kthvalue': ('values', 'indices'), 'cummax': ('values', 'indices'),
    'cummin': ('values', 'indices'), 'aminmax': ('min', 'max'), 'var_mean': None, 'std_mean': None,
    'frexp': ('mantissa', 'exponent'), 'slogdet': ('sign', 'logabsdet'), 'qr': ('Q', 'R'),
    'svd': ('U', 'S', 'V'), 'linalg_svd': ('U', 'S', 'Vh'), 'linalg_eigh': ('eigenvalues', 'eigenvectors'),
    'linalg_slogdet': ('sign', 'logabsdet'), 'linalg_qr': ('Q', 'R'), 'lu_unpack': ('P', 'L', 'U'),
    'histogram': ('hist', 'bin_edges'), 'geqrf': ('a', 'tau'), 'triangular_solve': ('solution', 'cloned_coefficient'),
}
_classes = {}


class _StructSeq(tuple):
    __slots__ = ()
    _fields = ()
    n_fields = n_sequence_fields = 0

    def __new__(cls, seq):
        seq = tuple(seq)
        if len(seq) != len(cls._fields):
            raise TypeError(f'torch.return_types.{cls.__name__}() takes a {len(cls._fields)}-sequence '
                            f'({len(seq)}-sequence given)')
        return tuple.__new__(cls, seq)

    def __repr__(self):
        body = ',\n'.join(f'{f}={v!r}' for f, v in zip(self._fields, self))
        return f'torch.return_types.{type(self).__name__}(\n{body})'

    def __reduce__(self):
        return (type(self), (tuple(self),))


def _field(i):
    return property(lambda self: tuple.__getitem__(self, i))


def _cls(name, fields):
    c = _classes.get(name)
    if c is None:
        ns = {'__slots__': (), '_fields': tuple(fields), 'n_fields': len(fields), 'n_sequence_fields': len(fields),
              '__module__': 'torch.return_types'}
        for i, f in enumerate(fields):
            ns[f] = _field(i)
        c = _classes[name] = type(name, (_StructSeq,), ns)
        globals()[name] = c
    return c


def make(name, fields, values):
    """The torch.return_types.<name> holding `values` (used by the bridge for engine NamedTuples)."""
    return _cls(name, fields)(values)


for _n, _f in _FIELDS.items():
    if _f is not None:
        _cls(_n, _f)
