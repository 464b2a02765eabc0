// The worker's side of notebook cells: installs the cell modules (cellsPy.ts, prettyPy.ts, ipytbPy.ts)
// into Pyodide, runs a cell through _gradscope_cells.run_cell, and turns what the cell displays into
// DisplayParams (with a TensorView when the value is a tensor) for the caller.
import type { PyodideAPI } from 'pyodide';
import { Tensor } from '../tensor';
import { CELLS_MODULE, CELLS_PY } from './cellsPy';
import { IPYTB_MODULE, IPYTB_PY } from './ipytbPy';
import { PRETTY_MODULE, PRETTY_PY } from './prettyPy';
import type { DisplayParams, RunError, TensorView } from './protocol';

/** Heatmaps for 2-D floating tensors up to this many elements and this many rows or columns. */
export const HEATMAP_MAX_ELEMENTS = 4096;
export const HEATMAP_MAX_SIDE = 128;

/** Write the cell modules beside the runner (dir is on sys.path). */
export function installCellModules(p: PyodideAPI, dir: string): void {
  p.FS.writeFile(`${dir}/${PRETTY_MODULE}.py`, PRETTY_PY);
  p.FS.writeFile(`${dir}/${IPYTB_MODULE}.py`, IPYTB_PY);
  p.FS.writeFile(`${dir}/${CELLS_MODULE}.py`, CELLS_PY);
}

interface CellsModule {
  run_cell(code: string, file: string, count: number, fresh: boolean): { error: RunError & { traceback_lines?: string[] } | null; exit_code: number };
}

let cells: CellsModule | null = null;

/** Run one cell (the runner module is loaded already). */
export function runCell(p: PyodideAPI, code: string, file: string, count: number, fresh: boolean): { error: RunError | null; exitCode: number } {
  cells ??= p.pyimport(CELLS_MODULE) as unknown as CellsModule;
  const r = cells.run_cell(code, file, count, fresh);
  if (!r.error) return { error: null, exitCode: r.exit_code };
  const { traceback_lines: lines, ...rest } = r.error;
  return { error: { ...rest, line: rest.line ?? null, tracebackLines: lines ? Array.from(lines) : undefined }, exitCode: r.exit_code };
}

/** What a tensor output shows besides its text: metadata, and the values of a small 2-D float tensor. */
export function tensorView(t: Tensor): TensorView {
  const view: TensorView = {
    shape: t.shape.slice(), dtype: `torch.${t.dtype.name}`, device: String(t.device), requiresGrad: t.requiresGrad,
    gradFn: t.gradFn ? t.gradFn.name : null, isParameter: t.isParameter, numel: t.numel(),
  };
  const [rows, cols] = t.shape;
  if (t.shape.length === 2 && t.dtype.category === 'float' && t.numel() > 0 && t.numel() <= HEATMAP_MAX_ELEMENTS
    && rows <= HEATMAP_MAX_SIDE && cols <= HEATMAP_MAX_SIDE) {
    const data = t.contiguousData();
    let min = Infinity, max = -Infinity;
    const values: (number | null)[] = [];
    for (let i = 0; i < data.length; i++) {
      const v = Number(data[i]);
      if (Number.isFinite(v)) {
        if (v < min) min = v;
        if (v > max) max = v;
        values.push(v);
      } else {
        values.push(null); // NaN and ±inf travel as null (structured clone keeps them, JSON would not)
      }
    }
    view.heatmap = { rows, cols, values, min: min === Infinity ? null : min, max: max === -Infinity ? null : max };
  }
  return view;
}

/** The JS function Python's cells module calls as emit_display(kind, count, data_json, md_json, tensor). */
export function displayEmitter(post: (d: DisplayParams) => void, runId: () => number) {
  return (kind: string, count: number | undefined, data: string, md: string, tensor: unknown): void => {
    post({
      runId: runId(), kind: kind === 'result' ? 'result' : 'display', executionCount: typeof count === 'number' ? count : null,
      data: JSON.parse(data) as Record<string, unknown>, metadata: JSON.parse(md) as Record<string, unknown>,
      tensor: tensor instanceof Tensor ? tensorView(tensor) : undefined,
    });
  };
}
