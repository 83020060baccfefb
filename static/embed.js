/* GupShup widget loader: <script src=".../embed.js" data-group="jumpy" async></script> */
(function (d, w) {
  var s = d.currentScript;
  if (!s) return;
  var origin = new URL(s.src).origin, a = s.dataset, q = new URLSearchParams();
  ["color", "theme", "count", "subscribe", "lang"].forEach(function (k) { if (a[k]) q.set(k, a[k]); });
  var pub = a.stream === "public", f = d.createElement("iframe"), n = +a.count || 5;
  f.src = origin + (pub ? "/widget/public" : "/widget/groups/" + encodeURIComponent(a.group || "")) + "?" + q;
  f.title = a.title || "GupShup " + (pub ? "public stream" : "group " + a.group);
  f.loading = "lazy";
  f.setAttribute("scrolling", "no");
  /* The first guess, by the width it will have (narrow frames wrap more), so the page
     hardly moves when the widget reports its real height. */
  var narrow = (s.parentNode.clientWidth || 600) < 420;
  f.style.cssText = "display:block;width:100%;border:0;overflow:hidden;height:" +
    (150 + (narrow ? 78 : 60) * (n > 0 && n < 16 ? n : 5) +
     (/^(1|true|yes|on)$/i.test(a.subscribe || "") ? (narrow ? 188 : 170) : 0)) + "px";
  var slot = s.previousElementSibling;
  if (slot && slot.hasAttribute("data-gupshup-slot")) {  /* the snippet kept the room */
    f.style.height = getComputedStyle(slot).height;
    slot.replaceWith(f);
  } else {
    s.parentNode.insertBefore(f, s.nextSibling);
  }
  w.addEventListener("message", function (e) {
    var m = e.data;
    if (!m) return;
    if (e.origin === origin && e.source === f.contentWindow && m.type === "gupshup:height" &&
        typeof m.height === "number" && m.height > 0 && m.height < 1e4) {
      f.style.height = Math.ceil(m.height) + "px";
    } else if (e.source === w && m.type === "gupshup:theme" && f.contentWindow) {
      f.contentWindow.postMessage({type: "gupshup:theme", theme: String(m.theme)}, origin);
    }
  });
})(document, window);
