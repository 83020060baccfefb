/* The customization page, live: the server renders snippets and checks the group
   (GET / with Accept: application/json); this only wires the form to it. */
(function () {
  "use strict";
  var form = document.getElementById("options"), color = document.getElementById("color");
  var picker = document.getElementById("color-picker"), check = document.getElementById("group-check");
  var preview = document.getElementById("preview"), timer = 0, asked = 0;
  form.querySelector(".apply").hidden = true;

  function refresh() {
    var query = new URLSearchParams(new FormData(form)), mine = ++asked;
    fetch("/?" + query, {headers: {Accept: "application/json"}, credentials: "omit"})
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (mine !== asked) return;
        check.textContent = body.problem || check.getAttribute("data-found");
        check.className = body.problem ? "check" : "check ok";
        document.getElementById("option-warnings").textContent = (body.warnings || []).join(" ");
        Array.prototype.forEach.call(document.querySelectorAll("textarea[id^=snippet-]"), function (t) {
          t.value = body.snippets[t.id.slice(8)] || "";
        });
        var src = body.preview || "about:blank";  /* what the snippet shows, errors too */
        if (preview.getAttribute("src") !== src) {
          preview.src = src;
          preview.height = body.height;
        }
        history.replaceState(null, "", "/?" + query);
      }).catch(function () {});
  }
  function soon() { clearTimeout(timer); timer = setTimeout(refresh, 250); }
  function pressed() {
    Array.prototype.forEach.call(form.querySelectorAll(".swatch"), function (b) {
      b.setAttribute("aria-pressed", String(b.value === color.value.toLowerCase()));
    });
  }

  form.addEventListener("input", function (e) {
    if (e.target === picker) color.value = picker.value;
    if (e.target === color && /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.test(color.value)) {
      var v = color.value.replace("#", "");
      picker.value = "#" + (v.length === 3 ? v.replace(/(.)/g, "$1$1") : v);
    }
    pressed();
    soon();
  });
  form.addEventListener("click", function (e) {
    var b = e.target.closest(".swatch");
    if (!b) return;
    e.preventDefault();
    color.value = picker.value = b.value;
    pressed();
    refresh();
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); refresh(); });

  addEventListener("message", function (e) {
    var m = e.data;
    if (e.origin === location.origin && e.source === preview.contentWindow && m &&
        m.type === "gupshup:height" && typeof m.height === "number" && m.height > 0 && m.height < 1e4) {
      preview.style.height = Math.ceil(m.height) + "px";
    }
  });

  Array.prototype.forEach.call(document.querySelectorAll(".copy"), function (button) {
    button.addEventListener("click", function () {
      var area = document.getElementById(button.getAttribute("data-target"));
      var label = button.textContent;  /* the words are the page's, in its language */
      var done = function () { button.textContent = button.getAttribute("data-done"); setTimeout(function () { button.textContent = label; }, 1500); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(area.value).then(done, function () { area.select(); });
      } else {
        area.select();
        if (document.execCommand("copy")) done();
      }
    });
  });
})();
