"""One look for every page the service serves: readable on a phone, clear primary actions,
contrast at least 4.5:1 for text (WCAG AA), visible focus."""

STYLE = """
:root{--ink:#1f2937;--muted:#4b5563;--line:#d1d5db;--bg:#f3f4f6;--card:#fff;
--primary:#1d4ed8;--primary-ink:#fff;--danger:#b91c1c;--ok:#166534;--warn:#92400e}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
header.bar{background:var(--card);border-bottom:1px solid var(--line)}
header.bar .in{max-width:42rem;margin:0 auto;padding:.75rem 1rem;display:flex;gap:.75rem;
align-items:center;justify-content:space-between;flex-wrap:wrap}
header.bar strong{font-size:1.05rem}
main{max-width:42rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}h2{font-size:1.15rem;margin:0 0 .75rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:1rem;
margin:0 0 1rem}
.muted{color:var(--muted)}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
.hint{font-weight:400;color:var(--muted)}
input,select,textarea{width:100%;font:inherit;padding:.6rem;border:1px solid #6b7280;
border-radius:.375rem;background:#fff;color:var(--ink)}
textarea{min-height:5rem}
[aria-invalid=true]{border:2px solid var(--danger);background:#fef2f2}
.field-error{color:var(--danger);margin:.25rem 0 0;font-weight:600}
.row{display:grid;grid-template-columns:1fr 1fr;gap:.75rem}
@media (max-width:30rem){.row{grid-template-columns:1fr}}
button,.button{display:inline-block;font:inherit;font-weight:600;padding:.7rem 1.2rem;
border-radius:.375rem;border:2px solid transparent;cursor:pointer;text-decoration:none;
min-height:2.75rem}
.primary{background:var(--primary);color:var(--primary-ink)}
.primary:hover{background:#1e40af}
.secondary{background:#fff;color:var(--primary);border-color:var(--primary)}
.danger{background:#fff;color:var(--danger);border-color:var(--danger)}
.danger.confirm{background:var(--danger);color:#fff}
.link{background:none;border:none;color:var(--primary);padding:0;min-height:0;
text-decoration:underline;font-weight:400}
.actions{display:flex;gap:.75rem;flex-wrap:wrap;margin-top:1rem}
:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
h1:focus{outline:none}
.banner{border-radius:.375rem;padding:.75rem 1rem;margin:0 0 1rem;border:1px solid}
.banner.error{background:#fef2f2;border-color:#fca5a5;color:#7f1d1d}
.banner.info{background:#eff6ff;border-color:#93c5fd;color:#1e3a8a}
.badge{display:inline-block;border-radius:1rem;padding:.1rem .6rem;font-size:.875rem;
font-weight:700;border:1px solid}
.badge.pending{color:var(--warn);border-color:#f59e0b;background:#fffbeb}
.badge.approved{color:var(--ok);border-color:#22c55e;background:#f0fdf4}
.badge.rejected{color:var(--danger);border-color:#f87171;background:#fef2f2}
.badge.expired,.badge.failed,.badge.withdrawn,.badge.cancelled{color:#374151;border-color:#9ca3af;background:#f9fafb}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0}
dl.summary dt{color:var(--muted)}dl.summary dd{margin:0;overflow-wrap:anywhere}
ol.timeline{list-style:none;margin:0;padding:0 0 0 1rem;border-left:3px solid var(--line)}
ol.timeline li{margin:0 0 1rem;position:relative}
ol.timeline li::before{content:"";position:absolute;left:-1.45rem;top:.4rem;width:.75rem;
height:.75rem;border-radius:50%;background:var(--primary)}
ol.timeline time{display:block;color:var(--muted);font-size:.875rem}
ul.requests{list-style:none;margin:0;padding:0}
ul.requests li{display:flex;justify-content:space-between;gap:.5rem;align-items:center;
padding:.6rem 0;border-top:1px solid var(--line);flex-wrap:wrap}
ul.requests li:first-child{border-top:none}
"""
