// Presenter mode: move through a huddle card with the keyboard or a presentation clicker
// (clickers send Page Down and Page Up). Each key follows one of the page's own links, so
// without this script Next, Previous and Leave still work as plain links.
(function () {
  "use strict";
  var KEYS = {
    ArrowRight: "next",
    PageDown: "next",
    " ": "next",
    Enter: "next",
    ArrowLeft: "previous",
    PageUp: "previous",
    Backspace: "previous",
    Escape: "leave",
  };

  function link(name) {
    return document.querySelector('a[data-presenter-key="' + name + '"]');
  }

  // Enter and Space on a focused link or control keep their usual meaning (follow that link).
  function ownKey(event) {
    var target = event.target;
    if (event.key !== "Enter" && event.key !== " " && event.key !== "Backspace") return false;
    return !!(target && target.closest && target.closest("a, button, input, select, textarea, summary"));
  }

  if (!link("next")) return;
  var hint = document.querySelector("[data-presenter-keys]");
  if (hint) hint.hidden = false;

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var name = KEYS[event.key];
    if (!name || ownKey(event)) return;
    var target = link(name);
    if (!target) return;
    event.preventDefault();
    window.location.assign(target.href);
  });
})();
