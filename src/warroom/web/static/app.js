// warroom's own script: local times, countdowns to the next update, keyboard shortcuts.
// No inline scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";

  function pad(n) { return String(n).padStart(2, "0"); }

  function countdown(el) {
    var due = Date.parse(el.getAttribute("datetime"));
    if (isNaN(due)) return;
    var left = Math.round((due - Date.now()) / 1000);
    var abs = Math.abs(left);
    var text = Math.floor(abs / 60) + "m " + pad(abs % 60) + "s";
    el.textContent = left >= 0 ? "due in " + text : "overdue by " + text;
    el.parentElement.classList.toggle("overdue", left < 0);
  }

  function localTimes(root) {
    root.querySelectorAll("time[datetime]:not([data-countdown])").forEach(function (el) {
      var t = new Date(el.getAttribute("datetime"));
      if (!isNaN(t)) el.title = t.toLocaleString();
    });
  }

  function tick() {
    document.querySelectorAll("time[data-countdown]").forEach(countdown);
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var focus = { n: "note-text", u: "update-text" }[event.key];
    if (focus && document.getElementById(focus)) {
      event.preventDefault();
      document.getElementById(focus).focus();
    } else if (event.key === "a") {
      var ack = document.querySelector('button[data-action="acknowledge"]');
      if (ack) { event.preventDefault(); ack.click(); }
    } else if (event.key === "?") {
      var help = document.getElementById("shortcuts");
      if (help && help.showModal) { event.preventDefault(); help.showModal(); }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    tick();
    setInterval(tick, 1000);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    localTimes(event.target);
    tick();
  });
})();
