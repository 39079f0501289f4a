// Two-step verification pages (no inline script, CSP): the print button on the recovery-codes sheet, and forms that
// must not be sent twice by a double click (the server copes, but the second answer could replace the first).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
  });
});
