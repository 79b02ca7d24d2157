// The scan page: read a label's QR code with the camera where the browser offers the
// BarcodeDetector API (Chrome on Android, Edge, Safari 17+ behind a flag), else the text box
// (typed, or filled by a keyboard-wedge barcode scanner) is the way. No library is loaded.
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  var input = document.getElementById("scan-code");
  var box = document.getElementById("scan-camera");
  var unsupported = document.getElementById("scan-unsupported");
  if (!form || !input) return;

  var canDetect = "BarcodeDetector" in window && navigator.mediaDevices &&
    typeof navigator.mediaDevices.getUserMedia === "function";
  if (!canDetect) {
    if (unsupported) unsupported.hidden = false;
    return;
  }
  box.hidden = false;
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  var start = document.getElementById("scan-start");

  function open(text) {
    // A label's QR holds this site's /scan/<code> URL: follow it. Anything else is taken as a
    // code typed into the form, never as a place to go (no open redirect from a sticker).
    try {
      var url = new URL(text, window.location.href);
      if (url.origin === window.location.origin && url.pathname.indexOf("/scan/") === 0) {
        window.location.assign(url.href);
        return;
      }
    } catch (e) { /* not a URL: a bare code */ }
    input.value = text;
    form.submit();
  }

  start.addEventListener("click", function () {
    var detector;
    try {
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch (e) {
      status.textContent = "QR codes cannot be read here; type the code instead.";
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        start.hidden = true;
        status.textContent = "Hold the label's QR code in front of the camera.";
        return video.play().then(function () {
          var busy = false;
          var timer = window.setInterval(function () {
            if (busy || video.readyState < 2) return;
            busy = true;
            detector.detect(video).then(function (codes) {
              busy = false;
              if (codes.length && codes[0].rawValue) {
                window.clearInterval(timer);
                stream.getTracks().forEach(function (t) { t.stop(); });
                status.textContent = "Found " + codes[0].rawValue;
                open(codes[0].rawValue);
              }
            }, function () { busy = false; });
          }, 250);
        });
      })
      .catch(function (err) {
        status.textContent = "The camera could not be opened (" + (err && err.name || "error") +
          "); type the code instead. Browsers allow the camera only over HTTPS or on localhost.";
      });
  });
}());
