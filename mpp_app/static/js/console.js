// Officer console: one key per action (N, U, M, S, H, A), ignored while typing in a field.
document.addEventListener("keydown", function (event) {
  var tag = (event.target.tagName || "").toLowerCase();
  if (event.ctrlKey || event.altKey || event.metaKey || tag === "input" || tag === "textarea" || tag === "select") {
    return;
  }
  var target = document.querySelector('[data-shortcut="' + event.key.toLowerCase() + '"]');
  if (target && !target.disabled) {
    event.preventDefault();
    // A fast key can arrive before htmx has bound the freshly swapped button, or the transfer
    // dialog's list that loads when it opens; bind them first.
    if (window.htmx) { window.htmx.process(target.closest("details") || target); }
    target.click();
  }
});

// Running clocks (counters/_timer.html): since the call, since service started, since the break.
// Elapsed = (the server's "now" - start) when the fragment was drawn + the time passed here since,
// measured with performance.now(): the PC's own clock may be wrong or jump, the server's is the rule.
function mppTickTimers() {
  document.querySelectorAll("time.timer[data-now]").forEach(function (timer) {
    if (timer.mppBase === undefined) {
      timer.mppBase = Date.parse(timer.getAttribute("data-now")) - Date.parse(timer.getAttribute("datetime"));
      timer.mppSeen = performance.now();
    }
    var seconds = Math.max(0, Math.floor((timer.mppBase + performance.now() - timer.mppSeen) / 1000));
    var minutes = Math.floor(seconds / 60);
    var text = (minutes < 10 ? "0" : "") + minutes + ":" + (seconds % 60 < 10 ? "0" : "") + (seconds % 60);
    if (timer.textContent !== text) { timer.textContent = text; }
    var limit = timer.getAttribute("data-limit");
    timer.classList.toggle("timer-over", limit !== null && seconds > Number(limit));
  });
}
mppTickTimers();
setInterval(mppTickTimers, 1000);
document.addEventListener("htmx:load", mppTickTimers);
