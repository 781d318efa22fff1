// Confirm destructive actions before they are sent.
//
// Contract (shared by every page that includes this file):
// - <form data-confirm="text"> asks window.confirm(text) when it is submitted;
// - <button data-confirm="text"> (or <input type="submit" data-confirm>) asks when it is clicked;
// - "Cancel" sends nothing; "OK" lets the submit or the htmx request go ahead unchanged.
// It works for plain forms and for htmx-driven ones alike (hx-post on the form or the button): for
// those the question is asked from htmx's own htmx:confirm event, so it is asked once. `hx-confirm`
// keeps working too, but use data-confirm everywhere so one pattern serves both kinds of form.
// The page must include it: <script src=".../js/confirm.js" defer></script> (no inline script: CSP).
(function () {
  var HTMX_REQUEST = "[hx-get],[hx-post],[hx-put],[hx-patch],[hx-delete]," +
    "[data-hx-get],[data-hx-post],[data-hx-put],[data-hx-patch],[data-hx-delete]";

  function sentByHtmx(element) {
    return element.matches(HTMX_REQUEST) || Boolean(element.closest('[hx-boost="true"]'));
  }

  // Plain submit buttons ask on click, before the browser (or htmx, for an htmx form) submits.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm], input[type=submit][data-confirm]");
    if (!button || button.disabled || sentByHtmx(button)) { return; }
    if (!window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-confirm") || sentByHtmx(form)) { return; }
    if (!window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // htmx asks this event before every request it sends; hold the request until the user answers.
  document.addEventListener("htmx:confirm", function (event) {
    var text = event.detail.elt.getAttribute("data-confirm");
    if (!text) { return; }
    event.preventDefault();
    if (window.confirm(text)) { event.detail.issueRequest(true); }
  });
})();
