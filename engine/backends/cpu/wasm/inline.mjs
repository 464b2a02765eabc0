// A small build-time inliner for the WebAssembly text kernels. V8 (Node 20) does not inline
// wasm-to-wasm calls, and a call that passes v128 values spills every live vector register, so the
// tiny helpers that sleef.wat is written with ($fma, the double-float operations, ...) would cost
// more than their arithmetic. A .wat file may list helpers in directive lines (one or more)
//   ;; inline: $fma $add2 ...
// and every `(call $helper ...)` to one of them (in any function, nested helpers included) is
// replaced by the helper's body: the call's operands are evaluated as before, stored into fresh
// caller locals standing for the helper's parameters, and the body runs inside a block typed like
// the helper (operands the call takes from the enclosing stack become block parameters). Rules for
// inlined helpers: named parameters and locals, no `return`, no labels, and no local read before
// it is written (inlined locals are not re-zeroed). Functions that no export or table reaches
// (inlined helpers, unused copies) are then dropped.
//
// A second directive makes variants:
//   ;; variant _exact: $fma=$fma_exact
// copies every function that calls $fma (directly or through other functions) as <name>_exact, in
// which the calls go to $fma_exact and to the other copies; copies keep no exports and are called,
// neither inlined nor inlined into (they are the rare slow path: small code matters more there).
// A `;; copy` line does the same for templates, after every variant line:
//   ;; copy _expf: $lane=$expf $lane_exact=$expf_exact
// copies the functions that call $lane or $lane_exact as <name>_expf, and these copies are ordinary
// functions: helpers are inlined into them, and a copy of a helper is a helper (sleef.wat makes one
// loop per lane function this way, and its max and sum reductions).
//
// A third one shares a source between builds:
//   ;; include: other.wat
// makes the file's module other.wat's (from the same folder, its directives included) with this file's
// module fields merged in: a func, global or type named like one of other.wat's replaces it in place,
// anything else is added. sleef.relaxed.wat is sleef.wat with its fma and a few helpers swapped so.
// Files without any directive pass unchanged.

/** S-expressions of wat text: atoms are strings, lists are arrays (comments dropped). */
function parse(text) {
  const stack = [[]];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r') { i++; continue; }
    if (c === ';' && text[i + 1] === ';') { while (i < n && text[i] !== '\n') i++; continue; }
    if (c === '(' && text[i + 1] === ';') {
      let depth = 1;
      i += 2;
      while (i < n && depth) {
        if (text[i] === '(' && text[i + 1] === ';') { depth++; i += 2; } else if (text[i] === ';' && text[i + 1] === ')') { depth--; i += 2; } else i++;
      }
      continue;
    }
    if (c === '(') { const l = []; stack[stack.length - 1].push(l); stack.push(l); i++; continue; }
    if (c === ')') { stack.pop(); i++; continue; }
    let j = i;
    if (c === '"') { j++; while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1; j++; } else {
      while (j < n && !' \n\t\r()'.includes(text[j]) && !(text[j] === ';' && text[j + 1] === ';')) j++;
    }
    stack[stack.length - 1].push(text.slice(i, j));
    i = j;
  }
  return stack[0];
}

/** wat text of an S-expression: one line per module field, each function instruction on its own line */
const flat = (x) => (Array.isArray(x) ? `(${x.map(flat).join(' ')})` : x);
const print = (mod) => `(${mod[0]}\n${mod.slice(1).map((f) => (isDecl(f, 'func') ? `  (${f.map(flat).join('\n    ')})` : `  ${flat(f)}`)).join('\n')})`;

const isDecl = (x, kind) => Array.isArray(x) && x[0] === kind;

