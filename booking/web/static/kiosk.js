// The kiosk's one script (the forms work without it). A form is sent in the background: a ticket appears
// only once the server made it, and a lost network is said plainly, in the page's language, instead of
// the browser's own error page. Sending again is safe: a code, or a walk-in form's key, gives one ticket.
(function () {
  "use strict";
  var TIMEOUT_MS = 20000;

  function show(id, on) {
    var element = document.getElementById(id);
    if (element) element.hidden = !on;
  }

  window.addEventListener("offline", function () { show("offline", true); });
  window.addEventListener("online", function () { show("offline", false); });

  function ready() {
    show("offline", !navigator.onLine);
    var print = document.querySelector("[data-print]");
    if (print) {
      print.hidden = false;
      print.addEventListener("click", function () { window.print(); });
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (link && !navigator.onLine) {
      event.preventDefault();
      show("offline", true);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.method.toLowerCase() !== "post" || !window.fetch) return;
    event.preventDefault();
    if (form.dataset.sending) return; // a double tap sends once
    var body = new URLSearchParams(new FormData(form));
    if (event.submitter && event.submitter.name) body.append(event.submitter.name, event.submitter.value);
    form.dataset.sending = "1";
    show("offline", false);
    show("sending", true);
    var control = new AbortController();
    var timer = setTimeout(function () { control.abort(); }, TIMEOUT_MS);
    fetch(form.action, { method: "POST", body: body, credentials: "same-origin", signal: control.signal })
      .then(function (response) {
        if (response.redirected) {
          window.location.assign(response.url); // the ticket's page
          return;
        }
        return response.text().then(function (html) { // a refusal: the page with its message
          var page = new DOMParser().parseFromString(html, "text/html");
          document.title = page.title;
          document.body.replaceWith(document.adoptNode(page.body));
          ready();
          var alert = document.querySelector("[data-testid=kiosk-message]");
          if (alert) { alert.tabIndex = -1; alert.focus(); }
        });
      })
      .catch(function () {
        delete form.dataset.sending;
        show("sending", false);
        show("offline", true);
        var alert = document.getElementById("offline");
        if (alert) { alert.tabIndex = -1; alert.focus(); }
      })
      .finally(function () { clearTimeout(timer); });
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
