// Progressive enhancement only: every page works without it. Turns the headers of
// tables marked "sortable" into buttons that sort that table's rows by the column.
(function () {
  "use strict";
  function key(cell, type) {
    var t = (cell ? cell.textContent : "").trim();
    if (type === "number") { var n = parseFloat(t); return isNaN(n) ? -Infinity : n; }
    if (type === "version") {
      return t.replace(/\d+/g, function (d) { return ("0000000000" + d).slice(-10); });
    }
    return t.toLowerCase();
  }
  function sortBy(table, index, type, button) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var up = button.getAttribute("data-dir") !== "asc";
    rows.sort(function (a, b) {
      var x = key(a.cells[index], type), y = key(b.cells[index], type);
      return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1);
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.querySelectorAll("thead th"), function (th) { th.removeAttribute("aria-sort"); });
    button.setAttribute("data-dir", up ? "asc" : "desc");
    button.parentNode.setAttribute("aria-sort", up ? "ascending" : "descending");
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
      Array.prototype.forEach.call(table.querySelectorAll("thead th"), function (th, index) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = th.textContent;
        button.title = "Sort by " + th.textContent;
        th.textContent = "";
        th.appendChild(button);
        button.addEventListener("click", function () { sortBy(table, index, th.getAttribute("data-type"), button); });
      });
    });
  });
})();
