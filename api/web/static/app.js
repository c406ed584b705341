// Progressive enhancement only: every page works without it.
// <form data-confirm="…"> asks first and then posts confirm=yes, so the server skips its own
// confirm page. A select never submits its form by itself (WCAG 3.2.2: choosing with the arrow
// keys must not move the page): its form has a button.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (!question) {
      return;
    }
    if (!window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (!form.querySelector("input[name='confirm']")) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "confirm";
      input.value = "yes";
      form.appendChild(input);
    }
  });
})();
