/* Prints the ticket page as soon as it has loaded (kiosk, desk), then goes back if asked to. */
(function () {
  "use strict";
  var body = document.body;
  var button = document.querySelector("[data-print]");
  if (button) button.addEventListener("click", function () { window.print(); });
  if (!body.hasAttribute("data-autoprint")) return;
  window.addEventListener("afterprint", function () {
    var back = body.dataset.back;
    // Only a path on this site: "/…", never "//host" or "/\host" (an open redirect).
    if (back && /^\/(?![\/\\])/.test(back)) window.location.assign(back);
  });
  window.addEventListener("load", function () { window.print(); });
})();
