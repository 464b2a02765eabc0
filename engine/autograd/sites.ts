// Graph-panel sites: where each backward node was created (the user's file and line, and the
// nn.Module forward calls around it). The runtime installs the provider (setSiteProvider); Node's
// constructor asks it once per node.

/**
 * Where a node was created: the user's file and line, and the nn.Module forward calls it ran inside,
 * outermost first, as `name:Type:call` segments joined by '/' (the runtime's torch/_sites.py).
 */
export interface NodeSite { file: string; line: number; module?: string }

let siteProvider: (() => NodeSite | null) | null = null;
/** The runtime tells the engine the user's current source line; asked only when a node is created. */
export function setSiteProvider(fn: (() => NodeSite | null) | null): void { siteProvider = fn; }
export function currentSite(): NodeSite | null {
  if (!siteProvider) return null;
  try { return siteProvider(); } catch { return null; }
}
