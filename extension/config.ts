// Settings (contributes.configuration in package.json) read in one place.
import * as vscode from 'vscode';

export interface GradscopeConfig {
  inlineHints: boolean;
  cellDelimiter: string;
  printPrecision: number;
  printLinewidth: number;
  device: 'auto' | 'cpu' | 'webgpu';
  webgpuAdapter: 'webview' | 'dawn';
  cudaAlias: boolean;
}

/**
 * The runtime's device for the settings: 'auto' keeps new tensors on the CPU, and with the Dawn adapter
 * also offloads large float32 matrix products to a hardware GPU that computes them bit for bit as the
 * CPU does (engine/backends/webgpu/offload.ts); with the webview adapter it stays 'cpu' (offloading
 * would open the GPU webview on the first large product).
 */
export const defaultDevice = (c: Pick<GradscopeConfig, 'device' | 'webgpuAdapter'>): 'cpu' | 'webgpu' | 'auto' =>
  (c.device === 'webgpu' ? 'webgpu' : c.device === 'auto' && c.webgpuAdapter === 'dawn' ? 'auto' : 'cpu');

export function readConfig(): GradscopeConfig {
  const c = vscode.workspace.getConfiguration('gradscope');
  return {
    inlineHints: c.get<boolean>('inlineHints', true),
    cellDelimiter: c.get<string>('cellDelimiter', '^\\s*#\\s*%%'),
    printPrecision: c.get<number>('print.precision', 4),
    printLinewidth: c.get<number>('print.linewidth', 80),
    device: c.get<'auto' | 'cpu' | 'webgpu'>('device', 'auto'),
    webgpuAdapter: c.get<'webview' | 'dawn'>('webgpu.adapter', 'webview'),
    cudaAlias: c.get<boolean>('cudaAlias', false),
  };
}

/** Python run silently when a session starts, applying the print settings (only when not default). */
export function setupCode(c: GradscopeConfig): string {
  if (c.printPrecision === 4 && c.printLinewidth === 80) return '';
  return `import torch as _gs_torch\n_gs_torch.set_printoptions(precision=${Math.trunc(c.printPrecision)}, linewidth=${Math.trunc(c.printLinewidth)})\ndel _gs_torch\n`;
}
