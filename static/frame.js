/* A widget frame follows its widget, wherever it was put: the loader (/embed.js starts with
   this file) and, inline before static/listen.js, the plain iframe snippet. The height (and name) the widget
   reports size the frame; while the widget has not spoken ten seconds after the frame came
   into view (its server is down), `link` stands in its place. */
function gupshupFrame(f, link, titled) {
  var origin = new URL(f.src).origin, shown = f.style.display, t = 0;
  addEventListener('message', function (e) {
    var d = e.data;
    if (e.origin !== origin || e.source !== f.contentWindow || !d || d.type !== 'gupshup:height' || !(d.height > 0 && d.height < 1e4)) return;
    clearTimeout(t); t = -1; link.remove(); f.style.display = shown;
    f.style.height = Math.ceil(d.height) + 'px';
    if (!titled && typeof d.title === 'string' && d.title) f.title = d.title.slice(0, 200);
  });
  new IntersectionObserver(function (seen, o) {
    if (!seen[0].isIntersecting) return;
    o.disconnect();
    if (!t) t = setTimeout(function () { f.before(link); f.style.display = 'none'; }, 1e4);
  }).observe(f);
}
