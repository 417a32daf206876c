/** Server-rendered pages of the control plane (the merchant console itself is the Solid app in apps/console). */
const shell = (title: string, body: string, script = '') => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title>
<style>
:root{--fg:#1a1d21;--muted:#5b6470;--line:#e3e6ea;--accent:#2f5bea;--bg:#f7f8fa}
*{box-sizing:border-box}body{margin:0;font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#fff;border-bottom:1px solid var(--line);padding:14px 24px;display:flex;gap:12px;align-items:center}
header b{font-size:17px}main{max-width:960px;margin:0 auto;padding:28px 24px}
a{color:var(--accent)}code{background:#eef0f3;padding:1px 5px;border-radius:4px;font-size:13px}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:18px 20px;margin:0 0 14px}
.op{display:flex;gap:10px;align-items:baseline;padding:6px 0;border-top:1px solid var(--line)}
.m{font:600 12px ui-monospace,monospace;min-width:58px;text-transform:uppercase}.get{color:#0a7d38}.post{color:#2f5bea}.patch{color:#a35b00}.delete{color:#c0262d}
.p{font:13px ui-monospace,monospace}.s{color:var(--muted)}h2{font-size:16px;margin:0 0 8px;text-transform:capitalize}
</style></head><body><header><b>Storeloom</b><span class="s">${title}</span></header><main>${body}</main>${script}</body></html>`;

export const apiDocsPage = (nonce = '') =>
  shell(
    'API reference',
    `<p class="s">Generated from <a href="/api/v1/openapi.json">openapi.json</a>. Authenticate with the session cookie (console) or <code>Authorization: Bearer slk_…</code>.</p><div id="ops">Loading…</div>`,
    `<script nonce="${nonce}">
fetch('/api/v1/openapi.json').then(r=>r.json()).then(doc=>{
  const groups={};
  for(const [path,item] of Object.entries(doc.paths)) for(const [m,op] of Object.entries(item)){
    const t=(op.tags&&op.tags[0])||'other';(groups[t]=groups[t]||[]).push({m,path,op});
  }
  const esc=s=>String(s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
  document.getElementById('ops').innerHTML=Object.entries(groups).map(([t,ops])=>'<div class="card"><h2>'+esc(t)+'</h2>'+ops.map(o=>'<div class="op"><span class="m '+o.m+'">'+o.m+'</span><span class="p">/api/v1'+esc(o.path)+'</span><span class="s">'+esc(o.op.summary||'')+'</span></div>').join('')+'</div>').join('');
});
</script>`,
  );
