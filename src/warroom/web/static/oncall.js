// The on-call pages: select a range of hours in a schedule's week to fill the override form
// (drag across the hours, or click the first and then the last), copy buttons for the iCal
// links, and the browser's time zone next to the schedule's. Loaded only by those pages; the
// form works without it (type the start and end).
(function () {
  "use strict";

  function browserZone() {
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    if (!zone) return;
    document.querySelectorAll("[data-browser-zone]").forEach(function (el) {
      el.textContent = "Your browser's time zone: " + zone + ".";
      el.hidden = false;
    });
  }

  function copyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var input = document.getElementById(button.getAttribute("data-copy"));
        if (!input) return;
        var status = button.closest(".copy-field") && button.closest(".copy-field").querySelector(".copy-status");
        function done(ok) {
          if (status) status.textContent = ok ? "Link copied." : "Select the link and copy it (Ctrl+C).";
        }
        input.focus();
        input.select();
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(input.value).then(function () { done(true); }, function () {
            done(document.execCommand && document.execCommand("copy"));
          });
        } else {
          done(document.execCommand && document.execCommand("copy"));
        }
      });
    });
  }

  function rangeSelection() {
    var grid = document.querySelector("table[data-select-grid]");
    var form = document.getElementById("override-form");
    if (!grid || !form) return;
    var startInput = form.querySelector("input[name=start]");
    var endInput = form.querySelector("input[name=end]");
    var status = document.getElementById("selection-status");
    var cells = Array.prototype.slice.call(grid.querySelectorAll("td[data-start]"));
    var anchor = null;      // the cell a drag started on
    var dragging = false;
    var pendingClick = null; // first cell of a click-then-click selection

    function cellAt(target) {
      return target && target.closest ? target.closest("td[data-start]") : null;
    }

    function bounds(a, b) {
      var s = [a.getAttribute("data-start"), b.getAttribute("data-start")].sort()[0];
      var e = [a.getAttribute("data-end"), b.getAttribute("data-end")].sort()[1];
      return [s, e];
    }

    function highlight(s, e) {
      cells.forEach(function (cell) {
        var inside = s && e && cell.getAttribute("data-start") >= s && cell.getAttribute("data-end") <= e;
        cell.classList.toggle("sel", Boolean(inside));
      });
    }

    function pretty(value) {
      return value.replace("T", " ");
    }

    function choose(a, b) {
      var range = bounds(a, b);
      startInput.value = range[0];
      endInput.value = range[1];
      highlight(range[0], range[1]);
      if (status) status.textContent = "Selected " + pretty(range[0]) + " to " + pretty(range[1]) + ". Choose who covers and create the override.";
      var who = form.querySelector("select[name=user]");
      form.scrollIntoView({ block: "nearest", behavior: "smooth" });
      if (who) who.focus({ preventScroll: true });
    }

    grid.addEventListener("pointerdown", function (event) {
      var cell = cellAt(event.target);
      if (!cell || event.button !== 0) return;
      event.preventDefault();
      if (pendingClick) {
        var first = pendingClick;
        pendingClick = null;
        choose(first, cell);
        return;
      }
      anchor = cell;
      dragging = true;
      highlight.apply(null, bounds(cell, cell));
    });

    grid.addEventListener("pointermove", function (event) {
      if (!dragging) return;
      var cell = cellAt(document.elementFromPoint(event.clientX, event.clientY));
      if (cell) highlight.apply(null, bounds(anchor, cell));
    });

    document.addEventListener("pointerup", function (event) {
      if (!dragging) return;
      dragging = false;
      var cell = cellAt(document.elementFromPoint(event.clientX, event.clientY)) || anchor;
      if (cell === anchor) {
        pendingClick = anchor;
        highlight.apply(null, bounds(anchor, anchor));
        if (status) status.textContent = "Start " + pretty(anchor.getAttribute("data-start")) + ": now click the last hour of the override.";
        return;
      }
      choose(anchor, cell);
    });

    grid.addEventListener("pointercancel", function () { dragging = false; });

    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && (pendingClick || dragging)) {
        pendingClick = null;
        dragging = false;
        highlight("", "");
        if (status) status.textContent = "";
      }
    });

    function typed() {
      if (startInput.value && endInput.value) highlight(startInput.value, endInput.value);
    }
    startInput.addEventListener("change", typed);
    endInput.addEventListener("change", typed);
  }

  document.addEventListener("DOMContentLoaded", function () {
    browserZone();
    copyButtons();
    rangeSelection();
  });
})();
