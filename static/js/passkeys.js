// Passkeys (no inline script, CSP): the add page calls navigator.credentials.create with the options the server put
// on the page (#passkey-create-options), the second step calls navigator.credentials.get with #second-step-options;
// the browser's answer goes, as JSON, into the hidden "response" field and the form is sent.
(function () {
  "use strict";
  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var raw = atob(base64), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }
  function toText(buffer) {
    var bytes = new Uint8Array(buffer), raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function descriptors(list) {
    return (list || []).map(function (item) { return Object.assign({}, item, { id: toBytes(item.id) }); });
  }
  function creationOptions(json) {
    var options = Object.assign({}, json, { challenge: toBytes(json.challenge) });
    options.user = Object.assign({}, json.user, { id: toBytes(json.user.id) });
    options.excludeCredentials = descriptors(json.excludeCredentials);
    return options;
  }
  function requestOptions(json) {
    return Object.assign({}, json, { challenge: toBytes(json.challenge), allowCredentials: descriptors(json.allowCredentials) });
  }
  function answer(credential) {
    if (typeof credential.toJSON === "function") { return JSON.stringify(credential.toJSON()); }
    var response = credential.response, out = { clientDataJSON: toText(response.clientDataJSON) };
    if (response.attestationObject) {
      out.attestationObject = toText(response.attestationObject);
      out.transports = typeof response.getTransports === "function" ? response.getTransports() : [];
    } else {
      out.authenticatorData = toText(response.authenticatorData);
      out.signature = toText(response.signature);
      if (response.userHandle) { out.userHandle = toText(response.userHandle); }
    }
    return JSON.stringify({ id: credential.id, rawId: toText(credential.rawId), type: credential.type, response: out,
      clientExtensionResults: credential.getClientExtensionResults(), authenticatorAttachment: credential.authenticatorAttachment });
  }
  function wire(form, optionsId, call) {
    var source = document.getElementById(optionsId);
    var field = form.querySelector("[data-passkey-response]");
    var error = form.querySelector("[data-passkey-error]");
    if (!source || !field || !window.PublicKeyCredential) { return; }
    var json = JSON.parse(source.textContent);
    field.value = "";  // a page shown again after a refusal carries a new challenge: the old answer is spent
    form.addEventListener("submit", function (event) {
      if (field.value) { return; }
      event.preventDefault();
      delete form.dataset.sent;
      if (error) { error.hidden = true; }
      call(json).then(function (credential) {
        field.value = answer(credential);
        form.submit();
      }, function () {
        if (error) { error.hidden = false; }
      });
    });
  }
  var create = document.querySelector("form[data-passkey-create]");
  if (create) {
    wire(create, "passkey-create-options", function (json) {
      return navigator.credentials.create({ publicKey: creationOptions(json) });
    });
  }
  var get = document.querySelector("[data-passkey-get]");
  if (get && get.closest("form")) {
    wire(get.closest("form"), "second-step-options", function (json) {
      return navigator.credentials.get({ publicKey: requestOptions(json) });
    });
  }
})();
