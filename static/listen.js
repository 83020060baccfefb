/* Goes inline beside a plain widget iframe: sizes the frame to the widget, and shows a
   link to the group in its place while the widget has not spoken ten seconds after the
   frame came into view (the server is down). */
(function (box) {
  var f = box && box.querySelector('iframe'), a = document.createElement('a'), t = 0;
  if (!f) return;
  a.href = f.src; a.textContent = f.title;
  addEventListener('message', function (e) {
    var d = e.data;
    if (e.source !== f.contentWindow || !d || d.type !== 'gupshup:height' || !(d.height > 0 && d.height < 1e4)) return;
    clearTimeout(t); t = -1; a.remove(); f.style.display = '';
    f.style.height = Math.ceil(d.height) + 'px';
  });
  new IntersectionObserver(function (seen, o) {
    if (!seen[0].isIntersecting) return;
    o.disconnect();
    if (!t) t = setTimeout(function () { f.before(a); f.style.display = 'none'; }, 1e4);
  }).observe(f);
})(document.currentScript.closest('gupshup-widget'));
