// mock-apify dashboard: confirm actions in the page, and refresh the page's live parts in place.
// Plain JavaScript from the emulator itself; it talks to nothing but the page's own address.
"use strict";
(function () {
  var REFRESH_MS = 1000;
  var dialog = document.getElementById("confirm-dialog");

  // An action form asks first, in a dialog; the server asks again if JavaScript is off.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-confirm]") || form.querySelector("input[name=confirmed]")) return;
    event.preventDefault();
    if (!dialog || typeof dialog.showModal !== "function") {
      if (window.confirm(form.dataset.confirm)) confirmAndSubmit(form);
      return;
    }
    document.getElementById("confirm-question").textContent = form.dataset.confirm;
    dialog.returnValue = "";
    dialog.onclose = function () {
      if (dialog.returnValue === "yes") confirmAndSubmit(form);
    };
    dialog.showModal();
    document.getElementById("confirm-yes").focus();
  });

  function confirmAndSubmit(form) {
    var confirmed = document.createElement("input");
    confirmed.type = "hidden";
    confirmed.name = "confirmed";
    confirmed.value = "yes";
    form.appendChild(confirmed);
    form.submit();
  }

  // A form the reader has filled in is not replaced under them.
  function touched(event) {
    if (event.target.form) event.target.form.dataset.touched = "yes";
  }
  document.addEventListener("input", touched);
  document.addEventListener("change", touched);

  // Live updates: fetch this page again and swap each [data-live] part whose HTML changed,
  // keeping open <details>. Nothing is swapped while the reader is typing or confirming, nor a
  // part holding a form they filled in.
  function busy() {
    var active = document.activeElement;
    return document.hidden || (dialog && dialog.open) ||
      (active && active.matches("input, select, textarea") && active.closest("[data-live]"));
  }

  function refresh() {
    if (busy()) return schedule();
    fetch(window.location.href, { headers: { "X-Dashboard-Refresh": "1" }, cache: "no-store", credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html && !busy()) swap(html); })
      .catch(function () { /* the emulator stopped: try again later */ })
      .then(schedule);
  }

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    document.querySelectorAll("[data-live][id]").forEach(function (old) {
      var next = fresh.getElementById(old.id);
      if (!next || next.innerHTML === old.innerHTML || old.querySelector("form[data-touched]")) return;
      var open = Array.prototype.map.call(old.querySelectorAll("details[open][id]"), function (d) { return d.id; });
      old.innerHTML = next.innerHTML;
      open.forEach(function (id) {
        var details = document.getElementById(id);
        if (details) details.open = true;
      });
    });
  }

  function schedule() { window.setTimeout(refresh, REFRESH_MS); }

  document.documentElement.dataset.live = "on";
  schedule();
})();
