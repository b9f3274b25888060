"""The UI's look: CSS for badges, source cards and notices, and the small script that makes a
click on an [n] badge scroll to source card n. Kept in Python so it ships with the package."""

from __future__ import annotations

CSS = """
#app-header { display: flex; align-items: baseline; gap: 1rem; flex-wrap: wrap; }
#app-header h1 { margin: 0; font-size: 1.5rem; }
.mode { font-size: .9rem; color: var(--body-text-color-subdued); }
#banner:not(:has(.banner)) { display: none; }
.banner { padding: .6rem .9rem; border-radius: 8px; background: #fff7e6; border: 1px solid #f5c26b; color: #5c3d00; }
.banner-error { background: #fdecec; border-color: #e99; color: #7a1010; }

a.cite { display: inline-block; min-width: 1.6em; padding: 0 .35em; margin: 0 .1em; border-radius: 999px;
  background: #e0ecff; color: #1849a9 !important; font-size: .78em; font-weight: 600; line-height: 1.5;
  text-align: center; text-decoration: none !important; vertical-align: .12em; cursor: pointer; }
a.cite:hover { background: #1849a9; color: #fff !important; }
a.cite.cite-dangling { background: #eee; color: #888 !important; }

.tag { display: inline-block; padding: .05em .55em; border-radius: 6px; font-size: .8em; font-weight: 600; }
.tag-abstain { background: #fff1d6; color: #8a5300; border: 1px solid #f0c36d; }
.tag-error { background: #fde2e2; color: #9b1c1c; border: 1px solid #f3a5a5; }
.note, .understood { display: block; font-size: .85em; color: var(--body-text-color-subdued); }
.understood { font-style: italic; }
.typing { color: var(--body-text-color-subdued); }
.message:has(.tag-abstain) { background: #fffaf0 !important; border-color: #f0c36d !important; }
.message:has(.tag-error) { background: #fff5f5 !important; border-color: #f3a5a5 !important; }

#sources-panel { max-height: 640px; overflow-y: auto; }
.sources-empty { color: var(--body-text-color-subdued); padding: 1rem; border: 1px dashed var(--border-color-primary);
  border-radius: 8px; text-align: center; }
.sources-head { font-weight: 600; margin-bottom: .5rem; }
.src-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .6rem .75rem;
  margin-bottom: .6rem; background: var(--background-fill-primary); transition: box-shadow .3s; }
.src-card.cited { border-left: 4px solid #1849a9; }
.src-card.flash { box-shadow: 0 0 0 3px #8db4ff; }
.src-head { display: flex; align-items: baseline; gap: .5rem; }
.src-num { flex: none; min-width: 1.6em; text-align: center; border-radius: 999px; background: #1849a9; color: #fff;
  font-size: .8em; font-weight: 600; }
.src-card:not(.cited) .src-num { background: #8a94a6; }
.src-title { font-weight: 600; flex: 1; overflow-wrap: anywhere; }
.src-score { flex: none; font-size: .8em; color: var(--body-text-color-subdued); font-variant-numeric: tabular-nums; }
.src-file { font-family: var(--font-mono); font-size: .78em; color: var(--body-text-color-subdued); margin: .15rem 0 .35rem; }
.src-text { white-space: pre-wrap; font-size: .88em; line-height: 1.45; max-height: 16em; overflow-y: auto; }
.src-text mark { background: #fff0a8; color: inherit; padding: 0 .1em; border-radius: 3px; }
details.uncited > summary { cursor: pointer; color: var(--body-text-color-subdued); margin: .3rem 0 .6rem; }

.examples { flex-wrap: wrap !important; gap: 6px !important; }
.examples .example-btn { flex: 0 1 auto !important; min-width: 0 !important; width: auto !important;
  font-size: .82em !important; font-weight: 400 !important; border-radius: 999px !important; padding: 2px 12px !important; }
#new-conversation { flex: none !important; width: auto !important; align-self: flex-start; }
.status { padding: .4rem .6rem; border-radius: 6px; background: #eef7ee; color: #1d5b1d; }
.status-error { background: #fdecec; color: #7a1010; }
"""

# Our own code, not document text: scroll to the source card of a clicked [n] badge.
HEAD = """
<script>
document.addEventListener("click", (event) => {
  const badge = event.target.closest && event.target.closest("a.cite");
  if (!badge) return;
  event.preventDefault();
  event.stopPropagation();
  const card = document.getElementById((badge.getAttribute("href") || "").slice(1));
  if (!card) return;
  const folded = card.closest("details");
  if (folded) folded.open = true;
  card.scrollIntoView({behavior: "smooth", block: "nearest"});
  card.classList.add("flash");
  setTimeout(() => card.classList.remove("flash"), 1500);
}, true);
</script>
"""
