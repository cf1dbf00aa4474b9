// cyra: the reporting pages' small helpers. Progressive enhancement: the
// server renders every time in UTC and every countdown as of the page's
// rendering; without this script that is what shows, and the copy and
// print buttons stay hidden.
//
//   - time[data-local]: adds the viewer's local time beside the UTC time;
//   - [data-due]: keeps a countdown ("in 5 h 12 min", "overdue by 2 h")
//     current, turning it red (class "overdue") once the deadline passes;
//   - button[data-copy]: copies the text of the element it names;
//   - button.print: opens the browser's print dialog.
(function () {
  "use strict";

  function spell(ms) {
    var m = Math.floor(ms / 60000);
    var days = Math.floor(m / 1440), hours = Math.floor(m / 60) % 24, mins = m % 60;
    if (days > 0) {
      return days + " d " + hours + " h";
    }
    if (hours > 0) {
      return hours + " h " + mins + " min";
    }
    if (mins > 0) {
      return mins + " min";
    }
    return "less than a minute";
  }

  function localTimes() {
    var els = document.querySelectorAll("time[data-local]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var t = new Date(el.getAttribute("datetime"));
      if (isNaN(t.getTime()) || el.nextElementSibling && el.nextElementSibling.classList.contains("local-time")) {
        continue;
      }
      var span = document.createElement("span");
      span.className = "local-time";
      span.textContent = " (your time: " + t.toLocaleString(undefined, {dateStyle: "medium", timeStyle: "short"}) + ")";
      el.parentNode.insertBefore(span, el.nextSibling);
    }
  }

  function countdowns() {
    var els = document.querySelectorAll("[data-due]");
    var now = Date.now();
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var due = new Date(el.getAttribute("data-due")).getTime();
      if (isNaN(due)) {
        continue;
      }
      var left = due - now;
      el.textContent = left < 0 ? "overdue by " + spell(-left) : "in " + spell(left);
      if (left < 0) {
        el.classList.add("overdue");
        if (el.classList.contains("badge")) {
          el.classList.remove("neutral");
          el.classList.add("off");
        }
      }
    }
  }

  // copyText copies with the Clipboard API where the page may use it
  // (https or localhost), else by selecting the text and copying the
  // selection, which also works over plain http.
  function copyText(el) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(el.textContent);
    }
    return new Promise(function (resolve, reject) {
      var range = document.createRange();
      range.selectNodeContents(el);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      var ok = false;
      try {
        ok = document.execCommand("copy");
      } catch (e) {
        ok = false;
      }
      if (ok) {
        sel.removeAllRanges();
        resolve();
      } else {
        // The text stays selected for the viewer to copy by hand.
        reject();
      }
    });
  }

  function copyButtons() {
    var buttons = document.querySelectorAll("button[data-copy]");
    for (var i = 0; i < buttons.length; i++) {
      (function (b) {
        var target = document.getElementById(b.getAttribute("data-copy"));
        if (!target) {
          return;
        }
        var row = b.closest(".copy-row");
        b.hidden = false;
        b.setAttribute("aria-label", "Copy " + (row ? row.querySelector("dt").textContent : "value"));
        b.addEventListener("click", function () {
          copyText(target).then(function () {
            b.textContent = "Copied";
            setTimeout(function () { b.textContent = "Copy"; }, 2000);
          }, function () {
            b.textContent = "Selected: press Ctrl+C";
          });
        });
      })(buttons[i]);
    }
  }

  function printButtons() {
    var buttons = document.querySelectorAll("button.print");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function () { window.print(); });
    }
  }

  function start() {
    localTimes();
    countdowns();
    copyButtons();
    printButtons();
    if (document.querySelector("[data-due]")) {
      setInterval(countdowns, 30000);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
