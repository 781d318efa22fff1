// A citizen's ticket status page. The card, replaced by every poll, carries its state: the tab
// title follows it (a phone's tab list and lock-screen tab show "DIPANGGIL"), and when the ticket
// is called, or called again, the phone vibrates where the browser allows it (Chrome only after
// the citizen has touched the page once; elsewhere the big banner and the title still say it).
(function () {
  "use strict";
  var seen = null;

  function follow() {
    var card = document.getElementById("ticket-status");
    if (!card) return;
    if (card.dataset.title) document.title = card.dataset.title;
    var call = card.dataset.status === "called" ? "called:" + card.dataset.calls : card.dataset.status;
    if (seen !== null && call !== seen && card.dataset.status === "called" && navigator.vibrate) {
      navigator.vibrate([400, 200, 400, 200, 400]);
    }
    seen = call;
  }

  var lastBody = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    // An unchanged card is answered 304, which the browser hands htmx as its copy of the last
    // card: leave the card in place rather than swap in the same text (a screen reader would
    // read the live region again).
    if (event.detail.target.id !== "ticket-status") return;
    var body = event.detail.xhr.responseText;
    if (body && body === lastBody) event.detail.shouldSwap = false;
    lastBody = body;
  });
  document.addEventListener("DOMContentLoaded", follow);
  document.addEventListener("htmx:afterSettle", follow);
})();
