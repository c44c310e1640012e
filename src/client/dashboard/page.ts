/**
 * The dashboard's HTML page (the script is `build/dashboard.js`, bundled from `app.ts`).
 *
 * @module
 */

/** The page served at `/`. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AlphaPulse — live books</title>
<style>
  :root { color-scheme: dark; --bg:#0d1117; --card:#161b22; --fg:#e6edf3; --dim:#8b949e; --bid:#2ea043; --ask:#f85149; }
  * { box-sizing: border-box; }
  body { margin:0; font: 13px/1.35 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background:var(--bg); color:var(--fg); }
  header.top { display:flex; gap:16px; align-items:baseline; padding:12px 16px; border-bottom:1px solid #30363d; flex-wrap:wrap; }
  header.top h1 { font-size:16px; margin:0; }
  #conn { color:var(--dim); }
  main { display:grid; grid-template-columns: 1fr 320px; gap:12px; padding:12px; }
  #books { display:grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap:12px; align-content:start; }
  .book { background:var(--card); border:1px solid #30363d; border-radius:6px; padding:8px; }
  .book header { display:flex; gap:8px; align-items:baseline; }
  .book h2 { font-size:14px; margin:0; }
  .venue { color:var(--dim); }
  .state { margin-left:auto; font-size:11px; padding:1px 6px; border-radius:10px; }
  .is-live { background:#1f6f3a; } .is-stale { background:#8a3b12; }
  .meta { color:var(--dim); font-size:11px; margin:4px 0; min-height:1.4em; }
  .lvl { position:relative; display:flex; justify-content:space-between; padding:0 4px; height:17px; }
  .lvl .bar { position:absolute; right:0; top:1px; bottom:1px; opacity:.25; }
  .bid .bar { background:var(--bid); } .ask .bar { background:var(--ask); }
  .bid .px { color:var(--bid); } .ask .px { color:var(--ask); }
  .px, .sz { position:relative; }
  .spread-row { text-align:center; color:var(--dim); font-size:11px; border-top:1px dashed #30363d; border-bottom:1px dashed #30363d; margin:2px 0; }
  aside { background:var(--card); border:1px solid #30363d; border-radius:6px; padding:8px; max-height:calc(100vh - 80px); overflow:hidden; }
  aside h2 { font-size:14px; margin:0 0 6px; }
  #tape div { white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
  #tape .buy { color:var(--bid); } #tape .sell { color:var(--ask); }
  @media (max-width: 800px) { main { grid-template-columns: 1fr; } }
</style>
</head>
<body>
<header class="top"><h1>AlphaPulse</h1><span id="conn">connecting…</span></header>
<main><div id="books"></div><aside><h2>Trades</h2><div id="tape"></div></aside></main>
<script type="module" src="/dashboard.js"></script>
</body>
</html>
`;
