// The workspace the in-VS Code suite opens (the same files the code-server e2e suite uses:
// test/e2e/extension.e2e.test.mjs). The suite finds lines by their text, not by number.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** real PyTorch's output for the corpus programs: the suite's expected texts */
export const corpusPath = path.resolve(root, '../shared/conformance/public.jsonl');

export const FILES = {
  'tutorial.py': `import torch

tensor_0d = torch.tensor(1)
tensor_1d = torch.tensor([1, 2, 3])
tensor_2d = torch.tensor([[1, 2, 3], [4, 5, 6]])
print(tensor_2d)
# %%
print(tensor_2d.shape)
doubled = tensor_2d.float() * 2
# %%
print("last cell")
`,
  'broken.py': 'import torch\nt = torch.arange(6)\nbad = t.view(4, 2)\nprint("unreached")\n',
  'loop.py': 'n = 0\nwhile True:\n    n += 1\n',
};

/** A fresh temporary folder holding FILES, plus the settings the suite relies on. */
export function makeWorkspace() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-electron-'));
  const ws = path.join(tmp, 'ws');
  const userData = path.join(tmp, 'user-data');
  fs.mkdirSync(ws, { recursive: true });
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  for (const [name, text] of Object.entries(FILES)) fs.writeFileSync(path.join(ws, name), text);
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({
    'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off',
    'update.mode': 'none', 'extensions.autoUpdate': false, 'extensions.autoCheckUpdates': false, 'files.autoSave': 'off',
  }, null, 1));
  return { tmp, ws, userData };
}
