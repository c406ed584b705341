// The store display (/display/<token>). Without it the page shows its first page and refreshes
// itself every minute (a meta refresh in <noscript>). With it: the page moves on to
// data-following every data-refresh seconds, as that refresh would, the board's pages rotate every data-rotate
// seconds ("page 2 of 3"), and each celebration is shown full-screen for data-celebrate seconds,
// one after the other (a single fade-in, none under prefers-reduced-motion).
(function () {
  "use strict";
  var body = document.body;
  if (!body || !body.classList.contains("display")) {
    return;
  }
  var refreshMs = (parseInt(body.getAttribute("data-refresh"), 10) || 60) * 1000;
  var following = body.getAttribute("data-following");
  if (following) {
    window.setTimeout(function () {
      window.location.replace(following);
    }, refreshMs);
  }
  var rotateMs = (parseInt(body.getAttribute("data-rotate"), 10) || 10) * 1000;
  var celebrateMs = (parseInt(body.getAttribute("data-celebrate"), 10) || 5) * 1000;
  var pages = Array.prototype.slice.call(document.querySelectorAll("tbody[data-page]"));
  var number = document.querySelector("[data-page-number]");
  var current = 0;
  pages.forEach(function (page, i) {
    if (!page.hidden) {
      current = i;
    }
  });

  function showPage(index) {
    pages.forEach(function (page, i) {
      page.hidden = i !== index;
    });
    if (number) {
      number.textContent = String(index + 1);
    }
  }

  if (pages.length > 1) {
    window.setInterval(function () {
      current = (current + 1) % pages.length;
      showPage(current);
    }, rotateMs);
  }

  var items = Array.prototype.slice.call(document.querySelectorAll(".celebrations li"));
  if (!items.length) {
    return;
  }
  var overlay = document.createElement("div");
  overlay.className = "celebration-overlay";
  overlay.setAttribute("role", "status");
  overlay.hidden = true;
  body.appendChild(overlay);

  function celebrate(index) {
    if (index >= items.length) {
      overlay.hidden = true;
      return;
    }
    var item = items[index];
    overlay.textContent = "";
    ["who", "what"].forEach(function (part) {
      var source = item.querySelector("." + part);
      var line = document.createElement("div");
      line.className = part;
      line.textContent = source ? source.textContent : "";
      overlay.appendChild(line);
    });
    overlay.classList.remove("enter");
    void overlay.offsetWidth; // restart the one fade-in
    overlay.classList.add("enter");
    overlay.hidden = false;
    window.setTimeout(function () {
      celebrate(index + 1);
    }, celebrateMs);
  }

  celebrate(0);
})();
