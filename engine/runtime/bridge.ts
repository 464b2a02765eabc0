// The JS side of Python's `import torch`: installTorch() writes the Python package (engine/python/torch)
// into Pyodide's file system and registers the engine as the JS module `_gradscope`; the Python side
// (torch/_bridge.py) builds torch.Tensor, torch.* and the namespaces from the op list exposed here.
// Results cross back as an engine Tensor (the common case, no boxing), a primitive, or a JS array
// [kind, ...payload] that _bridge.py decodes (tuples, named tuples, dtypes, nodes, "the first argument").
import { deviceApi } from './bridgeDevice';
import type { PyodideAPI } from 'pyodide';
import { torch as _torch } from '../index';
import {
  AccumulateGrad, Node, TensorHook, backward as autogradBackward, detachInPlace, grad as autogradGrad, gradFnOf, isGradEnabled,
  isInferenceMode, record, registerHook as autogradRegisterHook, requiresGradOf, setGradEnabled, setInferenceMode,
  setRequiresGrad as autogradSetRequiresGrad,
} from '../autograd';
import { DType, canCast, dtypeOf, dtypes, getDefaultDType, promoteTypes, setDefaultDType } from '../dtype';
import { TorchError, check } from '../errors';
import { formatTensor, getPrintOptions, resetPrintOptions, setPrintOptions } from '../format';
import { NamedTuple } from '../namedtuple';
import { DEFAULT_RNG_SEED, Generator, defaultGenerator, manualSeed } from '../random';
import { PyFloat } from '../scalar';
import { Storage, Tensor, cpu } from '../tensor';
import { resetWarnOnce, setWarningHandler, warn, WarningCategory } from '../warnings';
import { allOps, dispatch } from '../ops/registry';
import { resultTypeOf, wrapScalar } from '../ops/util';
import { setSiteProvider } from '../autograd';
import { siteReader } from '../graph';

void _torch; // importing engine/index builds the op registry

/** Where the Python sources go inside Pyodide's file system (prepended to sys.path). */
export const PYTHON_ROOT = '/gradscope/python';

// ---- results ---------------------------------------------------------------------------------------

const SELF = ['self'];

/** A non-Tensor result in the form _bridge.py decodes. */
function box(r: unknown): unknown {
  if (r instanceof Tensor) return r;
  if (r === undefined || r === null) return undefined; // JS null would reach Python as jsnull, not None
  const t = typeof r;
  if (t === 'number' || t === 'string' || t === 'boolean') return r;
  if (t === 'bigint') return Number(r);
  if (r instanceof PyFloat) return ['float', floatOut(r.value)];
  if (r instanceof NamedTuple) return ['nt', r.typeName, r.fields, r.values];
  if (Array.isArray(r)) return ['tuple', r.map(box)];
  if (r instanceof DType) return ['dtype', r.name];
  if (r instanceof Node) return ['node', r];
  if (r instanceof Generator) return ['gen', r];
  return ['obj', r];
}

/** A float for Python: JS -0 would arrive as the int 0, so it travels as a string float() reads. */
const floatOut = (v: number): number | string => (Object.is(v, -0) ? '-0.0' : v);

/** Engine tensors whose Python object _bridge.py already remembers as the base of a view. */
const knownBases = new WeakSet<Tensor>();

/**
 * An op result for Python. A result that is the first argument comes back as SELF (keeps Python
 * identity); the first view of a base made by the first argument as ['view', r], so Python remembers
 * the base's object once (`v._base is x`); other tensors as they are (no boxing on the fast path).
 */
function result(r: unknown, first: unknown): unknown {
  if (r instanceof Tensor) {
    if (r === first) return SELF;
    const b = r.base;
    if (b !== null && b === first && !knownBases.has(b)) { knownBases.add(b); return ['view', r]; }
    return r;
  }
  return box(r);
}

