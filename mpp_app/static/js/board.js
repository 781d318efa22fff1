// TV board: clock, fading of the big call box, and the spoken calls. A chime, then the Indonesian
// sentence (twice), one call at a time. Calls already on the board when the page loads are not replayed.
//
// A wall TV has no mouse, so sound starts by itself where the browser allows it (Chromium started with
// --autoplay-policy=no-user-gesture-required). Where the browser blocks sound until someone interacts,
// a corner notice says so and any key or click turns sound on. <body data-sound> tells which:
// "on" or "blocked"; data-played counts the calls actually played.
(function () {
  "use strict";
  var zone = document.body.dataset.timezone || "Asia/Makassar";
  // The TV's own clock may be wrong: show the server's time, kept as an offset.
  var offset = (parseInt(document.body.dataset.serverNow, 10) || Date.now()) - Date.now();
  var announced = 0;
  var queue = [];
  var speaking = false;
  var soundOn = false;
  var audio = null;
  var played = 0;
  window.mppAnnouncements = [];

  function tick() {
    var now = new Date(Date.now() + offset);
    document.getElementById("board-time").textContent =
      now.toLocaleTimeString("id-ID", { timeZone: zone, hour: "2-digit", minute: "2-digit", second: "2-digit" });
    document.getElementById("board-date").textContent =
      now.toLocaleDateString("id-ID", { timeZone: zone, weekday: "long", day: "numeric", month: "long", year: "numeric" });
    // The board is only rendered again when something changes, so the browser fades the box itself.
    var newest = document.querySelector(".newest[data-called-at]");
    if (newest && now.getTime() - parseInt(newest.dataset.calledAt, 10) > parseInt(newest.dataset.fadeMs, 10)) {
      newest.classList.add("faded");
    }
  }

  function setSound(state) {
    soundOn = state === "on";
    document.body.dataset.sound = state;
    document.getElementById("sound-toggle").hidden = soundOn;
  }

  // An AudioContext made without a user gesture starts "suspended" where autoplay is blocked.
  function startSound() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { setSound("on"); return; }
    audio = new Context();
    audio.onstatechange = function () { setSound(audio.state === "running" ? "on" : "blocked"); };
    setSound(audio.state === "running" ? "on" : "blocked");
  }

  function enableSound() {
    if (soundOn) { return; }
    if ("speechSynthesis" in window) { speechSynthesis.speak(new SpeechSynthesisUtterance("")); }
    if (!audio) { setSound("on"); return; }
    audio.resume().then(function () { setSound(audio.state === "running" ? "on" : "blocked"); });
  }

  function calls() {
    return Array.prototype.map.call(document.querySelectorAll("[data-call-id]"), function (el) {
      return { id: parseInt(el.dataset.callId, 10), sentence: el.dataset.sentence };
    });
  }

  function chime(done) {
    if (!audio) { done(); return; }
    var tones = [[784, 0], [659, 0.45]];
    tones.forEach(function (tone) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = tone[0];
      gain.gain.setValueAtTime(0.0001, audio.currentTime + tone[1]);
      gain.gain.exponentialRampToValueAtTime(0.4, audio.currentTime + tone[1] + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + tone[1] + 0.8);
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + tone[1]);
      osc.stop(audio.currentTime + tone[1] + 0.85);
    });
    setTimeout(done, 1300);
  }

  function say(text, done) {
    if (!("speechSynthesis" in window)) { done(); return; }
    var finished = false;
    function end() { if (!finished) { finished = true; done(); } }
    var utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = "id-ID";
    utterance.rate = 0.9;
    var voice = speechSynthesis.getVoices().filter(function (v) { return v.lang && v.lang.indexOf("id") === 0; })[0];
    if (voice) { utterance.voice = voice; }
    utterance.onend = end;
    utterance.onerror = function (event) {
      if (event.error === "not-allowed") { setSound("blocked"); }
      end();
    };
    speechSynthesis.speak(utterance);
    // Some browsers never fire onend when no voice is installed: never let the queue stall.
    setTimeout(end, 1500 + text.length * 120);
  }

  function next() {
    if (speaking || !queue.length) { return; }
    var call = queue.shift();
    if (!soundOn) { next(); return; }
    speaking = true;
    played += 1;
    document.body.dataset.played = played;
    chime(function () {
      say(call.sentence, function () {
        say(call.sentence, function () { speaking = false; next(); });
      });
    });
  }

  function collect() {
    calls().sort(function (a, b) { return a.id - b.id; }).forEach(function (call) {
      if (call.id > announced) {
        announced = call.id;
        queue.push(call);
        window.mppAnnouncements.push(call.sentence);
      }
    });
    next();
  }

  document.addEventListener("DOMContentLoaded", function () {
    calls().forEach(function (call) { announced = Math.max(announced, call.id); });
    tick();
    setInterval(tick, 1000);
    var lastBody = null;
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      // The browser turns a 304 into the cached board: skip swapping identical content.
      if (event.detail.target.id === "board-state") {
        var body = event.detail.xhr.responseText;
        if (body === lastBody || !body) { event.detail.shouldSwap = false; }
        lastBody = body;
      }
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target.id === "board-state" || event.target.id === "board-state") { collect(); }
    });
    startSound();
    document.addEventListener("click", enableSound);
    document.addEventListener("keydown", enableSound);
  });
}());
