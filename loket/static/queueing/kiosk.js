/* Loket kiosk (touch screen of an office): the clock, the return to the start screen, one tap = one
   ticket, QR scanner input, and — with ?printer=escpos — printing the ticket's ESC/POS bytes on a
   thermal printer over the Web Serial API, falling back to the print page when that is not possible.
   All data comes from data-attributes on the page (CSP: no inline scripts). */
(function () {
  "use strict";
  var body = document.body;
  if (!body.hasAttribute("data-kiosk")) return;
  var home = body.dataset.home;
  var IDLE_RESET_MS = 60000; // a forgotten priority toggle or half-typed code is cleared after a minute
  var DONE_RETURN_MS = 8000; // after a ticket was printed over Web Serial

  function $(sel) { return document.querySelector(sel); }
  function goHome() { window.location.assign(home); }

  // --- The clock, in the office's own time zone (WIB/WITA/WIT) ---------------------------------
  var time = $("[data-clock-time]");
  var date = $("[data-clock-date]");
  function tick() {
    var now = new Date();
    var opts = { timeZone: body.dataset.tz };
    try {
      time.textContent = now.toLocaleTimeString(body.dataset.lang, Object.assign({ hour: "2-digit", minute: "2-digit" }, opts));
      date.textContent = now.toLocaleDateString(body.dataset.lang, Object.assign({ weekday: "long", day: "numeric", month: "long", year: "numeric" }, opts));
    } catch (e) { /* an old browser without time zones keeps the server's time */ }
  }
  if (time && date) { tick(); setInterval(tick, 1000); }

  // --- A result screen (refusal, check-in done) goes back to the start by itself ---------------
  var result = $("[data-return-after]");
  if (result) setTimeout(goHome, (Number(result.dataset.returnAfter) || 15) * 1000);

  // --- One tap, one ticket: a second tap while the page is loading does nothing ---------------
  Array.prototype.forEach.call(document.querySelectorAll("form[data-once]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      body.classList.add("busy");
    });
  });

  // --- The priority toggle applies to a check-in too -------------------------------------------
  var priority = $("[data-priority]");
  var checkin = $("[data-checkin]");
  var scan = $("[data-scan]");
  if (checkin && priority) {
    checkin.addEventListener("submit", function () {
      $("[data-priority-copy]").value = priority.checked ? "1" : "";
    });
  }

  // --- The QR scanner types like a keyboard and ends with Enter. Wherever the focus is (a visitor
  // may have touched the toggle), the keys go into the scan field; Enter checks the ticket in. ---
  if (scan && checkin) {
    document.addEventListener("keydown", function (event) {
      if (event.target === scan || event.ctrlKey || event.altKey || event.metaKey) return;
      if (event.key === "Enter" && scan.value) {
        event.preventDefault();
        checkin.requestSubmit ? checkin.requestSubmit() : checkin.submit();
      } else if (event.key.length === 1 && !(event.key === " " && !scan.value)) {
        event.preventDefault();
        scan.value += event.key;
      }
    });
  }

  // --- Nobody touched the screen for a minute: start afresh for the next visitor ---------------
  var idle = null;
  function resetSoon() {
    clearTimeout(idle);
    idle = setTimeout(function () {
      if (priority) priority.checked = false;
      if (scan) { scan.value = ""; scan.focus(); }
    }, IDLE_RESET_MS);
  }
  if (priority || scan) {
    ["pointerdown", "keydown"].forEach(function (type) { document.addEventListener(type, resetSoon); });
  }

  // --- ESC/POS over Web Serial (?printer=escpos) -----------------------------------------------
  if (body.dataset.printer !== "escpos") return;
  var serial = navigator.serial;
  var setup = $("[data-printer-setup]");
  var status = $("[data-printer-status]");
  var missing = $("[data-serial-missing]");

  // The port the petugas chose once with "Choose printer"; the browser remembers the permission.
  function savedPort() {
    return serial.getPorts().then(function (ports) {
      if (!ports.length) throw new Error("no printer chosen");
      return ports[0];
    });
  }

  function showPrinter() {
    if (!status) return;
    savedPort().then(
      function () { status.textContent = status.dataset.ready; },
      function () { status.textContent = status.dataset.none; }
    );
  }

  // Write all bytes, let them drain (writer.close), then free the port for the next ticket.
  function send(port, bytes) {
    var open = port.writable ? Promise.resolve() : port.open({ baudRate: Number(body.dataset.baud) || 9600 });
    return open.then(function () {
      var writer = port.writable.getWriter();
      return writer.write(bytes)
        .then(function () { return writer.close(); })
        .finally(function () { writer.releaseLock(); });
    }).then(function () { return port.close(); });
  }

  if (!serial) {
    if (missing) missing.hidden = false;
  } else if (setup) {
    setup.hidden = false;
    showPrinter();
    $("[data-pick-printer]").addEventListener("click", function () {
      serial.requestPort().then(showPrinter, showPrinter); // cancelled: keep the previous choice
    });
  }

  // A ticket was just issued: print it over Web Serial, or open the print page instead.
  var issued = $("[data-issued]");
  if (!issued) return;
  function fallBack() { window.location.replace(issued.dataset.printUrl); }
  if (!serial) { fallBack(); return; }
  savedPort()
    .then(function (port) {
      return fetch(issued.dataset.escposUrl, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error("ESC/POS " + response.status);
        return response.arrayBuffer();
      }).then(function (buffer) { return send(port, new Uint8Array(buffer)); });
    })
    .then(function () {
      $("[data-print-busy]").hidden = true;
      $("[data-print-done]").hidden = false;
      setTimeout(goHome, DONE_RETURN_MS);
    })
    .catch(fallBack);
})();