/**
 * The callables Python uses for op `name`. Positional calls pass the arguments only (each argument
 * crossing into JS has a cost, so no flag); keyword calls use the second callable, which Python calls
 * with **kwargs, arriving as the trailing plain object (Pyodide's convention).
 */
function opPos(name: string, isMethod: boolean) {
  return opCallable(name, isMethod, 'pos', () => (...args: unknown[]): unknown => result(dispatch(name, args, null, isMethod), args[0]));
}
function opKw(name: string, isMethod: boolean) {
  return opCallable(name, isMethod, 'kw', () => (...args: unknown[]): unknown => {
    const kwargs = args.pop() as Record<string, unknown>;
    return result(dispatch(name, args, kwargs, isMethod), args[0]);
  });
}
/** The fast path for calls whose arguments are all tensors: handles in, handles out (see handles below). */
function opHandles(name: string, isMethod: boolean) {
  return opCallable(name, isMethod, 'handles', () => (...hs: number[]): unknown => {
    const args: unknown[] = hs;
    for (let i = 0; i < hs.length; i++) args[i] = handleTensor(hs[i]);
    return handleResult(dispatch(name, args, null, isMethod), args[0]);
  });
}

type OpKind = 'pos' | 'kw' | 'handles';

/** One callable per (op, method?, kind), remembered so a memory snapshot can name it (snapshotCodec). */
const opCallables = new Map<string, object>();
const opCallableKeys = new WeakMap<object, SnapshotKey>();
function opCallable<F extends object>(name: string, isMethod: boolean, kind: OpKind, make: () => F): F {
  const id = `${kind}:${isMethod ? 'm' : 'f'}:${name}`;
  let f = opCallables.get(id) as F | undefined;
  if (!f) {
    f = make();
    opCallables.set(id, f);
    opCallableKeys.set(f, ['op', name, isMethod, kind]);
  }
  return f;
}

// ---- handles -----------------------------------------------------------------------------------------

/**
 * Engine tensors Python holds by number. A new JS object crossing into Python costs a JsProxy (Pyodide
 * probes the object's shape for each one: microseconds for a Tensor), a number almost nothing; so op
 * calls whose arguments are tensors pass handles and get the new tensor back as one. The Python object
 * owning a handle gives it back when it dies (release, batched), and asks for the JsProxy (`_t`) only
 * when something needs it. Handle 0 is never given out.
 */
const handleTable: (Tensor | undefined)[] = [undefined];
const freeHandles: number[] = [];
let liveHandleCount = 0;
/** storage bytes of the tensors handed out since Python last released handles */
let bytesSinceRelease = 0;
/** past this, a new handle comes back negated: Python then releases the handles of its dead tensors at once */
const RELEASE_PRESSURE_BYTES = 64 * 1024 * 1024;

function newHandle(t: Tensor): number {
  const h = freeHandles.length ? freeHandles.pop()! : handleTable.length;
  handleTable[h] = t;
  liveHandleCount++;
  return h;
}

function handleTensor(h: number): Tensor {
  const t = handleTable[h];
  if (t === undefined) throw new Error(`internal error: tensor handle ${h} is not live`);
  return t;
}

/**
 * An op result for a handle call: a new tensor as its handle (negated under release pressure), the
 * first argument as 0 (Python keeps its object), anything else as result() gives it, an integral
 * number boxed (a bare int means a handle).
 */
function handleResult(r: unknown, first: unknown): unknown {
  if (r instanceof Tensor) {
    if (r === first) return 0;
    const b = r.base;
    if (b !== null && b === first && !knownBases.has(b)) { knownBases.add(b); return ['view', r]; }
    const h = newHandle(r);
    bytesSinceRelease += r.storage.length * r.dtype.itemsize;
    return bytesSinceRelease > RELEASE_PRESSURE_BYTES ? -h : h;
  }
  const v = box(r);
  return typeof v === 'number' && Number.isInteger(v) ? ['int', v] : v;
}

