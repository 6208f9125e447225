/* copytrace pair view: one related pair's passages side by side, the reused words highlighted at the reported
   offsets and, in a spun or paraphrased pair, the words that differ marked.

   For any page that shows a pair (the scan report, the service's page):
     CopytracePairView.render(container, pair, docA, docB)
   `pair` is a pairs.jsonl row (a, b, kind, score, coverage_a, coverage_b, source, passages [{a: [s, e], b: [s, e],
   kind, score, differ?: {a: [[s, e]...], b: [...]}}]); `docA`, `docB` are {id, text, path, date, lang} (text may be
   null: the offsets are shown alone). Offsets are character (code point) offsets, as copytrace reports them; they
   are turned into the browser's UTF-16 units here. Every value from the data reaches the page as text
   (textContent, text nodes, setAttribute), never as markup: texts and ids are untrusted. Style: pairview.css. */
(function (global) {
  "use strict";

  var KINDS = ["exact", "near_duplicate", "partial", "spun", "paraphrase", "translation", "same_story"];
  var CONTEXT = 90; // characters of text shown either side of a passage, dimmed

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function kindBadge(kind) {
    var k = KINDS.indexOf(kind) >= 0 ? kind : "unknown";
    return el("span", "ct-kind ct-kind-" + k, String(kind).replace("_", " "));
  }

  // A text's code point -> UTF-16 unit map, made once per document and only for a text outside the BMP.
  function unitMap(doc) {
    if (doc._units !== undefined) return doc._units;
    var t = doc.text;
    if (!/[\uD800-\uDFFF]/.test(t)) { doc._units = null; return null; }
    var map = new Uint32Array(t.length + 1), k = 0, i = 0;
    while (i < t.length) {
      map[k++] = i;
      var c = t.charCodeAt(i);
      var pairStart = c >= 0xD800 && c <= 0xDBFF && i + 1 < t.length;
      var next = pairStart ? t.charCodeAt(i + 1) : 0;
      i += pairStart && next >= 0xDC00 && next <= 0xDFFF ? 2 : 1;
    }
    map[k] = t.length;
    doc._units = map.subarray(0, k + 1);
    return doc._units;
  }

  function toUnit(doc, offset) {
    var map = unitMap(doc);
    if (!map) return Math.min(offset, doc.text.length);
    return map[Math.min(offset, map.length - 1)];
  }

  function slice(doc, start, end) {
    return doc.text.slice(toUnit(doc, start), toUnit(doc, end));
  }

  // The passage [start, end) as a <mark>, its differing words (spans, same offsets) inside it as <span>s.
  function passageMark(doc, start, end, differ) {
    var mark = el("mark", "ct-reused");
    mark.setAttribute("data-start", String(start));
    mark.setAttribute("data-end", String(end));
    var at = start;
    var spans = (differ || []).filter(function (s) { return s[0] >= start && s[1] <= end && s[0] < s[1]; })
      .sort(function (x, y) { return x[0] - y[0]; });
    spans.forEach(function (s) {
      if (s[0] < at) return;
      if (s[0] > at) mark.appendChild(document.createTextNode(slice(doc, at, s[0])));
      var w = el("span", "ct-differ", slice(doc, s[0], s[1]));
      w.setAttribute("data-start", String(s[0]));
      w.setAttribute("data-end", String(s[1]));
      mark.appendChild(w);
      at = s[1];
    });
    if (at < end) mark.appendChild(document.createTextNode(slice(doc, at, end)));
    return mark;
  }

  function side(doc, span, differ, which) {
    var cell = el("div", "ct-side ct-side-" + which);
    cell.appendChild(el("div", "ct-offsets", "[" + span[0] + ":" + span[1] + ")"));
    if (!doc || doc.text === null || doc.text === undefined) {
      cell.appendChild(el("div", "ct-missing", "text not available"));
      return cell;
    }
    var body = el("div", "ct-text");
    var len = doc.text.length, us = toUnit(doc, span[0]), ue = toUnit(doc, span[1]);
    var from = Math.max(0, us - CONTEXT), to = Math.min(len, ue + CONTEXT);
    body.appendChild(el("span", "ct-context", (from > 0 ? "\u2026" : "") + doc.text.slice(from, us)));
    body.appendChild(passageMark(doc, span[0], span[1], differ));
    body.appendChild(el("span", "ct-context", doc.text.slice(ue, to) + (to < len ? "\u2026" : "")));
    cell.appendChild(body);
    return cell;
  }

  function docHead(doc, id, isSource, coverage) {
    var head = el("div", "ct-doc");
    var name = el("div", "ct-doc-id", id);
    name.setAttribute("title", id);
    head.appendChild(name);
    var facts = [];
    if (isSource) facts.push("original");
    facts.push("coverage " + Math.round(coverage * 100) + "%");
    if (doc && doc.date) facts.push("dated " + doc.date);
    if (doc && doc.lang) facts.push(doc.lang);
    if (doc && doc.path && doc.path !== id) facts.push(doc.path);
    head.appendChild(el("div", "ct-doc-facts" + (isSource ? " ct-is-source" : ""), facts.join(" \u00b7 ")));
    return head;
  }

  function render(container, pair, docA, docB) {
    container.textContent = "";
    var view = el("section", "ct-pair");
    view.setAttribute("data-a", pair.a);
    view.setAttribute("data-b", pair.b);
    var summary = el("div", "ct-pair-summary");
    summary.appendChild(kindBadge(pair.kind));
    summary.appendChild(el("span", "ct-score", "score " + Number(pair.score).toFixed(2)));
    summary.appendChild(el("span", "ct-source",
      pair.source === null || pair.source === undefined ? "original: unclear" : "original: " + pair.source));
    view.appendChild(summary);
    var heads = el("div", "ct-row ct-heads");
    heads.appendChild(docHead(docA, pair.a, pair.source === pair.a, pair.coverage_a));
    heads.appendChild(docHead(docB, pair.b, pair.source === pair.b, pair.coverage_b));
    view.appendChild(heads);
    pair.passages.forEach(function (p, i) {
      var row = el("div", "ct-row ct-passage");
      row.setAttribute("data-passage", String(i));
      var d = p.differ || {};
      row.appendChild(side(docA, p.a, d.a, "a"));
      row.appendChild(side(docB, p.b, d.b, "b"));
      var meta = el("div", "ct-passage-meta");
      meta.appendChild(kindBadge(p.kind));
      meta.appendChild(el("span", "ct-score", Number(p.score).toFixed(2)));
      row.appendChild(meta);
      view.appendChild(row);
    });
    if (!pair.passages.length) view.appendChild(el("p", "ct-missing", "no passages reported"));
    container.appendChild(view);
    return view;
  }

  global.CopytracePairView = { render: render, kindBadge: kindBadge, el: el, KINDS: KINDS, slice: slice };
})(window);
