// Builds the registry from the op table (one loop) and attaches Tensor methods from it.
// A new table file is added to TABLES; nothing else lists ops by hand.
import { registerEngineOps } from '../autograd';
import { Tensor } from '../tensor';
import { OpDef } from './spec';
import { allOps, dispatch, registerOps, splitKwargs } from './registry';
import { call, castTensor } from './util';
import creation from './table/creation';
import core from './table/core';
import arith from './table/arith';
import unary from './table/unary';
import compare from './table/compare';
import elementwiseUnary from './table/elementwiseUnary';
import elementwisePow from './table/elementwisePow';
import elementwiseBinary from './table/elementwiseBinary';
import elementwiseTernary from './table/elementwiseTernary';
import elementwiseBitwise from './table/elementwiseBitwise';
import elementwiseClamp from './table/elementwiseClamp';
import elementwiseSelect from './table/elementwiseSelect';
import reduce from './table/reduce';
import linalg from './table/linalg';
import linalgDecomp from './table/linalgDecomp';
import sort from './table/sort';
import shape from './table/shape';
import indexing from './table/indexing';
import shapeCopy from './table/shapeCopy';
import shapeJoin from './table/shapeJoin';
import shapeGrad from './table/shapeGrad';
import indexingScatter from './table/indexingScatter';
import indexingMask from './table/indexingMask';
import random from './table/random';
import range from './table/range';
import nn from './table/nn';
import losses from './table/losses';

export const TABLES: OpDef[][] = [creation, core, arith, unary, compare, elementwiseUnary, elementwisePow, elementwiseBinary, elementwiseTernary, elementwiseBitwise, elementwiseClamp, elementwiseSelect, reduce, linalg, linalgDecomp, sort, shape, shapeCopy, shapeJoin, shapeGrad, indexing, indexingScatter, indexingMask, random, range, nn, losses];

let built = false;
export function buildOps(): void {
  if (built) return;
  built = true;
  for (const t of TABLES) registerOps(t);
  const proto = Tensor.prototype as unknown as Record<string, unknown>;
  for (const op of allOps()) {
    if (!op.method) continue;
    for (const name of [op.def.name, ...(op.def.aliases ?? [])]) {
      if (Object.prototype.hasOwnProperty.call(proto, name)) continue; // class members win
      proto[name] = function (this: Tensor, ...args: unknown[]) {
        const [pos, kw] = splitKwargs(args);
        return dispatch(name, [this, ...pos], kw, true);
      };
    }
  }
  registerEngineOps({
    add: (a, b) => call('add', a, b),
    detach: (t) => call('detach', t),
    clone: (t) => call('clone', t),
    onesLike: (t) => call('ones_like', t),
    zerosLike: (t) => call('zeros_like', t),
    cast: (t, d) => castTensor(t, d),
  });
}