/** Give back handles: 'h,h,...' (a string crosses into JS cheaper than a list). Unknown ones are ignored. */
function releaseHandles(list: string): void {
  for (const s of list.split(',')) {
    const h = Number(s);
    if (h > 0 && handleTable[h] !== undefined) {
      handleTable[h] = undefined;
      freeHandles.push(h);
      liveHandleCount--;
    }
  }
  bytesSinceRelease = 0;
}

/** Handles Python holds now (a memory snapshot must be taken with none: the table is not in it). */
export function liveHandles(): number {
  return liveHandleCount;
}

// ---- indexing ----------------------------------------------------------------------------------------

/**
 * Python index -> the engine's encoding. `codes` has one letter per index item: i int, b bool, t tensor,
 * l list, o other (one value each), s slice (three values), n None, e Ellipsis (no value).
 */
function decodeIndex(codes: string, vals: unknown[]): unknown[] {
  const out: unknown[] = [];
  let k = 0;
  for (const c of codes) {
    if (c === 'n') out.push(null);
    else if (c === 'e') out.push({ ellipsis: true });
    else if (c === 's') { out.push({ slice: [vals[k] ?? null, vals[k + 1] ?? null, vals[k + 2] ?? null] }); k += 3; }
    else if (c === 'l') out.push(nullify(vals[k++]));
    else out.push(vals[k++]);
  }
  return out;
}

const nullify = (x: unknown): unknown => (x === undefined ? null : Array.isArray(x) ? x.map(nullify) : x);

// ---- autograd ----------------------------------------------------------------------------------------

type Tensors = Tensor | Tensor[];
type MaybeTensors = Tensor | (Tensor | null | undefined)[] | null | undefined;

/** torch.autograd.backward / Tensor.backward (PyTorch's checks and messages live in engine/autograd.ts) */
function backwardApi(tensors: Tensors, grads: MaybeTensors, retainGraph: boolean | null | undefined, createGraph: boolean,
  inputs: Tensors | null | undefined): void {
  autogradBackward(tensors, grads ?? null, retainGraph ?? null, createGraph, inputs ?? null);
}

/** torch.autograd.grad: gradients of outputs w.r.t. inputs (None for unused ones with allow_unused) */
function gradApi(outputs: Tensors, inputs: Tensors, grads: MaybeTensors, retainGraph: boolean | null | undefined,
  createGraph: boolean, allowUnused: boolean): (Tensor | undefined)[] {
  return autogradGrad(outputs, inputs, grads ?? null, retainGraph ?? null, createGraph, allowUnused).map((r) => r ?? undefined);
}

const NON_LEAF_GRAD = "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more informations. (Triggered internally at  ./build/aten/src/ATen/core/TensorBody.h:480.)";

function getGrad(t: Tensor): Tensor | undefined {
  if (t.grad === null && !t.retainsGrad && gradFnOf(t) !== null) warn('UserWarning', NON_LEAF_GRAD);
  return t.grad ?? undefined;
}

/** Tensor.grad = g (THPVariable_set_grad's checks) */
function setGrad(t: Tensor, g: Tensor | null | undefined): void {
  if (g != null) {
    check(g.dtype === t.dtype, 'assigned grad has data of a different type');
    check(g.shape.length === t.shape.length && g.shape.every((s, i) => s === t.shape[i]), 'assigned grad has data of a different size');
  }
  t.grad = g ?? null;
}

/** An alias of t's values outside autograd, sharing its version counter (detach-like: Parameter, _make_subclass) */
function dataOf(t: Tensor): Tensor {
  return new Tensor(t.storage, t.shape.slice(), t.strides.slice(), t.offset, t.dtype);
}

/**
 * Tensor.data: an alias of the values with a version counter of its own, so in-place changes through it
 * are not seen by autograd's saved-tensor checks (PyTorch: "changes to .data are not tracked"). The
 * storage object is new, its buffer the same.
 */