/** the inlined form of helper `f`'s body, with `count` of its operands folded in the call */
function expansion(helpers, f, args, newLocals, counter) {
  const fn = helpers.get(f);
  const id = counter.next++;
  const rename = new Map();
  const params = [];
  const results = [];
  let k = 2;
  for (; k < fn.length; k++) {
    const d = fn[k];
    if (isDecl(d, 'param') || isDecl(d, 'local')) {
      if (d.length !== 3 || !d[1].startsWith('$')) throw new Error(`inline ${f}: declare one named ${d[0]} per clause`);
      const name = `${f}.${id}.${d[1].slice(1)}`;
      rename.set(d[1], name);
      newLocals.push(['local', name, d[2]]);
      if (d[0] === 'param') params.push([name, d[2]]);
    } else if (isDecl(d, 'result')) results.push(...d.slice(1));
    else if (isDecl(d, 'export')) continue;
    else break;
  }
  const body = fn.slice(k).map((x) => rewrite(x, rename, f));
  const fromStack = params.length - args.length;
  if (fromStack < 0) throw new Error(`inline ${f}: too many operands`);
  const block = ['block'];
  if (fromStack) block.push(['param', ...params.slice(0, fromStack).map((p) => p[1])]);
  if (results.length) block.push(['result', ...results]);
  block.push(...args);
  for (let p = params.length - 1; p >= 0; p--) block.push(['local.set', params[p][0]]);
  block.push(...body.map((x) => expand(x, helpers, newLocals, counter)));
  return block;
}

function rewrite(x, rename, f) {
  if (!Array.isArray(x)) return x;
  if (x[0] === 'return' || x[0] === 'block' || x[0] === 'loop' || x[0] === 'br' || x[0] === 'br_if') throw new Error(`inline ${f}: ${x[0]} is not supported`);
  if ((x[0] === 'local.get' || x[0] === 'local.set' || x[0] === 'local.tee') && rename.has(x[1])) return [x[0], rename.get(x[1]), ...x.slice(2).map((y) => rewrite(y, rename, f))];
  return x.map((y) => rewrite(y, rename, f));
}

function expand(x, helpers, newLocals, counter) {
  if (!Array.isArray(x)) return x;
  const y = x.map((c) => expand(c, helpers, newLocals, counter));
  if (y[0] === 'call' && helpers.has(y[1])) return expansion(helpers, y[1], y.slice(2), newLocals, counter);
  return y;
}

const calls = (x, out = new Set()) => {
  if (Array.isArray(x)) { if (x[0] === 'call') out.add(x[1]); for (const y of x) calls(y, out); }
  return out;
};

/**
 * the module with the `;; variant` and `;; copy` copies added; returns the variants' suffixes and the
 * `copy` copies of the helpers in `names`
 */
function addVariants(mod, text, names) {
  const suffixes = [], helpers = [];
  const lines = [...text.matchAll(/^\s*;;\s*(variant|copy)\s+(\S+):(.*)$/gm)];
  for (const v of [...lines.filter((l) => l[1] === 'variant'), ...lines.filter((l) => l[1] === 'copy')]) {
    const suffix = v[2];
    if (v[1] === 'variant') suffixes.push(suffix);
    const swap = new Map(v[3].trim().split(/\s+/).map((kv) => kv.split('=')));
    const funcs = mod.filter((x) => isDecl(x, 'func'));
    // functions reaching a swapped one
    const reach = new Set();
    for (let grew = true; grew;) {
      grew = false;
      for (const f of funcs) {
        if (reach.has(f[1]) || swap.has(f[1]) || [...swap.values()].includes(f[1])) continue;
        if ([...calls(f)].some((c) => swap.has(c) || reach.has(c))) { reach.add(f[1]); grew = true; }
      }
    }
    const rename = (x) => {
      if (!Array.isArray(x)) return x;
      if (x[0] === 'call') return ['call', swap.get(x[1]) ?? (reach.has(x[1]) ? x[1] + suffix : x[1]), ...x.slice(2).map(rename)];
      return x.map(rename);
    };
    for (const f of funcs) {
      if (!reach.has(f[1])) continue;
      mod.push(['func', f[1] + suffix, ...f.slice(2).filter((d) => !isDecl(d, 'export')).map(rename)]);
      if (v[1] === 'copy' && names.includes(f[1])) helpers.push(f[1] + suffix);
    }
  }
  return { suffixes, helpers };
}

