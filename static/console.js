/* The console without reloads: live character counts, and forms sent in the background
   with the answer's page swapped in. Without this file every form still works. */
(function () {
  "use strict";
  var doc = document;
  var LIMIT = 160;

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }

  function count(area) {
    var out = doc.getElementById(area.getAttribute("data-count"));
    if (!out) return;
    var n = area.value.trim().length;
    var over = n > LIMIT;
    out.textContent = n ? fill(out.getAttribute(over ? "data-over" : "data-of"),
                               {n: n, over: n - LIMIT}) : "";
    out.classList.toggle("over", over);
  }

  function counters(root) {
    root.querySelectorAll("textarea[data-count]").forEach(function (area) {
      count(area);
      area.addEventListener("input", function () { count(area); });
    });
  }

  function swap(html, url) {
    var next = new DOMParser().parseFromString(html, "text/html");
    var main = next.getElementById("main");
    if (!main) return false;
    doc.getElementById("main").replaceWith(main);
    doc.title = next.title;
    if (url) history.replaceState(null, "", url);
    counters(main);
    live(main);
    var said = main.querySelector(".said");
    if (said) { said.tabIndex = -1; said.focus(); }
    return true;
  }

  function send(form, event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    fetch(form.action, {method: "POST", body: new URLSearchParams(new FormData(form)),
                        credentials: "same-origin"})
      .then(function (response) {
        return response.text().then(function (html) {
          if (!swap(html, response.redirected ? response.url : null)) form.submit();
        });
      })
      .catch(function () { form.submit(); });
  }

  function live(root) {
    root.querySelectorAll("form[data-live]").forEach(function (form) {
      form.addEventListener("submit", function (event) { send(form, event); });
    });
  }

  counters(doc);
  live(doc);
})();
