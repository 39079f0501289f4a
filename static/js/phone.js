// Phone binding: a countdown to the code's expiry and the resend button's cooldown.
// The page works without this file: it states the expiry time and the server enforces the cooldown.
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function countdown(el) {
    var end = Date.parse(el.getAttribute("data-countdown-to"));
    var out = el.querySelector(".countdown-left");
    if (isNaN(end) || !out) { return; }
    function tick() {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      if (left === 0) {
        out.textContent = el.getAttribute("data-label-over");
        el.classList.add("over");
        return;
      }
      out.textContent = el.getAttribute("data-label-left") + " " + Math.floor(left / 60) + ":" + pad(left % 60);
      window.setTimeout(tick, 1000);
    }
    tick();
  }

  function resendButton(button) {
    var at = Date.parse(button.getAttribute("data-enable-at"));
    if (isNaN(at)) { return; }
    function check() {
      if (Date.now() >= at) {
        button.disabled = false;
        var wait = button.parentNode.querySelector(".resend-wait");
        if (wait) { wait.hidden = true; }
        return;
      }
      button.disabled = true;
      window.setTimeout(check, 500);
    }
    check();
  }

  document.querySelectorAll("[data-countdown-to]").forEach(countdown);
  document.querySelectorAll("button[data-enable-at]").forEach(resendButton);
})();