function dataAlias(t: Tensor): Tensor {
  const storage = new Storage(t.storage.data, t.storage.device);
  (storage as { inference: boolean }).inference = t.storage.inference;
  return new Tensor(storage, t.shape.slice(), t.strides.slice(), t.offset, t.dtype);
}

/** Tensor.data = src (set_data): t takes src's storage, geometry and dtype, keeping its autograd identity */
function setData(t: Tensor, src: Tensor): void {
  t.storage = src.storage;
  t.shape = src.shape.slice();
  t.strides = src.strides.slice();
  t.offset = src.offset;
  t.dtype = src.dtype;
}

/** x.requires_grad = v (setter) and x.requires_grad_(v): PyTorch words the checks differently */
function setRequiresGrad(t: Tensor, v: boolean, setter: boolean): void {
  autogradSetRequiresGrad(t, v, setter);
}

/** Tensor._make_subclass(cls, data, require_grad): an alias of data outside its graph (set_requires_grad's check) */
function makeSubclass(data: Tensor, requiresGrad: boolean): Tensor {
  if (requiresGrad) check(data.dtype.isFloatingPoint, 'Only Tensors of floating point and complex dtype can require gradients');
  const p = dataOf(data);
  p.requiresGrad = requiresGrad;
  return p;
}

/** nn.Parameter(data, requires_grad): an alias of data that is a leaf */
function makeParameter(data: Tensor, requiresGrad: boolean): Tensor {
  if (requiresGrad) check(data.dtype.isFloatingPoint, 'Only Tensors of floating point and complex dtype can require gradients');
  const p = dataOf(data);
  p.isParameter = true;
  p.requiresGrad = requiresGrad;
  return p;
}

/** JS null reaches Python as pyodide's jsnull; undefined arrives as None */
const orUndef = <T>(x: T | null | undefined): T | undefined => x ?? undefined;

type PyCallable = ((...a: unknown[]) => unknown) & { destroy?: () => void };

/**
 * Tensor.register_hook(hook): `fn` is Python's wrapper, returning what the hook returned (an engine tensor,
 * undefined for None, or another value the engine reports as "hook returned '<type>'"); `name` is the
 * hook's __name__ for the engine's messages.
 */
function registerHook(t: Tensor, fn: PyCallable, name: string): { remove(): void } {
  const h: TensorHook = (g) => fn(g);
  h.hookName = name;
  const handle = autogradRegisterHook(t, h);
  let live = true;
  return { remove: () => { if (live) { live = false; handle.remove(); fn.destroy?.(); } } };
}

/** grad_fn.register_hook(fn): fn(grad_inputs, grad_outputs) after the node ran; may replace grad_inputs */
function registerNodeHook(node: Node, fn: PyCallable): { remove(): void } {
  check(!(node instanceof AccumulateGrad), 'register_hook is not supported on AccumulateGrad nodes here');
  const handle = node.registerHook((gradInputs, gradOutputs) => {
    const r = fn(gradInputs.map(orUndef), gradOutputs.map(orUndef)) as ArrayLike<Tensor | null | undefined> | undefined;
    return r ? Array.from(r, (x) => x ?? null) : undefined;
  });
  let live = true;
  return { remove: () => { if (live) { live = false; handle.remove(); fn.destroy?.(); } } };
}

/** torch.autograd.Function.apply: one node whose backward is Python's (grads in, one grad per input out) */
function recordCustom(name: string, inputs: Tensor[], outputs: Tensor[], fn: PyCallable): void {
  const node = record(name, inputs, outputs, (grads) => Array.from(fn(grads.map(orUndef)) as ArrayLike<Tensor | null | undefined>, (g) => g ?? null));
  if (node) node.userBackward = true;
}

// ---- values --------------------------------------------------------------------------------------------

/** Tensor.item() for Python: floats as their shortest repr string (float() reads it back exactly, -0.0
 * included), ints as number (BigInt past 2^53), bools as boolean */
