// extension/config.ts: which device the runtime gets for the device settings.
import { describe, expect, it, vi } from 'vitest';

vi.mock('vscode', () => ({}));
const { defaultDevice } = await import('../../extension/config');

describe('defaultDevice', () => {
  it('webgpu is webgpu with either adapter; cpu is cpu', () => {
    expect(defaultDevice({ device: 'webgpu', webgpuAdapter: 'webview' })).toBe('webgpu');
    expect(defaultDevice({ device: 'webgpu', webgpuAdapter: 'dawn' })).toBe('webgpu');
    expect(defaultDevice({ device: 'cpu', webgpuAdapter: 'dawn' })).toBe('cpu');
  });
  it("auto offloads (the runtime's 'auto') with Dawn only: the webview would open on the first large product", () => {
    expect(defaultDevice({ device: 'auto', webgpuAdapter: 'dawn' })).toBe('auto');
    expect(defaultDevice({ device: 'auto', webgpuAdapter: 'webview' })).toBe('cpu');
  });
});
