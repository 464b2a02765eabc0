// Pure text helpers for the editor: `# %%` cells, the code a command runs, and the names a run
// assigns (for inline hints). No `vscode` import: unit-tested in plain Node.

export interface Cell {
  /** 0-based first line of the cell's code (the line after the delimiter, or 0 for the first cell) */
  start: number;
  /** 0-based last line (inclusive) */
  end: number;
  /** 0-based line of the delimiter, or -1 for a cell before the first delimiter */
  header: number;
}

/** Build a matcher from the delimiter setting (a regex source, default Jupyter/VS Code's `# %%`). */
export function delimiterRegex(source = '^\\s*#\\s*%%'): RegExp {
  try { return new RegExp(source); } catch { return /^\s*#\s*%%/; }
}

/** Split lines into cells. Text before the first delimiter forms a cell only if it holds code. */
export function findCells(lines: readonly string[], delimiter: RegExp = delimiterRegex()): Cell[] {
  const headers: number[] = [];
  lines.forEach((l, i) => { if (delimiter.test(l)) headers.push(i); });
  if (headers.length === 0) return [];
  const cells: Cell[] = [];
  if (headers[0] > 0 && lines.slice(0, headers[0]).some((l) => l.trim() !== '')) {
    cells.push({ start: 0, end: headers[0] - 1, header: -1 });
  }
  headers.forEach((h, k) => {
    const end = k + 1 < headers.length ? headers[k + 1] - 1 : lines.length - 1;
    cells.push({ start: Math.min(h + 1, lines.length - 1), end: Math.max(end, h), header: h });
  });
  return cells;
}

/** The cell containing a 0-based line, if any. */
export function cellAt(cells: readonly Cell[], line: number): Cell | undefined {
  return cells.find((c) => line >= (c.header >= 0 ? c.header : c.start) && line <= c.end);
}

/**
 * Python's compiler rejects an indented first line; a selection taken from inside a block is
 * dedented by its common leading whitespace so it runs as the user meant.
 */
export function dedent(code: string): string {
  const lines = code.split('\n');
  let common: string | null = null;
  for (const l of lines) {
    if (l.trim() === '') continue;
    const ws = /^[ \t]*/.exec(l)![0];
    if (common === null || !ws.startsWith(common)) {
      if (common === null) common = ws;
      else { let i = 0; while (i < common.length && i < ws.length && common[i] === ws[i]) i++; common = common.slice(0, i); }
    }
  }
  if (!common) return code;
  const n = common.length;
  return lines.map((l) => (l.trim() === '' ? '' : l.slice(n))).join('\n');
}

export interface Assignment {
  /** 0-based line of the statement's end (where the hint goes) */
  line: number;
  /** the assigned name or attribute chain (`loss`, `self.w`, `a`, `b` from `a, b = ...`) */
  names: string[];
}

const ASSIGN = /^\s*((?:[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*\s*,\s*)*[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)\s*(?:(?::\s*[^=]+)?=(?!=)|[-+*/@%&|^]=|\/\/=|\*\*=)/;

/** Top-level-ish assignments in Python source (`x = ...`, `x += ...`, `a, b = ...`, annotated). */
export function pythonAssignments(code: string): Assignment[] {
  const out: Assignment[] = [];
  const lines = code.split('\n');
  let depth = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const line = raw.replace(/#.*$/, '');
    if (depth === 0) {
      const m = ASSIGN.exec(line);
      if (m && !/^\s*(if|elif|while|for|with|def|class|return|lambda|assert)\b/.test(line)) {
        // the statement may continue over bracketed lines: put the hint on its last line
        let j = i, d = bracketDelta(line);
        while (d > 0 && j + 1 < lines.length) { j++; d += bracketDelta(lines[j].replace(/#.*$/, '')); }
        out.push({ line: j, names: m[1].split(',').map((s) => s.trim()) });
        i = j;
        continue;
      }
    }
    depth = Math.max(0, depth + bracketDelta(line));
  }
  return out;
}

/** `const x = ...` / `let x = ...` / `x = ...` in JS/TS. */
export function jsAssignments(code: string): Assignment[] {
  const out: Assignment[] = [];
  code.split('\n').forEach((raw, i) => {
    const m = /^\s*(?:(?:const|let|var)\s+)?([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=(?!=)/.exec(raw);
    if (m) out.push({ line: i, names: [m[1]] });
  });
  return out;
}

function bracketDelta(s: string): number {
  let d = 0;
  let quote: string | null = null;
  for (let k = 0; k < s.length; k++) {
    const c = s[k];
    if (quote) { if (c === '\\') k++; else if (c === quote) quote = null; continue; }
    if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[' || c === '{') d++;
    else if (c === ')' || c === ']' || c === '}') d--;
  }
  return d;
}
