"""Correctly rounded cos and pow for the Python-level float math of torch.optim (lr schedulers, NAdam, ASGD).

Pyodide's libm differs from glibc's in the last bit for ~3% of cos arguments (and some non-integer
powers), while glibc (what PyTorch's own Python runs on) gives the correctly rounded result in all but
rare cases; printed learning rates expose that bit. These compute in 50-digit decimal arithmetic and
round once to the nearest double."""
import math
from decimal import Decimal, localcontext

__all__ = ['cos', 'pow']

_PI = Decimal('3.14159265358979323846264338327950288419716939937510582097494459230781640628620899')
_EPS = Decimal('1e-60')


def cos(x):
    """math.cos(x), correctly rounded."""
    x = float(x)
    if not math.isfinite(x):
        return math.cos(x)
    with localcontext() as ctx:
        ctx.prec = 60
        d = Decimal(x) % (2 * _PI)
        d2 = d * d
        total, term, k = Decimal(0), Decimal(1), 0
        while abs(term) > _EPS:
            total += term
            k += 2
            term = -term * d2 / (k * (k - 1))
        return float(total)


def pow(x, y):
    """x ** y for floats, correctly rounded (integer exponents use Python's own, which is exact enough)."""
    x, y = float(x), float(y)
    if y.is_integer() or x <= 0 or not (math.isfinite(x) and math.isfinite(y)):
        return x ** y
    with localcontext() as ctx:
        ctx.prec = 60
        return float(Decimal(x) ** Decimal(y))
