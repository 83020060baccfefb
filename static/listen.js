/* Inline beside a plain widget iframe (after static/frame.js, in a data: URL): the frame
   of the snippet's own wrapper follows its widget, with a link to the group made from it. */
(function (box) {
  var f = box && box.querySelector('iframe'), a = document.createElement('a');
  if (!f) return;
  a.href = f.src; a.textContent = f.title;
  gupshupFrame(f, a, false);
})(document.currentScript.closest('gupshup-widget'));
