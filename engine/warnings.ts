// Warnings raised by the engine. The Python runtime installs a handler that forwards them to
// Python's `warnings` module; plain Node prints them on stderr like Python's default format.
export type WarningCategory = 'UserWarning' | 'DeprecationWarning' | 'RuntimeWarning' | 'FutureWarning';

type Handler = (category: WarningCategory, message: string) => void;

let handler: Handler = (category, message) => {
  process.stderr.write(`${category}: ${message}\n`);
};
const onceSeen = new Set<string>();

export function setWarningHandler(h: Handler): void { handler = h; }
/** The handler now installed (the runtime swaps in its own for JS runs and puts this one back). */
export function getWarningHandler(): Handler { return handler; }

export function warn(category: WarningCategory, message: string): void {
  handler(category, message);
}

/** TORCH_WARN_ONCE: once per process (per session) for the same text. */
export function warnOnce(category: WarningCategory, message: string): void {
  if (onceSeen.has(message)) return;
  onceSeen.add(message);
  handler(category, message);
}

export function resetWarnOnce(): void { onceSeen.clear(); }