function item(t: Tensor): number | string | boolean | bigint {
  const v = t.item() as number | boolean;
  if (typeof v === 'boolean') return v;
  if (t.dtype.isFloatingPoint) return String(Object.is(v, -0) ? '-0.0' : v);
  return Number.isSafeInteger(v) ? v : BigInt(v);
}

/** The values in logical order, as the typed array Python reads in one copy (tolist). */
function flat(t: Tensor) {
  return t.contiguousData();
}

const storageIds = new WeakMap<object, number>(); // keyed by the buffer, which .data aliases share
let nextStorageId = 1;

/** Tensor.data_ptr(): a per-storage base (4 GiB apart, never reused) plus the byte offset */
function dataPtr(t: Tensor): bigint {
  let id = storageIds.get(t.storage.data);
  if (id === undefined) storageIds.set(t.storage.data, (id = nextStorageId++));
  return (BigInt(id) << 32n) + BigInt(t.offset * t.dtype.itemsize);
}

function fromBytes(bytes: Uint8Array): Tensor {
  return new Tensor(new Storage(bytes, cpu), [bytes.length], [1], 0, dtypes.uint8);
}

/** torch.get_rng_state() / Generator.get_state() */
const getState = (g: Generator) => fromBytes(g.getState());
/** torch.set_rng_state(t) / Generator.set_state(t) */
function setState(g: Generator, t: Tensor): void {
  if (t.dtype !== dtypes.uint8) {
    throw new TorchError('TypeError', `expected a torch.ByteTensor, but got torch.${t.dtype.legacyName}`);
  }
  g.setState(Uint8Array.from(t.contiguousData()));
}

// ---- the module --------------------------------------------------------------------------------------

const standIns = new Map<string, object>();
const standInKeys = new WeakMap<object, SnapshotKey>();

/** A stand-in for a Python object the engine cannot use: its constructor name is the Python type's. */
function standIn(typeName: string): object {
  let o = standIns.get(typeName);
  if (!o) {
    const ctor = function () { /* named stand-in */ };
    Object.defineProperty(ctor, 'name', { value: typeName });
    o = new (ctor as unknown as new () => object)();
    standIns.set(typeName, o);
    standInKeys.set(o, ['standIn', typeName]);
  }
  return o;
}

let pyWarn: PyCallable | null = null;

