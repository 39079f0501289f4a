// Two-step verification pages: the print button on the recovery-codes sheet (no inline script, CSP).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
