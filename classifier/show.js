// The audit view's script (classifier/show.py inlines it). Plain JavaScript, no network.
//
// A page view labels its paragraphs again at the slider's threshold from what each one
// stores: data-p, the model's probability that it is content, and data-fallback, its likeliest
// other label. The rule is the library's (api.decide): content when p >= threshold, else the
// fallback; kept when that label is one of the body's data-keep. The view's state lives in
// the URL fragment, e.g. #threshold=0.6&removed, so a view can be bookmarked or shared.
"use strict";

function pageView(body) {
  const slider = document.getElementById("threshold");
  const shown = document.getElementById("threshold-value");
  const onlyRemoved = document.getElementById("removed-only");
  const status = document.getElementById("status");
  const keep = new Set(body.dataset.keep.split(" "));
  const mark = document.getElementById("threshold-mark");
  const items = Array.from(document.querySelectorAll("ol.paragraphs > li"));
  const prob = items.map((li) => parseFloat(li.dataset.p));
  const fallback = items.map((li) => li.dataset.fallback);
  const chars = items.map((li) => parseInt(li.dataset.chars, 10));
  const legend = new Map(Array.from(document.querySelectorAll(".legend li[data-label]"),
                                    (li) => [li.dataset.label, li.querySelector(".count")]));
  const totalChars = chars.reduce((a, b) => a + b, 0);

  function apply() {
    const t = parseFloat(slider.value);
    const counts = new Map(Array.from(legend.keys(), (label) => [label, 0]));
    let kept = 0;
    let removedChars = 0;
    for (let i = 0; i < items.length; i++) {
      const li = items[i];
      const label = prob[i] >= t ? "content" : fallback[i];
      const isKept = keep.has(label);
      if (li.dataset.label !== label) li.dataset.label = label;
      const flag = isKept ? "1" : "0";
      if (li.dataset.kept !== flag) li.dataset.kept = flag;
      const hide = onlyRemoved.checked && isKept;
      if (li.hidden !== hide) li.hidden = hide;
      counts.set(label, (counts.get(label) || 0) + 1);
      if (isKept) kept++; else removedChars += chars[i];
    }
    for (const [label, node] of legend) node.textContent = String(counts.get(label) || 0);
    shown.value = t.toFixed(3);
    // One rule moves every bar's threshold mark. (A custom property set on the body would do
    // it too, but restyles the whole page: a minute for a page of 40,000 paragraphs.)
    mark.textContent = ".meta i::after { left: " + (100 * t) + "%; }";
    const share = totalChars ? (100 * removedChars / totalChars).toFixed(1) : "0.0";
    status.textContent = "At threshold " + t.toFixed(3) + ": kept " + kept + " of " +
      items.length + " paragraphs; removed " + (items.length - kept) + " (" + share +
      "% of the text)" + (onlyRemoved.checked ? "; showing only what is removed." : ".");
    status.dataset.kept = String(kept);
    status.dataset.removed = String(items.length - kept);
    const state = "#threshold=" + slider.value + (onlyRemoved.checked ? "&removed" : "");
    if (location.hash !== state) {
      try { history.replaceState(null, "", state); } catch (e) { /* some file: URLs refuse */ }
    }
  }

  function fromFragment() {
    let removed = false;
    for (const part of location.hash.replace(/^#/, "").split("&")) {
      const [key, value] = part.split("=");
      const t = parseFloat(value);
      if (key === "threshold" && t >= 0 && t <= 1) slider.value = value;
      if (key === "removed") removed = true;
    }
    onlyRemoved.checked = removed;
    apply();
  }

  slider.addEventListener("input", apply);
  onlyRemoved.addEventListener("change", apply);
  document.getElementById("reset").addEventListener("click", () => {
    slider.value = body.dataset.threshold;
    apply();
  });
  window.addEventListener("hashchange", fromFragment);
  fromFragment();
  document.querySelector("ol.paragraphs").hidden = false;  // laid out once, now
}

// The index sorts its table by a column when the column's name is clicked (again: the other
// way round); the order lives in the fragment too, e.g. #sort=-removed (descending).
function indexView() {
  const table = document.querySelector("table.pages");
  const body = table.tBodies[0];
  const headers = Array.from(table.tHead.rows[0].cells);

  function sortBy(key, ascending) {
    const column = headers.findIndex((th) => th.dataset.key === key);
    if (column < 0) return;
    const th = headers[column];
    const numeric = th.classList.contains("num");
    const value = (row) => {
      const cell = row.cells[column];
      return numeric ? parseFloat(cell.dataset.value) : cell.textContent.toLowerCase();
    };
    const rows = Array.from(body.rows);
    rows.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      const order = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? order : -order;
    });
    headers.forEach((other) => other.removeAttribute("aria-sort"));
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    for (const row of rows) body.appendChild(row);
    const state = "#sort=" + (ascending ? "" : "-") + key;
    if (location.hash !== state) {
      try { history.replaceState(null, "", state); } catch (e) { /* some file: URLs refuse */ }
    }
  }

  function fromFragment() {
    const match = /^#sort=(-?)(.+)$/.exec(location.hash);
    if (match) sortBy(decodeURIComponent(match[2]), match[1] !== "-");
  }

  for (const th of headers) {
    th.querySelector("button").addEventListener("click", () => {
      sortBy(th.dataset.key, th.getAttribute("aria-sort") !== "ascending");
    });
  }
  window.addEventListener("hashchange", fromFragment);
  fromFragment();
}

if (document.body.dataset.view === "page") pageView(document.body);
if (document.body.dataset.view === "index") indexView();
