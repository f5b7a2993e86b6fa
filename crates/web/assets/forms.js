// motcua: small enhancements of pages that work without this script (GOV.UK patterns).
// - The error summary of a form sent back takes the focus, so that screen readers read it first.
// - Its links move the focus to their field and show the field with its label.
// - A file over the size limit is refused as soon as it is chosen, before any upload, with the
//   message the server would give beside the field.
(function () {
  "use strict";

  function focusSummary() {
    var summary = document.getElementById("error-summary");
    if (summary && document.activeElement !== summary) {
      summary.focus();
    }
  }

  function followSummaryLink(event) {
    var link = event.target.closest ? event.target.closest(".error-summary a[href^='#']") : null;
    if (!link) {
      return;
    }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) {
      return;
    }
    event.preventDefault();
    var shown = field.closest(".field") || field;
    shown.scrollIntoView();
    field.focus({ preventScroll: true });
    if (window.history && history.replaceState) {
      history.replaceState(null, "", "#" + field.id);
    }
  }

  function checkSize(input) {
    var max = Number(input.getAttribute("data-max-bytes"));
    var files = Array.prototype.slice.call(input.files || []);
    var tooLarge = max > 0 && files.some(function (f) { return f.size > max; });
    var id = input.id + "-too-large";
    var shown = document.getElementById(id);
    var field = input.closest(".field");
    if (tooLarge) {
      input.value = "";
      if (!shown) {
        shown = document.createElement("p");
        shown.id = id;
        shown.className = "error-message";
        shown.setAttribute("role", "alert");
        shown.textContent = input.getAttribute("data-too-large");
        input.parentNode.insertBefore(shown, input);
      }
      if (field) {
        field.classList.add("has-error");
      }
    } else if (shown) {
      shown.parentNode.removeChild(shown);
      if (field && !field.querySelector(".error-message")) {
        field.classList.remove("has-error");
      }
    }
  }

  function start() {
    focusSummary();
    document.addEventListener("click", followSummaryLink);
    var inputs = document.querySelectorAll("input[type=file][data-max-bytes]");
    Array.prototype.forEach.call(inputs, function (input) {
      input.addEventListener("change", function () { checkSize(input); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
