// Op table: clamp/clip (Scalar bounds → ClampBackward1, Tensor bounds → ClampBackward0), clamp_min,
// clamp_max and their in-place forms.
import { DType, dtypes } from '../../dtype';
import { check } from '../../errors';
import { record } from '../../autograd';
import { Scalar, scalarValue } from '../../scalar';
import { Tensor } from '../../tensor';
import { defineOps, OpDef } from '../spec';
import { call, callKw, resultTypeOf, sumToShape } from '../util';
import { castError, checkedScalar, checkSupport, cppTypeName, gpuElementwise, inplaceWith, mapBinary, mapTernary, mapUnary } from './elementwiseUtil';

const NONE_ERR = "torch.clamp: At least one of 'min' or 'max' must not be None";
/** at::where(cond, grad, 0) with a 0-dim zero of grad's dtype */
const passWhere = (cond: Tensor, g: Tensor) => call('where', cond, g, callKw('zeros', [[]], { dtype: g.dtype }));

const max2 = (a: number, b: number) => (a < b ? b : a); // std::max
const min2 = (a: number, b: number) => (b < a ? b : a); // std::min

/** Scalar-bound clamps of float32 on the GPU (std::max/min's comparisons, so NaN stays NaN); NaN bounds stay on the CPU. */
const gpuClamp = (self: Tensor, d: DType, expr: string, bounds: number[]) =>
  (d === dtypes.float32 && self.dtype === d && bounds.every((b) => b === b) ? gpuElementwise([self], d, d, expr, bounds) : null);

function clampScalar(self: Tensor, min: Scalar | null, max: Scalar | null): Tensor {
  check(min !== null || max !== null, NONE_ERR);
  const ops = [self, ...(min !== null ? [min] : []), ...(max !== null ? [max] : [])];
  const d = resultTypeOf(...ops);
  let out: Tensor;
  if (min !== null && max !== null) {
    checkSupport('clamp_scalar_cpu', d, { bool: false, half: false });
    const lo = checkedScalar(scalarValue(min), d), hi = checkedScalar(scalarValue(max), d);
    out = lo !== lo || hi !== hi ? mapUnary(self, d, d, () => NaN)
      : gpuClamp(self, d, 'select(select(a, b, a < b), c, c < select(a, b, a < b))', [lo, hi]) ?? mapUnary(self, d, d, (x) => min2(max2(x, lo), hi));
  } else if (min !== null) {
    checkSupport('clamp_min_cpu', d, { bool: false, half: false });
    const lo = checkedScalar(scalarValue(min), d);
    out = gpuClamp(self, d, 'select(a, b, a < b)', [lo]) ?? mapUnary(self, d, d, (x) => max2(x, lo));
  } else {
    checkSupport('clamp_max_scalar_cpu', d, { bool: false, half: false });
    const hi = checkedScalar(scalarValue(max!), d);
    out = gpuClamp(self, d, 'select(a, b, b < a)', [hi]) ?? mapUnary(self, d, d, (x) => min2(x, hi));
  }
  return out;
}

/** clamp_backward: grad where min <= self <= max, else 0 */
function clampScalarGrad(g: Tensor, self: Tensor, min: Scalar | null, max: Scalar | null): Tensor {
  if (min !== null && max !== null) return passWhere(call('logical_and', call('ge', self, min), call('le', self, max)), g);
  if (min !== null) return passWhere(call('ge', self, min), g);
  if (max !== null) return passWhere(call('le', self, max), g);
  return g;
}

const nanOr = (f: (x: number, y: number) => number) => (x: number, y: number) => (x !== x || y !== y ? NaN : f(x, y));

function clampTensor(self: Tensor, min: Tensor | null, max: Tensor | null): Tensor {
  check(min !== null || max !== null, NONE_ERR);
  const d = resultTypeOf(self, ...(min ? [min] : []), ...(max ? [max] : []));
  let out: Tensor;
  if (min && max) {
    checkSupport('clamp_cpu', d, { half: false });
    out = mapTernary(self, min, max, d, d, (x, lo, hi) => (lo !== lo || hi !== hi ? NaN : min2(max2(x, lo), hi)));
  } else if (min) {
    out = mapBinary(self, min, d, d, nanOr(max2));
  } else {
    out = mapBinary(self, max!, d, d, nanOr(min2));
  }
  record('ClampBackward0', [self, min, max], out, ([g]) => {
    // clamp_backward_min_max
    const gs: (Tensor | null)[] = [null, null, null];
    if (min && max) {
      if (self.requiresGrad) gs[0] = passWhere(call('logical_and', call('ge', self, min), call('le', self, max)), g!);
      if (min.requiresGrad) gs[1] = passWhere(call('logical_and', call('lt', self, min), call('lt', min, max)), g!);
      if (max.requiresGrad) gs[2] = passWhere(call('logical_or', call('gt', self, max), call('lt', max, min)), g!);
    } else if (min) {
      if (self.requiresGrad) gs[0] = passWhere(call('ge', self, min), g!);
      if (min.requiresGrad) gs[1] = passWhere(call('lt', self, min), g!);
    } else {
      if (self.requiresGrad) gs[0] = passWhere(call('le', self, max!), g!);
      if (max!.requiresGrad) gs[2] = passWhere(call('gt', self, max!), g!);
    }
    return [gs[0] && sumToShape(gs[0], self.shape), gs[1] && sumToShape(gs[1], min!.shape), gs[2] && sumToShape(gs[2], max!.shape)];
  }, (n) => { n.save(self); if (min) n.save(min); if (max) n.save(max); });
  return out;
}

