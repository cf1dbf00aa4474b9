// cyra: drag-and-drop for file inputs inside a .dropzone. Progressive
// enhancement: without this script the file input works as usual (it is
// always visible and reachable with the keyboard); with it, a file dropped
// onto the zone becomes the input's file and its name is announced.
(function () {
  "use strict";

  function hasFiles(e) {
    var types = e.dataTransfer && e.dataTransfer.types;
    if (!types) {
      return false;
    }
    for (var i = 0; i < types.length; i++) {
      if (types[i] === "Files") {
        return true;
      }
    }
    return false;
  }

  function enhance(zone) {
    var input = zone.querySelector('input[type="file"]');
    if (!input) {
      return;
    }
    var status = zone.querySelector(".dropzone-status");
    var hint = zone.querySelector(".dropzone-hint");
    if (hint) {
      hint.hidden = false;
    }
    zone.classList.add("enhanced");
    var depth = 0;

    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }
    function chosen(extra) {
      if (input.files && input.files.length > 0) {
        say("Chosen: " + input.files[0].name + "." + (extra || ""));
      } else {
        say("");
      }
    }

    zone.addEventListener("dragenter", function (e) {
      if (!hasFiles(e)) {
        return;
      }
      e.preventDefault();
      depth++;
      zone.classList.add("dragover");
    });
    zone.addEventListener("dragover", function (e) {
      if (!hasFiles(e)) {
        return;
      }
      e.preventDefault();
      e.dataTransfer.dropEffect = "copy";
      zone.classList.add("dragover");
    });
    zone.addEventListener("dragleave", function () {
      depth = Math.max(0, depth - 1);
      if (depth === 0) {
        zone.classList.remove("dragover");
      }
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      depth = 0;
      zone.classList.remove("dragover");
      var files = e.dataTransfer && e.dataTransfer.files;
      if (!files || files.length === 0) {
        return;
      }
      var extra = "";
      try {
        if (files.length > 1 && typeof DataTransfer === "function") {
          // The input takes one file: keep the first.
          var one = new DataTransfer();
          one.items.add(files[0]);
          input.files = one.files;
          extra = " Only the first of the " + files.length + " dropped files is used.";
        } else {
          input.files = files;
        }
      } catch (err) {
        say("This browser cannot take a dropped file here; use the file field instead.");
        return;
      }
      input.dispatchEvent(new Event("change", { bubbles: true }));
      chosen(extra);
    });
    input.addEventListener("change", function () {
      chosen("");
    });
  }

  function init() {
    var zones = document.querySelectorAll(".dropzone");
    for (var i = 0; i < zones.length; i++) {
      enhance(zones[i]);
    }
    // A file dropped beside the zone would make the browser leave the page
    // (and the form) to show it: ignore such drops.
    if (zones.length > 0) {
      document.addEventListener("dragover", function (e) {
        if (hasFiles(e)) {
          e.preventDefault();
          if (!(e.target instanceof Element) || !e.target.closest(".dropzone")) {
            e.dataTransfer.dropEffect = "none";
          }
        }
      });
      document.addEventListener("drop", function (e) {
        if (hasFiles(e)) {
          e.preventDefault();
        }
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
