// Officer console: one key per action (N, U, M, S, H, A), ignored while typing in a field.
document.addEventListener("keydown", function (event) {
  var tag = (event.target.tagName || "").toLowerCase();
  if (event.ctrlKey || event.altKey || event.metaKey || tag === "input" || tag === "textarea" || tag === "select") {
    return;
  }
  var target = document.querySelector('[data-shortcut="' + event.key.toLowerCase() + '"]');
  if (target && !target.disabled) {
    event.preventDefault();
    // A fast key can arrive before htmx has bound the freshly swapped button; bind it first.
    if (window.htmx) { window.htmx.process(target); }
    target.click();
  }
});