const clampDef: OpDef = {
  name: 'clamp', aliases: ['clip'],
  sig: ['clamp(Tensor self, Tensor? min=None, Tensor? max=None)', 'clamp(Tensor self, Scalar? min=None, Scalar? max=None)'],
  doc: 'Limits every element to [min, max] (either bound may be None; Python numbers or tensors).',
  impl: (a, ov) => {
    const self: Tensor = a.self;
    if (ov === 0) return clampTensor(self, a.min, a.max);
    const out = clampScalar(self, a.min, a.max);
    record('ClampBackward1', [self], out, ([g]) => [clampScalarGrad(g!, self, a.min, a.max)], (n) => n.save(self));
    return out;
  },
  samples: [
    { args: [{ t: [2, 3], grad: true }, { f: -0.5 }, { f: 0.75 }], noGradcheck: true },
    { args: [{ t: [5], dtype: 'int64' }], kwargs: { min: -3 }, method: true },
    { args: [{ t: [2, 3], dtype: 'float64', grad: true }, { t: [3], dtype: 'float64', grad: true }, { t: [2, 1], dtype: 'float64', grad: true, domain: 'positive' }], noGradcheck: true },
    { args: [{ t: [4], dtype: 'int32' }, { f: 0.5 }], method: true },
  ],
};

function oneSided(name: 'clamp_min' | 'clamp_max'): OpDef {
  const isMin = name === 'clamp_min';
  const arg = isMin ? 'min' : 'max';
  return {
    name, sig: [`${name}(Tensor self, Tensor ${arg})`, `${name}(Tensor self, Scalar ${arg})`],
    doc: isMin ? 'max(input, min), elementwise.' : 'min(input, max), elementwise.',
    impl: (a, ov) => {
      const self: Tensor = a.self, bound = a[arg];
      if (ov === 0) {
        const b = bound as Tensor;
        const d = resultTypeOf(self, b);
        const out = mapBinary(self, b, d, d, nanOr(isMin ? max2 : min2));
        record(isMin ? 'ClampMinBackward1' : 'ClampMaxBackward1', [self, b], out, ([g]) => [
          self.requiresGrad ? sumToShape(passWhere(call(isMin ? 'ge' : 'le', self, b), g!), self.shape) : null,
          b.requiresGrad ? sumToShape(passWhere(call(isMin ? 'lt' : 'gt', self, b), g!), b.shape) : null,
        ], (n) => { n.save(self); n.save(b); });
        return out;
      }
      const out = clampScalar(self, isMin ? bound : null, isMin ? null : bound);
      record(isMin ? 'ClampMinBackward0' : 'ClampMaxBackward0', [self], out, ([g]) => [passWhere(call(isMin ? 'ge' : 'le', self, bound), g!)], (n) => n.save(self));
      return out;
    },
    samples: [
      { args: [{ t: [2, 3], grad: true }, { f: 0.25 }], noGradcheck: true },
      { args: [{ t: [2, 3], dtype: 'float64', grad: true }, { t: [3], dtype: 'float64', grad: true }], method: true, noGradcheck: true },
      { args: [{ t: [4], dtype: 'int64' }, 2] },
    ],
  };
}

/** clamp_ & co. with a Scalar bound name the C++ type in the cast error ("... output type long int"). */
function scalarBoundCheck(a: Record<string, unknown>, ov: number, scalarOverload: number): void {
  const self = a.self as Tensor;
  if (ov !== scalarOverload) return;
  const bounds = ['min', 'max'].map((k) => a[k]).filter((v) => v !== null && v !== undefined) as Scalar[];
  if (bounds.length === 0) return;
  const d: DType = resultTypeOf(self, ...bounds);
  if (d.category === 'float' && self.dtype.category !== 'float') throw castError(d, cppTypeName(self.dtype));
}

const clampMinDef = oneSided('clamp_min');
const clampMaxDef = oneSided('clamp_max');
const clampInplace: OpDef = {
  ...inplaceWith(clampDef, (a, ov) => scalarBoundCheck(a, ov, 1)),
  samples: [
    { args: [{ t: [2, 3], grad: true }, { f: -0.5 }, { f: 0.75 }], method: true, noGradcheck: true },
    { args: [{ t: [3], dtype: 'int64' }, { f: 0.5 }], method: true },
  ],
};

export default defineOps([
  clampDef, clampInplace, { ...clampInplace, name: 'clip_' },
  clampMinDef, inplaceWith(clampMinDef, (a, ov) => scalarBoundCheck(a, ov, 1)),
  clampMaxDef, inplaceWith(clampMaxDef, (a, ov) => scalarBoundCheck(a, ov, 1)),
]);
