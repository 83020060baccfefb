/* The subscribe form without reloads: post as the form would, take the #subscribe section
   of the page the server answers with, announce its status, move focus sensibly. */
(function () {
  "use strict";
  var doc = document, section = doc.getElementById("subscribe"), timer = 0;
  if (!section) return;
  if (window.origin === "null") {
    /* A sandbox without our own origin (WordPress frames untrusted embeds so): neither the
       form nor a new window can work here. WordPress's wp-embed.js opens our own links in
       the top window when asked with its secret; where no host listens, the address is
       there to copy. */
    var note = doc.createElement("p"), url = section.getAttribute("data-url");
    note.className = "status";
    Array.prototype.forEach.call(section.querySelectorAll("form, .status"), function (n) { n.remove(); });
    section.appendChild(note);
    var offer = function () {
      var host = window.gupshupHost || {}, said = section.getAttribute("data-elsewhere") + " ";
      if (host.secret) {
        var link = doc.createElement("a");
        link.href = url; link.className = "button"; link.textContent = section.getAttribute("data-link");
        link.addEventListener("click", function (e) {
          e.preventDefault();
          parent.postMessage({message: "link", value: url, secret: host.secret}, "*");
        });
        note.replaceChildren(said, doc.createElement("br"), link);
      } else {
        var address = doc.createElement("span");
        address.className = "address"; address.textContent = url;
        note.replaceChildren(said + section.getAttribute("data-copy") + " ", address);
      }
    };
    offer();
    doc.addEventListener("gupshup:host", offer);
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