/** What `import _gradscope` gives Python. */
function makeApi() {
  return {
    ...deviceApi,
    PyFloat,
    newFloat: (v: number) => new PyFloat(v),
    /** a Python number as PyTorch wraps it for a Tensor argument (0-dim, wrapped-number promotion) */
    wrapNumber: (s: number | boolean | PyFloat) => wrapScalar(s),
    /** a stand-in for a Python object the engine cannot use: its constructor name is the Python type's */
    pyObject: standIn,
    /** a tensor whose proxy type Python compares results against */
    sampleTensor: () => new Tensor(new Storage(new Float32Array(0)), [0], [1], 0, dtypes.float32),
    /** [name, aliases, function?, method?, ns, doc] per op, for generating torch.* and Tensor methods */
    opList: () => allOps().map((o) => [o.def.name, o.def.aliases ?? [], o.function, o.method, o.def.ns ?? 'torch', o.def.doc]),
    opPos, opKw, opHandles,
    /** the handle of a tensor Python holds as a JsProxy (a new one: its Python object releases it) */
    handleOf: (t: Tensor) => newHandle(t),
    tensorOf: handleTensor,
    release: releaseHandles,
    getitem: (self: Tensor, codes: string, ...vals: unknown[]) => {
      return result(dispatch('__getitem__', [self, decodeIndex(codes, vals)], null, true), self);
    },
    /** x[i] for an int i (the common case: no index encoding) */
    getitemInt: (self: Tensor, i: number) => result(dispatch('__getitem__', [self, [i]], null, true), self),
    setitem: (self: Tensor, value: unknown, codes: string, ...vals: unknown[]) => {
      dispatch('__setitem__', [self, decodeIndex(codes, vals), value ?? null], null, true);
    },
    // tensor members
    repr: (t: Tensor) => formatTensor(t),
    dtypeName: (t: Tensor) => t.dtype.name,
    /** the shape as 'd0,d1,...' (a string crosses into Python far cheaper than an array) */
    shape: (t: Tensor) => t.shape.join(','),
    item, flat, dataPtr,
    isParameter: (t: Tensor) => t.isParameter,
    getGrad, setGrad, dataOf, dataAlias, setData, makeParameter, registerHook, registerNodeHook,
    setRequiresGrad, makeSubclass,
    backward: backwardApi, grad: gradApi, recordCustom,
    gradFn: (t: Tensor) => gradFnOf(t) ?? undefined,
    requiresGrad: requiresGradOf,
    isLeaf: (t: Tensor) => gradFnOf(t) === null,
    detachInPlace,
    isInference: (t: Tensor) => t.storage.inference,
    base: (t: Tensor) => t.base ?? undefined,
    nodeName: (n: Node) => n.qualifiedName,
    nodeNext: (n: Node) => n.next.map((e) => (e ? [e.node, e.inputNr] : [undefined, 0])),
    nodeVariable: (n: Node) => (n instanceof AccumulateGrad ? n.variable : undefined),
    // dtypes and promotion
    dtypes,
    dtypeOf: (name: string) => dtypeOf(name),
    getDefaultDType: () => getDefaultDType().name,
    setDefaultDType: (name: string) => setDefaultDType(dtypeOf(name)),
    promoteTypes: (a: string, b: string) => promoteTypes(dtypeOf(a), dtypeOf(b)).name,
    canCast: (a: string, b: string) => canCast(dtypeOf(a), dtypeOf(b)),
    resultType: (a: unknown, b: unknown) => resultTypeOf(a as Tensor, b as Tensor).name,
    // modes
    isGradEnabled, setGradEnabled, isInferenceMode, setInferenceMode,
    // printing
    setPrintOptions: (o: Record<string, unknown>) => setPrintOptions(o),
    getPrintOptions,
    // random
    Generator,
    newGenerator: () => new Generator(),
    defaultGenerator: () => defaultGenerator,
    manualSeed: (s: number | bigint) => manualSeed(s),
    getState, setState,
    // graph panel: torch/_sites.py tells the engine the user's line as each autograd node is recorded
    setSiteProvider: (fn: PyCallable) => setSiteProvider(siteReader(fn)),
    // warnings: Python installs its warnings.warn forwarder once
    setWarnHandler: (fn: PyCallable) => {
      pyWarn?.destroy?.();
      pyWarn = fn;
      setWarningHandler((category: WarningCategory, message: string) => { fn(category, message); });
    },
  };
}

let api: ReturnType<typeof makeApi> | null = null;

/** The `_gradscope` module: one object per thread, which every Pyodide of the thread imports. */
export function torchApi(): ReturnType<typeof makeApi> {
  return (api ??= makeApi());
}

/** The package files (keys relative to engine/python/) under PYTHON_ROOT in Pyodide's file system. */
export function writeTorchFiles(pyodide: PyodideAPI, files: Record<string, string>): void {
  const FS = pyodide.FS;
  const made = new Set<string>();
  for (const [rel, text] of Object.entries(files)) {
    const path = `${PYTHON_ROOT}/${rel.replace(/^\/+/, '')}`;
    const dir = path.slice(0, path.lastIndexOf('/'));
    if (!made.has(dir)) { FS.mkdirTree(dir); made.add(dir); }
    FS.writeFile(path, text);
  }
}

// ---- memory snapshots ----------------------------------------------------------------------------

/**
 * The JSON name of a JS object that Python holds when a Pyodide memory snapshot is taken (worker.ts):
 * a Pyodide restored from the snapshot in another thread gets that thread's object of the same name.
 */
