/* copytrace report: totals, the list of pairs (filters, search), the opened pair (CopytracePairView), copy families,
   story clusters and dedup's drops, from the JSON block #copytrace-data (write/report.py: report_data).
   The list is virtual: only the rows in view exist, so 10,000 pairs cost what 40 do. Data reaches the page as
   text only (textContent, setAttribute). */
(function () {
  "use strict";
  var PV = window.CopytracePairView, el = PV.el;
  var data = JSON.parse(document.getElementById("copytrace-data").textContent);
  var ROW = 30;        // px: a pair row's fixed height (the virtual list positions rows by index)
  var OVERSCAN = 10;   // rows drawn beyond the visible ones, so a fast scroll shows no gap
  var CHUNK = 40;      // families, stories and drops drawn per "show more"
  var docs = new Map();
  data.documents.forEach(function (d) { docs.set(d.id, d); });
  var pairs = data.pairs;
  var lowerA = pairs.map(function (p) { return p.a.toLowerCase(); });
  var lowerB = pairs.map(function (p) { return p.b.toLowerCase(); });
  var $ = function (id) { return document.getElementById(id); };
  var list = $("pair-list"), rows = $("pair-rows"), spacer = $("pair-spacer"), detail = $("pair-detail");
  var filtered = [], opened = -1, query = "";

  document.title = data.title;
  $("report-title").textContent = data.title;
  data.notes.forEach(function (n) { $("notes").appendChild(el("p", "note", n)); });

  // totals by kind: a bar each, the kind's count; the kind's filter box beside it
  var t = data.totals, maxKind = Math.max(1, Math.max.apply(null, PV.KINDS.map(function (k) { return t.by_kind[k] || 0; })));
  $("totals-line").textContent = t.documents + " documents, " + t.pairs + " related pairs, " + t.families +
    " copy families, " + t.stories + " story clusters" + (t.dropped ? ", " + t.dropped + " dropped by dedup" : "") +
    (t.skipped ? ", " + t.skipped + " inputs skipped" : "");
  PV.KINDS.forEach(function (k) {
    var n = t.by_kind[k] || 0;
    var row = el("label", "total");
    var box = el("input");
    box.type = "checkbox"; box.checked = true; box.id = "filter-kind-" + k; box.value = k;
    box.addEventListener("change", applyFilters);
    row.appendChild(box);
    row.appendChild(PV.kindBadge(k));
    var bar = el("span", "bar ct-kind-" + k);
    bar.style.width = (n ? Math.max(2, 160 * n / maxKind) : 0) + "px";
    row.appendChild(bar);
    row.appendChild(el("span", "count", n));
    $("totals").appendChild(row);
  });
  $("filter-score").addEventListener("input", applyFilters);
  $("filter-search").addEventListener("input", applyFilters);

  function applyFilters() {
    var kinds = new Set();
    PV.KINDS.forEach(function (k) { if ($("filter-kind-" + k).checked) kinds.add(k); });
    var min = parseFloat($("filter-score").value) || 0;
    query = $("filter-search").value.trim().toLowerCase();
    filtered = [];
    for (var i = 0; i < pairs.length; i++) {
      var p = pairs[i];
      if (!kinds.has(p.kind) || p.score < min) continue;
      if (query && lowerA[i].indexOf(query) < 0 && lowerB[i].indexOf(query) < 0) continue;
      filtered.push(i);
    }
    $("pair-status").textContent = filtered.length + " of " + pairs.length + " pairs";
    spacer.style.height = filtered.length * ROW + "px";
    list.scrollTop = 0;
    drawRows();
    families.reset(); stories.reset(); drops.reset();
  }

  function drawRows() {
    var first = Math.max(0, Math.floor(list.scrollTop / ROW) - OVERSCAN);
    var last = Math.min(filtered.length, Math.ceil((list.scrollTop + list.clientHeight) / ROW) + OVERSCAN);
    var frag = document.createDocumentFragment();
    for (var k = first; k < last; k++) frag.appendChild(pairRow(filtered[k], k));
    rows.textContent = "";
    rows.appendChild(frag);
  }

  function pairRow(i, position) {
    var p = pairs[i];
    var row = el("div", "pair-row" + (i === opened ? " opened" : ""));
    row.style.top = position * ROW + "px";
    row.setAttribute("data-index", String(i));
    row.setAttribute("data-a", p.a);
    row.setAttribute("data-b", p.b);
    row.setAttribute("data-kind", p.kind);
    row.setAttribute("data-score", String(p.score));
    row.tabIndex = 0;
    row.appendChild(PV.kindBadge(p.kind));
    row.appendChild(el("span", "score", Number(p.score).toFixed(2)));
    var ids = el("span", "ids");
    ids.appendChild(el("span", "id" + (p.source === p.a ? " source" : ""), p.a));
    ids.appendChild(el("span", "sep", " \u21c4 "));
    ids.appendChild(el("span", "id" + (p.source === p.b ? " source" : ""), p.b));
    row.appendChild(ids);
    row.setAttribute("title", p.a + " \u21c4 " + p.b + (p.source ? "  (original: " + p.source + ")" : ""));
    row.addEventListener("click", function () { openPair(i); });
    row.addEventListener("keydown", function (e) { if (e.key === "Enter") openPair(i); });
    return row;
  }

  var drawQueued = false;
  list.addEventListener("scroll", function () {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(function () { drawQueued = false; drawRows(); });
  });

  // A passage's differing words come packed (write/report.py: packed_differ): per side [gap, length, ...] from the
  // passage's start; the pair view takes [[start, end], ...]. Expanded once, when the pair is first opened.
  var expanded = new Set();
  function withSpans(i) {
    var p = pairs[i];
    if (expanded.has(i)) return p;
    p.passages.forEach(function (q) {
      if (!q.differ) return;
      ["a", "b"].forEach(function (side) {
        var flat = q.differ[side], at = q[side][0], spans = [];
        for (var k = 0; k + 1 < flat.length; k += 2) {
          var start = at + flat[k];
          at = start + flat[k + 1];
          spans.push([start, at]);
        }
        q.differ[side] = spans;
      });
    });
    expanded.add(i);
    return p;
  }

  function openPair(i) {
    opened = i;
    var p = withSpans(i);
    PV.render(detail, p, docs.get(p.a), docs.get(p.b));
    detail.setAttribute("data-index", String(i));
    Array.prototype.forEach.call(rows.children, function (r) {
      r.classList.toggle("opened", r.getAttribute("data-index") === String(i));
    });
  }

  function searchFor(id) {
    $("filter-search").value = id;
    applyFilters();
    $("pairs").scrollIntoView();
  }

  function docLink(id, extra) {
    var a = el("button", "doc-link" + (extra ? " " + extra : ""), id);
    a.type = "button";
    a.setAttribute("title", "show the pairs of " + id);
    a.addEventListener("click", function () { searchFor(id); });
    return a;
  }

  function dated(id) {
    var d = docs.get(id);
    return d && d.date ? " (" + d.date + ")" : "";
  }

  // A list drawn CHUNK items at a time, restricted to the items that match the search.
  function chunked(containerId, items, matches, draw) {
    var box = $(containerId), shown = 0, current = items;
    var more = el("button", "more");
    more.type = "button";
    more.addEventListener("click", next);
    function next() {
      var frag = document.createDocumentFragment();
      current.slice(shown, shown + CHUNK).forEach(function (item) { frag.appendChild(draw(item)); });
      shown = Math.min(current.length, shown + CHUNK);
      box.insertBefore(frag, more);
      more.textContent = "show more (" + (current.length - shown) + " left)";
      more.hidden = shown >= current.length;
    }
    function reset() {
      current = query ? items.filter(function (item) { return matches(item, query); }) : items;
      shown = 0;
      box.textContent = "";
      if (!current.length) box.appendChild(el("p", "empty", items.length ? "none match the search" : "none"));
      box.appendChild(more);
      next();
    }
    return { reset: reset };
  }

  function anyMember(ids, q) {
    return ids.some(function (id) { return id.toLowerCase().indexOf(q) >= 0; });
  }

  var families = chunked("family-list", data.families,
    function (f, q) { return anyMember(f.members.map(function (m) { return m.id; }), q); },
    function (f) {
      var card = el("div", "card family");
      card.setAttribute("data-cluster", f.id);
      var h = el("h3", null, f.id + ": " + f.members.length + " members, original ");
      h.appendChild(f.source ? docLink(f.source, "source") : el("span", null, "unclear"));
      card.appendChild(h);
      if (f.members.length > 1 && f.members.length <= 16) card.appendChild(familyDrawing(f));
      var ul = el("ul", "members");
      f.members.forEach(function (m) {
        var li = el("li");
        li.appendChild(m.kind ? PV.kindBadge(m.kind) : el("span", "ct-kind ct-kind-original", "original"));
        li.appendChild(docLink(m.id));
        if (dated(m.id)) li.appendChild(el("span", "date", dated(m.id)));
        if (m.via) li.appendChild(el("span", "via", " (a copy of " + m.via + ")"));
        ul.appendChild(li);
      });
      card.appendChild(ul);
      return card;
    });

  // A family as a star: the original in the middle, each copy around it, joined by a line in its kind's colour.
  function familyDrawing(f) {
    var NS = "http://www.w3.org/2000/svg", W = 420, H = 230, cx = W / 2, cy = H / 2;
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.setAttribute("class", "family-drawing");
    svg.setAttribute("role", "img");
    function node(tag, attrs, text) {
      var n = document.createElementNS(NS, tag);
      Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); });
      if (text !== undefined) n.textContent = text;
      svg.appendChild(n);
      return n;
    }
    function short(s) { return s.length > 24 ? s.slice(0, 23) + "\u2026" : s; }
    var copies = f.members.filter(function (m) { return m.id !== f.source; });
    var centre = f.source || null;
    copies.forEach(function (m, k) {
      var angle = -Math.PI / 2 + 2 * Math.PI * k / copies.length;
      var x = cx + 120 * Math.cos(angle), y = cy + 82 * Math.sin(angle);
      node("line", { x1: cx, y1: cy, x2: x, y2: y, "class": "edge ct-stroke-" + (m.kind || "unknown") });
      node("circle", { cx: x, cy: y, r: 6, "class": "ct-fill-" + (m.kind || "unknown") });
      var label = node("text", { x: x, y: y + (y < cy ? -10 : 18), "text-anchor": "middle" }, short(m.id));
      label.appendChild(document.createElementNS(NS, "title")).textContent = m.id + " (" + (m.kind || "?") + ")";
    });
    node("circle", { cx: cx, cy: cy, r: 9, "class": "source-node" });
    node("text", { x: cx, y: cy + 24, "text-anchor": "middle", "class": "source-label" },
      centre ? short(centre) : "original unclear");
    return svg;
  }

  var stories = chunked("story-list", data.stories,
    function (s, q) { return anyMember(s.members, q); },
    function (s) {
      var card = el("div", "card story");
      card.setAttribute("data-cluster", s.id);
      card.appendChild(el("h3", null, s.id + ": " + s.members.length + " reports of one story"));
      var p = el("p", "members");
      s.members.forEach(function (m) { p.appendChild(docLink(m)); p.appendChild(document.createTextNode(" ")); });
      card.appendChild(p);
      return card;
    });

  if (!data.drops.length) $("drops").hidden = true;
  var drops = chunked("drop-list", data.drops,
    function (d, q) { return anyMember([d.id, d.kept], q); },
    function (d) {
      var row = el("div", "drop");
      row.setAttribute("data-id", d.id);
      row.appendChild(docLink(d.id, "dropped"));
      row.appendChild(el("span", "sep", " dropped for "));
      row.appendChild(docLink(d.kept, "kept"));
      row.appendChild(PV.kindBadge(d.kind));
      row.appendChild(el("span", "reason", d.reason));
      return row;
    });

  applyFilters();
  if (filtered.length) openPair(filtered[0]);
  window.copytraceReport = { pairs: pairs, filtered: function () { return filtered.slice(); }, open: openPair };
})();
