/* GupShup widget loader: <script src=".../embed.js" data-group="jumpy" async></script>,
   alone or inside the snippet's <gupshup-widget> wrapper (whose link it upgrades).
   Served after static/frame.js (gupshupFrame), which keeps the frame sized. */
(function (d, w) {
  var s = d.currentScript;
  if (!s) return;
  var origin = new URL(s.src).origin, a = s.dataset, q = new URLSearchParams();
  /* Every other data-* attribute is a widget option: the server reads what it knows. */
  var own = {group: 1, stream: 1, title: 1, heights: 1};
  Object.keys(a).forEach(function (k) { if (!own[k] && a[k]) q.set(k, a[k]); });
  var pub = a.stream === "public", f = d.createElement("iframe");
  var box = s.closest("gupshup-widget"), slot = box && box.querySelector("gupshup-slot");
  var earlier = s.previousElementSibling;  /* the slot of snippets before <gupshup-widget> */
  if (!box && earlier && earlier.hasAttribute("data-gupshup-slot")) slot = earlier;
  var where = box || s.parentNode, auto = !a.theme || a.theme === "auto";

  /* The page's own colours: the first opaque background behind the widget, light or
     dark; null when the page has none (the reader's preference decides). */
  function pageTheme() {
    for (var n = where; n && n.nodeType === 1; n = n.parentNode) {
      var c = getComputedStyle(n).backgroundColor.match(/[\d.]+/g);
      if (c && (c.length < 4 || +c[3] > 0.5)) {
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2] < 128 ? "dark" : "light";
      }
    }
    return null;
  }
  var theme = auto && pageTheme();
  if (theme) q.set("theme", theme);  /* right from the first paint */

  f.src = origin + (pub ? "/widget/public" : "/widget/groups/" + encodeURIComponent(a.group || "")) + "?" + q;
  f.title = a.title || "GupShup " + (pub ? "public stream" : "group " + a.group);
  f.loading = "lazy";
  f.setAttribute("scrolling", "no");
  /* The first height, by the width it will have (data-heights="narrow wide"; five
     messages' room for a hand-written snippet): the page hardly moves later. */
  var heights = (a.heights || "540 450").split(" "), narrow = (where.clientWidth || 600) < 420;
  f.style.cssText = "display:block;width:100%;border:0;overflow:hidden;height:" +
    (parseInt(heights[narrow ? 0 : 1], 10) || 540) + "px";
  var link = slot && slot.querySelector("a");
  if (!link) {
    link = d.createElement("a");
    link.href = f.src.split("?")[0];
    link.textContent = f.title;
  }
  if (slot) {  /* the snippet kept the room */
    f.style.height = getComputedStyle(slot).height;
    slot.replaceWith(f);
  } else {
    s.parentNode.insertBefore(f, s.nextSibling);
  }

  gupshupFrame(f, link, !!a.title);  /* sized by the widget, a link while it is silent */

  function tell(t) {
    if (f.contentWindow) f.contentWindow.postMessage({type: "gupshup:theme", theme: t}, origin);
  }
  if (auto) {  /* a theme's dark toggle changes a class or style on <html> or <body> */
    var follow = function () {
      var now = pageTheme();
      if (now !== theme) { theme = now; tell(theme || "auto"); }
    };
    /* once at the change, once after the theme's colour transition */
    var watch = new MutationObserver(function () { follow(); setTimeout(follow, 600); });
    [d.documentElement, d.body].forEach(function (n) {
      watch.observe(n, {attributes: true, attributeFilter: ["class", "style", "data-theme"]});
    });
  }

  w.addEventListener("message", function (e) {
    var m = e.data;
    if (m && e.source === w && m.type === "gupshup:theme" && f.contentWindow) tell(String(m.theme));
  });
})(document, window);
