/**
 * The stylesheet of report.html (./report.ts), inlined into its <style>: no fonts, no remote
 * resources. Class names are the ones the report's sections write.
 */
export const REPORT_CSS = `
:root{--fg:#1d2330;--muted:#6b7280;--line:#e3e6eb;--bg:#ffffff;--soft:#f6f7f9;--seen:#2f6f4f;--seen-bg:#e6f4ec;--unseen:#9a4d00;--unseen-bg:#fff1e0;--bad:#b42318;--bad-bg:#fde8e6;--ok:#1f7a3a;--ok-bg:#e5f5ea}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif}
main{max-width:1240px;margin:0 auto;padding:24px 28px 64px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:40px 0 8px;padding-bottom:6px;border-bottom:2px solid var(--line)}
h3{font-size:16px;margin:24px 0 8px}h4{font-size:14px;margin:16px 0 6px}
.meta,.k,.intro,.none{color:var(--muted)}.intro{margin:0 0 12px;max-width:900px}.none{font-style:italic}
nav{margin:12px 0 0;display:flex;flex-wrap:wrap;gap:6px 14px;font-size:13px}nav a{color:#2456a6;text-decoration:none}nav a:hover{text-decoration:underline}
ul.notes{background:var(--soft);border-left:4px solid #c9ced6;padding:8px 12px 8px 28px;margin:12px 0}
table{border-collapse:collapse;margin:6px 0 12px;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid var(--line);padding:5px 10px;text-align:left;vertical-align:top}
tr:first-child th{border-bottom:2px solid #cfd4db;font-weight:600;vertical-align:bottom}
th[scope=row]{font-weight:500}
.num{text-align:right;white-space:nowrap}
.v{font-weight:600}.ci{color:var(--muted);font-size:12px}.k{font-size:11px;color:var(--muted)}.b{display:block}
table.headline tr.key th,table.headline tr.key td{background:#f3f6fb}
table.headline td{min-width:170px}
tr.unseen th.combo{color:var(--unseen)}
.combo,.path{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
.badge{display:inline-block;font-size:11px;padding:1px 7px;border-radius:9px;font-weight:600}
.badge.seen{color:var(--seen);background:var(--seen-bg)}.badge.unseen{color:var(--unseen);background:var(--unseen-bg)}.badge.shortcut{color:var(--bad);background:var(--bad-bg)}
td.ok{color:var(--ok)}td.bad{color:var(--bad)}
.chip{display:inline-block;margin:1px 2px;padding:1px 8px;border-radius:10px;font-size:12px;border:1px solid var(--line);background:var(--soft);white-space:nowrap}
.chip.ok{background:var(--ok-bg);border-color:#b8e0c4}.chip.shortcut{background:var(--bad-bg);border-color:#f3b8b1}.chip.seen{background:#fff4e6;border-color:#f5d3a8}.chip.other{background:#f0f0f0}
.chart{margin:8px 0 16px;overflow-x:auto}.chart svg{max-width:100%;height:auto}
.charts{display:flex;flex-wrap:wrap;gap:12px 32px;align-items:flex-start}
.cols{display:flex;flex-wrap:wrap;gap:8px 40px;align-items:flex-start}
figure.grid{margin:12px 0 24px}figure.grid img{max-width:100%;height:auto;border:1px solid var(--line)}figcaption{color:var(--muted);font-size:13px;margin-top:4px}
pre{background:var(--soft);border:1px solid var(--line);padding:10px 12px;overflow-x:auto;font-size:12px;line-height:1.45}
details{margin:8px 0}summary{cursor:pointer;color:#2456a6}
.warn{color:var(--bad)}
tr.total th,tr.total td{font-weight:600;border-top:2px solid #cfd4db}
footer{margin-top:48px;color:var(--muted);font-size:12px}
@media print{nav{display:none}h2{break-after:avoid}}
`;
