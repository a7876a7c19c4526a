// Progressive enhancement for the technique comparison table: sort by any
// column and filter by setting. Without JavaScript the table is complete.
(function () {
  "use strict";
  var table = document.querySelector("table[data-compare]");
  if (!table) return;
  var tbody = table.tBodies[0];
  var tools = document.querySelector("[data-compare-tools]");
  var status = document.querySelector("[data-compare-status]");
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);

  function cellKey(row, index) {
    var cell = row.cells[index];
    var key = cell.getAttribute("data-sort") || cell.textContent.trim().toLowerCase();
    var num = Number(key);
    return key !== "" && !isNaN(num) ? num : key;
  }

  headers.forEach(function (th, index) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = th.textContent;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var rows = Array.prototype.slice.call(tbody.rows);
      rows.sort(function (a, b) {
        var x = cellKey(a, index), y = cellKey(b, index);
        var c = x < y ? -1 : x > y ? 1 : 0;
        return ascending ? c : -c;
      });
      rows.forEach(function (r) { tbody.appendChild(r); });
      if (status) {
        var phrase = status.getAttribute(ascending ? "data-sorted-ascending" : "data-sorted-descending") || "{column}";
        status.textContent = phrase.replace("{column}", button.textContent);
      }
    });
  });

  if (tools) {
    tools.hidden = false;
    tools.addEventListener("change", function (event) {
      var value = event.target.value;
      var shown = 0;
      Array.prototype.forEach.call(tbody.rows, function (row) {
        var visible = value === "all" || row.getAttribute("data-setting") === value;
        row.hidden = !visible;
        if (visible) shown += 1;
      });
      if (status) {
        // The page carries the sentence in each plural form of its
        // language; the browser knows which form a number takes.
        var lang = document.documentElement.lang || "en";
        var form = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang).select(shown) : "other";
        var phrase = status.getAttribute("data-shown-" + form) || status.getAttribute("data-shown-other") || "{n}";
        status.textContent = phrase.replace("{n}", shown.toLocaleString(lang));
      }
    });
  }
})();
