// The panel's stylesheet (inserted by main.ts with the page's CSP nonce). torchviz's colours — ops
// grey, leaves blue, the output green, saved tensors orange — mixed into the VS Code theme's own
// colours, so light, dark and high-contrast themes all read well; NaN/Inf in the error colour. The
// variables live on body: VS Code puts its theme variables on the page's root element.
export const CSS = `
body {
  --gs-fg: var(--vscode-editor-foreground, #333);
  --gs-bg: var(--vscode-editor-background, #fff);
  --gs-border: var(--vscode-editorWidget-border, color-mix(in srgb, var(--gs-fg) 35%, transparent));
  --gs-op: color-mix(in srgb, #9e9e9e 38%, var(--gs-bg));
  --gs-leaf: color-mix(in srgb, #4aa3df 38%, var(--gs-bg));
  --gs-output: color-mix(in srgb, #8bc34a 45%, var(--gs-bg));
  --gs-saved: color-mix(in srgb, #ff9800 42%, var(--gs-bg));
  --gs-module: color-mix(in srgb, #9575cd 30%, var(--gs-bg));
  --gs-edge: color-mix(in srgb, var(--gs-fg) 55%, transparent);
  --gs-bad: var(--vscode-errorForeground, #e51400);
  --gs-warn: var(--vscode-editorWarning-foreground, #bf8803);
  --gs-hl: var(--vscode-editor-findMatchBorder, var(--vscode-focusBorder, #0078d4));
  --gs-sel: var(--vscode-focusBorder, #0078d4);
  --gs-mono: var(--vscode-editor-font-family, monospace);
}
body.vscode-high-contrast, body.vscode-high-contrast-light {
  --gs-op: var(--gs-bg); --gs-leaf: var(--gs-bg); --gs-output: var(--gs-bg); --gs-saved: var(--gs-bg); --gs-module: var(--gs-bg);
  --gs-border: var(--vscode-contrastBorder, var(--gs-fg));
  --gs-edge: var(--gs-fg);
}
html, body { height: 100%; margin: 0; padding: 0; overflow: hidden; color: var(--gs-fg); background: var(--gs-bg);
  font-family: var(--vscode-font-family); font-size: var(--vscode-font-size, 13px); }
#app { display: flex; flex-direction: column; height: 100%; }
.toolbar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; padding: 4px 8px;
  border-bottom: 1px solid var(--vscode-panel-border, var(--gs-border)); }
.toolbar select, .toolbar button { font: inherit; color: var(--vscode-button-secondaryForeground, var(--gs-fg));
  background: var(--vscode-button-secondaryBackground, transparent); border: 1px solid var(--vscode-button-border, var(--gs-border));
  border-radius: 2px; padding: 2px 8px; }
.toolbar select { color: var(--vscode-dropdown-foreground); background: var(--vscode-dropdown-background); border-color: var(--vscode-dropdown-border, var(--gs-border)); max-width: 22em; }
.toolbar button:hover { background: var(--vscode-button-secondaryHoverBackground, var(--gs-op)); }
.toolbar label { display: inline-flex; gap: 3px; align-items: center; }
.toolbar .status { margin-left: auto; opacity: 0.75; white-space: nowrap; }
.toolbar .busy { color: var(--gs-warn); }
.main { position: relative; flex: 1; min-height: 0; display: flex; }
.canvas { position: relative; flex: 1; min-width: 0; }
.message { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center; padding: 2em; text-align: center; opacity: 0.8; pointer-events: none; }
.details { width: 300px; max-width: 40%; overflow: auto; padding: 8px 10px; border-left: 1px solid var(--vscode-panel-border, var(--gs-border)); }
.details[hidden] { display: none; }
.details h3 { margin: 0 0 6px; font-size: 1.05em; font-family: var(--gs-mono); word-break: break-all; }
.details pre { font-family: var(--gs-mono); font-size: 12px; white-space: pre; overflow-x: auto; margin: 4px 0 8px; }
.details .k { opacity: 0.7; }
.details .bad { color: var(--gs-bad); }
.details .warn { color: var(--gs-warn); }
.details a { color: var(--vscode-textLink-foreground); cursor: pointer; }
svg.graph { width: 100%; height: 100%; display: block; cursor: grab; user-select: none; }
svg.graph.panning { cursor: grabbing; }
.graph text { font-family: var(--gs-mono); font-size: 12px; fill: var(--gs-fg); white-space: pre; }
.graph .node .box { stroke: var(--gs-border); stroke-width: 1; }
.graph .node .title { font-weight: 600; }
.graph .node .meta { opacity: 0.8; }
.graph .node .grad-line { fill: var(--gs-fg); }
.graph .kind-op .box { fill: var(--gs-op); }
.graph .kind-leaf .box { fill: var(--gs-leaf); }
.graph .kind-output .box { fill: var(--gs-output); }
.graph .kind-saved .box { fill: var(--gs-saved); }
.graph .kind-module .box { fill: var(--gs-module); stroke-dasharray: 5 3; stroke-width: 1.5; }
.graph .kind-module { cursor: zoom-in; }
.graph .node.linked { cursor: pointer; }
.graph .node.released .box { stroke-dasharray: 3 2; }
.graph .node.flag-nonfinite .box { stroke: var(--gs-bad); stroke-width: 2.5; }
.graph .node.flag-nonfinite .grad-line, .graph .flags { fill: var(--gs-bad); }
.graph .node.flag-vanishing .flags, .graph .node.flag-exploding .flags { fill: var(--gs-warn); }
.graph .node.flag-vanishing .box, .graph .node.flag-exploding .box { stroke: var(--gs-warn); stroke-width: 2; }
.graph .node.hl .box { stroke: var(--gs-hl); stroke-width: 3; }
.graph .node.selected .box { stroke: var(--gs-sel); stroke-width: 3; }
.graph .node:focus { outline: none; }
.graph .heatmap .cell-bad { fill: var(--gs-bad); }
.graph .edge path { fill: none; stroke: var(--gs-edge); stroke-width: 1.2; }
.graph .edge.nonfinite path { stroke: var(--gs-bad); stroke-width: 2; }
.graph .arrowhead { fill: var(--gs-edge); }
.graph .arrowhead.bad { fill: var(--gs-bad); }
.graph .edge-grad { font-size: 10px; opacity: 0.85; }
.graph .edge-grad.flag-nonfinite { fill: var(--gs-bad); opacity: 1; }
.graph .edge-grad.flag-vanishing, .graph .edge-grad.flag-exploding { fill: var(--gs-warn); opacity: 1; }
.graph .frame rect { fill: color-mix(in srgb, var(--gs-module) 35%, transparent); stroke: var(--gs-border); stroke-dasharray: 4 3; }
.graph .frame-label { font-size: 11px; opacity: 0.85; cursor: zoom-out; }
`;
