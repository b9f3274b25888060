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

/* issue 19: sidebar, answer tools, viewer, plumbing */
.hidden-plumbing { display: none !important; }
#sidebar #conversations .wrap { flex-direction: column; gap: 4px; }
#sidebar #conversations label { width: 100%; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#new-conversation { width: 100% !important; }
#stop { flex: none !important; }
.tag-stopped { background: #eceff3; color: #3d4653; border: 1px solid #b8c0cc; }
.typing.waiting { color: #8a5300; }
details.why { font-size: .85em; margin-top: .3rem; }
details.why > summary { cursor: pointer; color: var(--body-text-color-subdued); }
details.why ul { margin: .3rem 0 0 1rem; padding: 0; }
.tools { display: block; font-size: .82em; margin-top: .2rem; }
.tools a.act { color: #1849a9 !important; text-decoration: none; margin-right: .8rem; cursor: pointer; }
.src-card { cursor: pointer; }
.src-card:hover { box-shadow: 0 0 0 2px #c7d8ff; }
#viewer:not(:has(.viewer-box)), #viewer.viewer-closed { display: none !important; }
#viewer { position: fixed !important; inset: 0; z-index: 1000; background: rgba(20, 24, 33, .45);
  display: flex; align-items: center; justify-content: center; padding: 2vh 2vw; margin: 0 !important; }
.viewer-box { background: var(--background-fill-primary); border-radius: 10px; width: min(900px, 96vw);
  max-height: 92vh; display: flex; flex-direction: column; box-shadow: 0 10px 40px rgba(0,0,0,.3); }
.viewer-head { display: flex; justify-content: space-between; align-items: flex-start; gap: 1rem;
  padding: .8rem 1rem; border-bottom: 1px solid var(--border-color-primary); }
.viewer-title { font-weight: 700; font-size: 1.1rem; }
.viewer-file { font-family: var(--font-mono); font-size: .8em; color: var(--body-text-color-subdued); }
.viewer-page, .src-page { font-weight: 600; color: var(--body-text-color); }
.viewer-close { border: none; background: none; font-size: 1.3rem; cursor: pointer; color: var(--body-text-color); }
.viewer-text { white-space: pre-wrap; overflow-y: auto; padding: 1rem 1.2rem; line-height: 1.55; font-size: .95rem; }
.viewer-text mark.passage { background: #e0ecff; color: inherit; border-radius: 3px; padding: .1em 0;
  box-shadow: 0 0 0 2px #8db4ff; }
.viewer-text mark.passage mark { background: #ffe066; color: inherit; }
@media (max-width: 720px) {
  #chat-row { flex-direction: column !important; }
  #chat-row > * { min-width: 0 !important; width: 100% !important; }
  #chatbot { height: 60vh !important; }
}
"""

# Our own code, not document text: a click on an [n] badge flashes source card n and opens its
# passage in the document viewer; a click on a card, "Copy with sources" or "Show the closest
# passages" asks the server (ui/viewer.py) through the hidden #ui-action button; Escape closes the
# viewer, or else stops the answer being written.
HEAD = """
<script>
function caAct(target) {
  window.__caTarget = JSON.stringify(target);
  const button = document.getElementById("ui-action");
  if (button) button.click();
}
function caTurn(el) {
  const panel = el.closest("[data-turn]");
  if (panel) return parseInt(panel.getAttribute("data-turn"), 10);
  const message = el.closest(".message-content") || el.closest(".message");
  const all = Array.from(document.querySelectorAll("#chatbot .bot-row .message-content"));
  const own = message && (message.matches(".message-content") ? message : message.querySelector(".message-content"));
  return all.indexOf(own);
}
document.addEventListener("click", (event) => {
  const el = event.target.closest ? event.target : event.target.parentElement;
  if (!el || !el.closest) return;
  if (el.closest(".viewer-close") || (el.id === "viewer")) {
    document.getElementById("viewer").classList.add("viewer-closed");
    return;
  }
  const act = el.closest("a.act");
  if (act) {
    event.preventDefault(); event.stopPropagation();
    const kind = act.classList.contains("act-copy") ? "copy" : "closest";
    caAct({kind: kind, turn: caTurn(act)});
    return;
  }
  const badge = el.closest("a.cite");
  if (badge) {
    event.preventDefault(); event.stopPropagation();
    const n = parseInt((badge.getAttribute("href") || "").replace("#src-", ""), 10);
    const card = document.getElementById("src-" + n);
    if (card) {
      const folded = card.closest("details");
      if (folded) folded.open = true;
      card.scrollIntoView({behavior: "smooth", block: "nearest"});
      card.classList.add("flash");
      setTimeout(() => card.classList.remove("flash"), 1500);
    }
    caAct({kind: "cite", turn: caTurn(badge), n: n});
    return;
  }
  const card = el.closest("#sources-panel .src-card");
  if (card && !el.closest("summary")) {
    caAct({kind: "card", turn: caTurn(card), n: parseInt(card.id.replace("src-", ""), 10)});
  }
}, true);
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const viewer = document.getElementById("viewer");
  if (viewer && viewer.querySelector(".viewer-box") && !viewer.classList.contains("viewer-closed")) {
    viewer.classList.add("viewer-closed");
    return;
  }
  const stop = document.getElementById("stop");
  if (stop) stop.click();
});
</script>
"""

# The browser's id for its kept conversations: random, kept in localStorage (the page's own origin).
# Set once the page's session knows its browser (what it asks from then on is kept): tests wait for it.
LOADED_JS = "() => { window.__caLoaded = true; }"

BROWSER_ID_JS = """
(browser, state, choice) => {
  let id = localStorage.getItem("corpus-assistant-browser");
  if (!/^[0-9a-f]{32}$/.test(id || "")) {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    id = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    localStorage.setItem("corpus-assistant-browser", id);
  }
  return [id, state, choice];
}
"""

READ_TARGET_JS = "(target, state) => [window.__caTarget || '', state]"

# After an action: copy the text it returned, or show the viewer with the passage in view.
AFTER_ACTION_JS = """
(copied) => {
  if (copied) {
    navigator.clipboard.writeText(copied).catch(() => {});
    window.__caCopied = copied;
    return;
  }
  const viewer = document.getElementById("viewer");
  if (!viewer) return;
  viewer.classList.remove("viewer-closed");
  const show = () => {
    const passage = viewer.querySelector("#viewer-passage");
    if (passage) passage.scrollIntoView({block: "center"});
  };
  requestAnimationFrame(() => requestAnimationFrame(show));
}
"""

CONFIRM_DELETE_JS = "(confirmed, state) => [confirm('Delete this conversation? This cannot be undone.') ? 'yes' : 'no', state]"


CONFIRM_REMOVE_JS = "(key, confirmed) => [key, key && confirm('Remove ' + key + ' from the index?') ? 'yes' : 'no']"
OPEN_DOCUMENT_JS = "(key) => { if (key) caAct({kind: 'doc', key: key}); }"