/** fields named like a field of `base` (same kind and $name) replace it; the others are appended */
function merge(base, own) {
  const key = (x) => (Array.isArray(x) && ['func', 'global', 'type'].includes(x[0]) && typeof x[1] === 'string' && x[1].startsWith('$') ? `${x[0]} ${x[1]}` : null);
  const at = new Map(base.map((x, i) => [key(x), i]).filter(([k]) => k));
  for (const x of own.slice(1)) {
    const k = key(x);
    if (k && at.has(k)) base[at.get(k)] = x; else base.push(x);
  }
  return base;
}

/** the module of wat text with its `;; include:` resolved, and the text its directives are read from */
function load(text, read, depth = 0) {
  const inc = /^\s*;;\s*include:\s*(\S+)\s*$/m.exec(text);
  const [mod] = parse(text);
  if (!inc) return { mod, directives: text };
  if (!read || depth > 8) throw new Error(`include ${inc[1]}: no reader (or includes nest too deep)`);
  const base = load(read(inc[1]), read, depth + 1);
  return { mod: merge(base.mod, mod), directives: `${base.directives}\n${text}` };
}

/**
 * wat text with its `;; include:` resolved (`read(name)` gives an included file's text) and the calls to
 * the helpers named in its `;; inline:` directives expanded.
 */
export function inlineWat(text, { read } = {}) {
  if (!/^\s*;;\s*(inline|include):/m.test(text)) return text;
  const { mod, directives } = load(text, read);
  const lines = [...directives.matchAll(/^\s*;;\s*inline:(.*)$/gm)];
  if (!lines.length) return `;; generated by inline.mjs from the .wat source\n${print(mod)}\n`;
  const names = [...new Set(lines.flatMap((m) => m[1].trim().split(/\s+/)))];
  const { suffixes, helpers: made } = addVariants(mod, directives, names);
  names.push(...made);
  const helpers = new Map();
  for (const x of mod) if (isDecl(x, 'func') && names.includes(x[1])) helpers.set(x[1], x);
  for (const nm of names) if (!helpers.has(nm)) throw new Error(`inline: no function ${nm}`);
  const counter = { next: 0 };
  const out = mod.map((x) => {
    if (!isDecl(x, 'func') || suffixes.some((sfx) => typeof x[1] === 'string' && x[1].endsWith(sfx))) return x;
    const newLocals = [];
    let k = 1;
    while (k < x.length && (!Array.isArray(x[k]) || ['param', 'result', 'local', 'export', 'type'].includes(x[k][0]))) k++;
    const body = x.slice(k).map((c) => expand(c, helpers, newLocals, counter));
    return [...x.slice(0, k), ...newLocals, ...body];
  });
  // keep only what an export or a table reaches (inlined helpers, unused variant copies go)
  const keep = new Set();
  for (const x of out) {
    if (isDecl(x, 'elem')) for (const y of x) if (typeof y === 'string' && y.startsWith('$')) keep.add(y);
    if (isDecl(x, 'func') && x.some((d) => isDecl(d, 'export'))) keep.add(x[1]);
  }
  const byName = new Map(out.filter((x) => isDecl(x, 'func')).map((x) => [x[1], x]));
  for (const todo = [...keep]; todo.length;) for (const c of calls(byName.get(todo.pop()) ?? [])) if (!keep.has(c)) { keep.add(c); todo.push(c); }
  for (let k = out.length - 1; k >= 0; k--) if (isDecl(out[k], 'func') && !keep.has(out[k][1])) out.splice(k, 1);
  return `;; generated by inline.mjs from the .wat source\n${print(out)}\n`;
}
