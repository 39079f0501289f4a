// Phone binding: a countdown to the code's expiry and the resend button's cooldown.
// The page works without this file: it states the expiry time, the seconds to wait, and the server enforces the
// cooldown.
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

  // The resend button counts down on itself ("Resend in 60 s"), from the seconds the server rendered, so a wrong
  // clock on the phone changes nothing. At zero it is enabled again and says "Send a new code".
  function resendButton(button) {
    var left = parseInt(button.getAttribute("data-resend-in"), 10);
    var wait = button.getAttribute("data-label-wait");
    var ready = button.getAttribute("data-label-ready");
    if (isNaN(left) || left <= 0 || !wait) { return; }
    var note = document.getElementById("resend-wait");
    if (note) { note.hidden = true; button.removeAttribute("aria-describedby"); }
    var end = Date.now() + left * 1000;
    function tick() {
      var seconds = Math.max(0, Math.ceil((end - Date.now()) / 1000));
      if (seconds === 0) {
        button.disabled = false;
        button.textContent = ready;
        return;
      }
      button.disabled = true;
      button.textContent = wait.replace("{seconds}", String(seconds));
      window.setTimeout(tick, 250);
    }
    tick();
  }

  document.querySelectorAll("[data-countdown-to]").forEach(countdown);
  document.querySelectorAll("button[data-resend-in]").forEach(resendButton);
})();
