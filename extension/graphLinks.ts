// Pure links between a graph snapshot and the source (no `vscode` import): which line a node came
// from (ops: the line the runtime recorded; leaves and outputs: where their variable is assigned),
// and which nodes a line created (the editor's cursor line highlights them in the panel).
import type { GraphNodeSnapshot, GraphSnapshot } from '../engine/graph';

export interface SourceLine { file: string; line: number }

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * 1-based line of the first assignment of `name` (`w1 = ...`, `w1: T = ...`, `a, w1 = ...`); for a
 * module parameter `model.fc1.weight` the line that sets `self.fc1 = ...`, else where `model` is assigned.
 */
export function findAssignment(lines: readonly string[], name: string): number | null {
  const parts = name.split('.');
  const find = (re: RegExp) => { const i = lines.findIndex((l) => re.test(l.replace(/#.*$/, ''))); return i >= 0 ? i + 1 : null; };
  const plain = (n: string) => new RegExp(`^\\s*(?:[\\w\\s,]*,\\s*)?${esc(n)}\\s*(?::[^=]+)?(?:,[\\w\\s,]*)?=(?!=)`);
  if (parts.length === 1) return find(plain(parts[0]));
  if (parts.length >= 3) {
    const attr = find(new RegExp(`^\\s*self\\.${esc(parts[parts.length - 2])}\\s*=(?!=)`));
    if (attr) return attr;
  }
  return find(plain(parts[0]));
}

interface Index { byId: Map<string, GraphNodeSnapshot>; into: Map<string, string[]>; outOf: Map<string, string[]> }

function indexOf(s: GraphSnapshot): Index {
  const byId = new Map(s.nodes.map((n) => [n.id, n]));
  const into = new Map<string, string[]>(), outOf = new Map<string, string[]>();
  for (const e of s.edges) {
    into.set(e.to, [...(into.get(e.to) ?? []), e.from]);
    outOf.set(e.from, [...(outOf.get(e.from) ?? []), e.to]);
  }
  return { byId, into, outOf };
}

function sourceIn(ix: Index, nodeId: string, linesOf: (file: string) => readonly string[] | null): SourceLine | null {
  const n = ix.byId.get(nodeId);
  if (!n) return null;
  if (n.site) return { file: n.site.file, line: n.site.line };
  // leaves and saved tensors: the file of an op they feed; outputs: the op that made them
  const near = (n.kind === 'output' ? ix.into.get(n.id) : ix.outOf.get(n.id)) ?? [];
  const site = near.map((id) => ix.byId.get(id)?.site).find((x) => !!x);
  if (!site) return null;
  if (n.kind === 'saved') return { ...site };
  const lines = linesOf(site.file);
  const assigned = lines ? findAssignment(lines, n.name) : null;
  return { file: site.file, line: assigned ?? site.line };
}

/** Where a node of the snapshot came from; `linesOf` gives a file's current text (null when unknown). */
export function sourceOf(s: GraphSnapshot, nodeId: string, linesOf: (file: string) => readonly string[] | null): SourceLine | null {
  return sourceIn(indexOf(s), nodeId, linesOf);
}

/** Ids of the nodes a source line created: ops recorded there, leaves and outputs assigned there. */
export function nodesAtLine(s: GraphSnapshot, file: string, line: number, lines: readonly string[] | null): string[] {
  const out: string[] = [];
  let ix: Index | null = null;
  for (const n of s.nodes) {
    if (n.site) { if (n.site.file === file && n.site.line === line) out.push(n.id); continue; }
    if ((n.kind === 'leaf' || n.kind === 'output') && lines) {
      ix ??= indexOf(s);
      const src = sourceIn(ix, n.id, (f) => (f === file ? lines : null));
      if (src && src.file === file && src.line === line) out.push(n.id);
    }
  }
  return out;
}
