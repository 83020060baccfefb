/* The subscribe form without reloads: post as the form would, take the #subscribe section
   of the page the server answers with, announce its status, move focus sensibly. */
(function () {
  "use strict";
  var doc = document, section = doc.getElementById("subscribe"), timer = 0;
  if (!section) return;
  if (window.origin === "null") {
    /* A sandbox without our own origin (WordPress frames untrusted embeds so): neither the
       form nor our requests can work here. Say so, and where it does work. */
    var note = doc.createElement("p"), link = doc.createElement("a");
    note.className = "status";
    note.textContent = section.getAttribute("data-elsewhere") + " ";
    link.href = link.textContent = section.getAttribute("data-url");
    link.target = "_blank"; link.rel = "noopener";
    note.appendChild(link);
    Array.prototype.forEach.call(section.querySelectorAll("form, .status"), function (n) { n.remove(); });
    section.appendChild(note);
    return;
  }
  if (!window.fetch || !window.DOMParser) return;

  function countdown() {
    var b = section.querySelector("button[data-wait]");
    clearInterval(timer);
    if (!b) return;
    var left = +b.getAttribute("data-wait"), label = b.textContent;
    function tick() {
      b.disabled = left > 0;
      b.textContent = left > 0 ? b.getAttribute("data-label").replace("{s}", left) : label;
      if (left-- <= 0) clearInterval(timer);
    }
    tick();
    timer = setInterval(tick, 1000);
  }

  function show(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("subscribe");
    if (!fresh) throw new Error("no form in the answer");
    section.replaceChildren.apply(section, Array.prototype.map.call(fresh.childNodes, function (n) {
      return doc.importNode(n, true);
    }));
    var status = doc.getElementById("sub-status");
    var field = doc.getElementById("sub-code") || doc.getElementById("sub-phone");
    doc.getElementById("announce").textContent = status.textContent;
    if (field) {  /* back where the visitor types, with the words read out with it */
      field.setAttribute("aria-describedby", "sub-status");
      field.focus();
      if (status.classList.contains("bad") && field.select) field.select();
    } else {
      status.focus();
    }
    countdown();
  }

  section.addEventListener("submit", function (e) {
    var form = e.target;
    e.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(form.action, {method: "POST", body: new URLSearchParams(new FormData(form))})
      .then(function (r) { return r.text(); })
      .then(show)
      .catch(function () { button.disabled = false; form.submit(); });
  });
  countdown();
})();
