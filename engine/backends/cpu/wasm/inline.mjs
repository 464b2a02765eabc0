// A small build-time inliner for the WebAssembly text kernels. V8 (Node 20) does not inline
// wasm-to-wasm calls, and a call that passes v128 values spills every live vector register, so the
// tiny helpers that sleef.wat is written with ($fma, the double-float operations, ...) would cost
// more than their arithmetic. A .wat file may list helpers in a directive line
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
// which the calls go to $fma_exact and to the other copies; copies keep no exports (a table names
// them) and are not inlined into (they are the rare slow path: small code matters more there).
// Files without either directive pass unchanged.

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

/** the module with the `;; variant` copies added; returns the names of the copies made from helpers */
function addVariants(mod, text, names) {
  const made = [];
  made.suffixes = [];
  for (const v of text.matchAll(/^\s*;;\s*variant\s+(\S+):(.*)$/gm)) {
    const suffix = v[1];
    made.suffixes.push(suffix);
    const swap = new Map(v[2].trim().split(/\s+/).map((kv) => kv.split('=')));
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
      if (names.includes(f[1])) made.push(f[1] + suffix);
    }
  }
  return made;
}

/** wat text with the calls to the helpers named in its `;; inline:` directive expanded. */
export function inlineWat(text) {
  const m = /^\s*;;\s*inline:(.*)$/m.exec(text);
  if (!m) return text;
  const names = m[1].trim().split(/\s+/);
  const [mod] = parse(text);
  const made = addVariants(mod, text, names);
  names.push(...made);
  const helpers = new Map();
  for (const x of mod) if (isDecl(x, 'func') && names.includes(x[1])) helpers.set(x[1], x);
  for (const nm of names) if (!helpers.has(nm)) throw new Error(`inline: no function ${nm}`);
  const counter = { next: 0 };
  const out = mod.map((x) => {
    if (!isDecl(x, 'func') || made.suffixes.some((sfx) => typeof x[1] === 'string' && x[1].endsWith(sfx))) return x;
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
