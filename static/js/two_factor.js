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
// "Copy all" on the recovery-codes sheet: one code a line. Hidden without JavaScript (download and print remain).
document.querySelectorAll("[data-copy-lines]").forEach(function (button) {
  var list = document.getElementById(button.getAttribute("data-copy-lines"));
  if (!list) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var text = Array.prototype.map.call(list.querySelectorAll("code"), function (code) {
      return code.textContent.trim();
    }).join("\n") + "\n";
    var done = function () { button.textContent = button.getAttribute("data-copied"); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { select(list); });
    } else {
      select(list);
      try { if (document.execCommand("copy")) { done(); } } catch (e) { /* the codes stay selected */ }
    }
  });
  function select(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
});
