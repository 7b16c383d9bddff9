// The assign page: show only the part of the form for the kind of target chosen (people, a
// team or a job role). Without this script every part shows and only the chosen one is used.
(function () {
  "use strict";
  var form = document.querySelector("[data-assign-form]");
  if (!form) return;
  var radios = form.querySelectorAll('input[name="target"]');
  var parts = form.querySelectorAll("[data-assign-target]");

  function show() {
    var chosen = form.querySelector('input[name="target"]:checked');
    for (var i = 0; i < parts.length; i++) {
      parts[i].hidden = !chosen || parts[i].getAttribute("data-assign-target") !== chosen.value;
    }
  }

  for (var i = 0; i < radios.length; i++) radios[i].addEventListener("change", show);
  form.classList.add("assign-form--enhanced");
  show();
})();
