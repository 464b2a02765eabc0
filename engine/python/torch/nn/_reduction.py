"""torch.nn._reduction: the loss `reduction` argument and the legacy size_average / reduce flags."""
import warnings

__all__ = ['get_enum', 'legacy_get_string', 'legacy_get_enum']

_ENUM = {'none': 0, 'mean': 1, 'sum': 2}


def get_enum(reduction):
    if reduction == 'elementwise_mean':
        warnings.warn("reduction='elementwise_mean' is deprecated, please use reduction='mean' instead.")
        return 1
    if reduction in _ENUM:
        return _ENUM[reduction]
    raise ValueError("{} is not a valid value for reduction".format(reduction))


def legacy_get_string(size_average, reduce, emit_warning=True):
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = 'none' if not reduce else ('mean' if size_average else 'sum')
    if emit_warning:
        warnings.warn("size_average and reduce args will be deprecated, please use reduction='{}' instead.".format(result))
    return result


def legacy_get_enum(size_average, reduce, emit_warning=True):
    return get_enum(legacy_get_string(size_average, reduce, emit_warning))