export type SnapshotKey = (string | boolean)[];

export interface SnapshotCodec {
  /** throws for an object it cannot name (the snapshot is then not made) */
  serialize(o: unknown): SnapshotKey;
  deserialize(k: SnapshotKey): unknown;
}

/**
 * Names for what `import torch` leaves Python holding: the `_gradscope` module and its members, op
 * callables, dtypes, the default generator, PyFloats, stand-ins; `modules` adds other JS modules
 * registered with Pyodide (by module name), whose members Python may hold too.
 */
export function snapshotCodec(modules: Record<string, object> = {}): SnapshotCodec {
  const keyOf = new Map<unknown, SnapshotKey>();
  const byKey = new Map<string, unknown>();
  const add = (o: unknown, k: SnapshotKey) => {
    if (o !== null && (typeof o === 'object' || typeof o === 'function') && !keyOf.has(o)) keyOf.set(o, k);
    byKey.set(JSON.stringify(k), o);
  };
  for (const [m, obj] of Object.entries({ _gradscope: torchApi(), ...modules })) {
    add(obj, ['module', m]);
    for (const [k, v] of Object.entries(obj)) add(v, ['module', m, k]);
  }
  for (const d of Object.values(dtypes)) add(d, ['dtype', d.name]);
  add(defaultGenerator, ['generator']);
  return {
    serialize(o) {
      const k = keyOf.get(o) ?? opCallableKeys.get(o as object) ?? standInKeys.get(o as object);
      if (k) return k;
      if (o instanceof PyFloat) return ['float', Object.is(o.value, -0) ? '-0' : String(o.value)];
      const what = typeof o === 'function' ? `function ${o.name || '(anonymous)'}` : `${(o as object)?.constructor?.name ?? typeof o} object`;
      throw new Error(`no snapshot name for a ${what}`);
    },
    deserialize(k) {
      switch (k[0]) {
        case 'op': return ({ pos: opPos, kw: opKw, handles: opHandles }[String(k[3]) as OpKind])(String(k[1]), k[2] === true);
        case 'standIn': return standIn(String(k[1]));
        case 'float': return new PyFloat(Number(k[1]));
      }
      const s = JSON.stringify(k);
      if (!byKey.has(s)) throw new Error(`unknown snapshot name ${s}`);
      return byKey.get(s);
    },
  };
}

/**
 * Make `import torch` work in this Pyodide: write the package files (keys relative to engine/python/,
 * e.g. 'torch/__init__.py') under PYTHON_ROOT, put it first on sys.path, and register `_gradscope`.
 */
export function installTorch(pyodide: PyodideAPI, files: Record<string, string>): void {
  writeTorchFiles(pyodide, files);
  pyodide.registerJsModule('_gradscope', torchApi());
  const scope = pyodide.toPy({});
  pyodide.runPython(`
import sys, importlib
if ${JSON.stringify(PYTHON_ROOT)} not in sys.path:
    sys.path.insert(0, ${JSON.stringify(PYTHON_ROOT)})
for _m in [m for m in sys.modules if m == 'torch' or m.startswith('torch.')]:
    del sys.modules[_m]
importlib.invalidate_caches()
`, { globals: scope });
  scope.destroy();
}

/**
 * Between batch programs: default seed, print options, default dtype float32, grad mode on, warn-once
 * memory cleared; and the Python side's own state when torch is imported.
 */
export function resetTorchState(pyodide: PyodideAPI): void {
  setDefaultDType(dtypes.float32);
  setGradEnabled(true);
  setInferenceMode(false);
  resetPrintOptions();
  resetWarnOnce();
  manualSeed(DEFAULT_RNG_SEED);
  const sys = pyodide.pyimport('sys');
  const modules = sys.modules;
  const torch = modules.get('torch');
  modules.destroy();
  sys.destroy();
  if (torch) {
    torch._reset_state();
    torch.destroy();
  }
}
