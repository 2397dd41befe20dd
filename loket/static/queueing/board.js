/* Loket display board: polls the board's JSON view, shows each counter's number and the last
   calls, and announces every new call (and recall) with the browser's speech synthesis.
   Browsers only speak after someone has touched the page once: the "voice" button does that
   (or start the TV's browser with --autoplay-policy=no-user-gesture-required). */
(function () {
  "use strict";
  var root = document.querySelector("[data-board]");
  if (!root) return;
  var url = root.dataset.url;
  var pollMs = Number(root.dataset.pollMs) || 500;
  var lang = root.dataset.lang || "id-ID";
  var last = Number(root.dataset.last) || 0; // calls up to here were made before the page opened
  var soundOn = false;
  var speech = [];
  var speaking = false;

  var el = function (sel) { return root.querySelector(sel); };
  var nowCode = el("[data-now-code]");
  var nowCounter = el("[data-now-counter]");
  var countersBody = el("[data-counters]");
  var recent = el("[data-recent]");
  var waiting = el("[data-waiting]");
  var offline = el("[data-offline]");
  var clock = el("[data-clock]");
  var soundButton = el("[data-sound]");

  function voice() {
    if (!("speechSynthesis" in window)) return null;
    var voices = window.speechSynthesis.getVoices() || [];
    var base = lang.split("-")[0];
    for (var i = 0; i < voices.length; i++) {
      if (voices[i].lang && voices[i].lang.toLowerCase().indexOf(base) === 0) return voices[i];
    }
    return null;
  }

  function chime() {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      var ctx = chime.ctx || (chime.ctx = new Ctx());
      [880, 660].forEach(function (freq, i) {
        var osc = ctx.createOscillator();
        var gain = ctx.createGain();
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.2, ctx.currentTime + i * 0.35);
        gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + i * 0.35 + 0.3);
        osc.connect(gain).connect(ctx.destination);
        osc.start(ctx.currentTime + i * 0.35);
        osc.stop(ctx.currentTime + i * 0.35 + 0.32);
      });
    } catch (e) { /* no sound device: the screen still shows the call */ }
  }

  function speakNext() {
    if (speaking || !speech.length) return;
    if (!soundOn || !("speechSynthesis" in window)) { speech = []; return; }
    speaking = true;
    var text = speech.shift();
    chime();
    var utter = new SpeechSynthesisUtterance(text);
    utter.lang = lang;
    utter.rate = 0.9;
    var v = voice();
    if (v) utter.voice = v;
    var done = function () { speaking = false; setTimeout(speakNext, 400); };
    utter.onend = done;
    utter.onerror = done;
    setTimeout(function () { window.speechSynthesis.speak(utter); }, 700);
    // Some engines never fire onend: do not let one lost event silence the board.
    setTimeout(function () { if (speaking) done(); }, 12000);
  }

  function setText(node, text) { if (node.textContent !== text) node.textContent = text; }

  function render(data) {
    var latest = data.calls[0];
    if (latest) {
      setText(nowCode, latest.code);
      setText(nowCounter, nowCounter.dataset.template + " " + latest.counter + (latest.counter_name ? " · " + latest.counter_name : ""));
    }
    var rows = data.counters.map(function (c) {
      var tr = document.createElement("tr");
      var name = document.createElement("td");
      name.textContent = c.number + (c.name ? " · " + c.name : "");
      var code = document.createElement("td");
      code.className = "code";
      code.textContent = c.code || "–";
      tr.appendChild(name);
      tr.appendChild(code);
      return tr;
    });
    countersBody.replaceChildren.apply(countersBody, rows);
    var items = data.calls.map(function (call) {
      var li = document.createElement("li");
      li.dataset.callId = call.id;
      li.textContent = call.code + " → " + nowCounter.dataset.template + " " + call.counter + "  (" + call.at + ")";
      return li;
    });
    recent.replaceChildren.apply(recent, items);
    setText(waiting, waiting.dataset.template + " " + data.waiting);
    setText(clock, data.time);
    // Announce new calls oldest first; flash the big number.
    var fresh = data.calls.filter(function (c) { return c.id > last; }).reverse();
    fresh.forEach(function (call) { speech.push(call.text); });
    if (fresh.length) {
      last = fresh[fresh.length - 1].id;
      root.classList.remove("flash");
      void root.offsetWidth;
      root.classList.add("flash");
      speakNext();
    }
  }

  function poll() {
    var started = Date.now();
    fetch(url + "?after=" + last, { cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { offline.hidden = true; render(data); })
      .catch(function () { offline.hidden = false; })
      .then(function () { setTimeout(poll, Math.max(pollMs - (Date.now() - started), 50)); });
  }

  soundButton.addEventListener("click", function () {
    soundOn = !soundOn;
    soundButton.setAttribute("aria-pressed", soundOn ? "true" : "false");
    if (soundOn && "speechSynthesis" in window) {
      // Speaking once from the click unlocks speech for later calls.
      var unlock = new SpeechSynthesisUtterance(" ");
      unlock.lang = lang;
      window.speechSynthesis.speak(unlock);
    }
  });

  poll();
})();
