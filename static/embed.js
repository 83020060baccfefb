/* GupShup widget loader: <script src=".../embed.js" data-group="jumpy" async></script> */
(function (d, w) {
  var s = d.currentScript;
  if (!s) return;
  var origin = new URL(s.src).origin, a = s.dataset, q = new URLSearchParams();
  /* Every other data-* attribute is a widget option: the server reads what it knows. */
  var own = {group: 1, stream: 1, title: 1, heights: 1};
  Object.keys(a).forEach(function (k) { if (!own[k] && a[k]) q.set(k, a[k]); });
  var pub = a.stream === "public", f = d.createElement("iframe");
  f.src = origin + (pub ? "/widget/public" : "/widget/groups/" + encodeURIComponent(a.group || "")) + "?" + q;
  f.title = a.title || "GupShup " + (pub ? "public stream" : "group " + a.group);
  f.loading = "lazy";
  f.setAttribute("scrolling", "no");
  /* The first guess, by the width it will have (narrow frames wrap more), as the snippet
     says (data-heights="narrow wide"), so the page hardly moves when the widget reports
     its real height. A snippet written by hand gets five messages' room. */
  var heights = (a.heights || "540 450").split(" "), narrow = (s.parentNode.clientWidth || 600) < 420;
  f.style.cssText = "display:block;width:100%;border:0;overflow:hidden;height:" +
    (parseInt(heights[narrow ? 0 : 1], 10) || 540) + "px";
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
