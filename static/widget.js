/* GupShup widget: reports its height, shows relative times, hears of new messages live
   (Server-Sent Events) and polls for them.
   Message text only ever goes in through textContent. */
(function () {
  "use strict";
  var doc = document, root = doc.documentElement, feed = doc.querySelector(".feed");
  var lang = root.lang || "en";
  /* Relative times in the reader's words where the browser knows the language; where it
     does not (Odia in Chromium), the server's own date and time stay rather than English. */
  var rtf = window.Intl && Intl.RelativeTimeFormat && Intl.RelativeTimeFormat.supportedLocalesOf([lang]).length ?
    new Intl.RelativeTimeFormat(lang + "-IN", {numeric: "auto"}) : null;

  /* WordPress shows and resizes an embed only when it speaks its own protocol, with the
     secret WordPress put last in our URL's fragment (#?secret=…) or sends with "ready";
     it keeps the frame within 200 and 1000 px, so there the list of messages scrolls
     rather than be cut off. */
  var host = {secret: null};
  function secretOf(hash) { var all = hash.match(/secret=[A-Za-z0-9]{1,64}/g); return all ? all[all.length - 1].slice(7) : null; }
  function learn(secret) {  /* and say the height again: what we said before WordPress's
                               script listened was lost, and "ready" says it listens now */
    if (!secret) return;
    if (secret !== host.secret) {
      host.secret = secret;
      doc.dispatchEvent(new CustomEvent("gupshup:host", {detail: host}));
    }
    report();
  }
  window.gupshupHost = host;
  function fit(limit) {
    if (!feed) return;
    feed.style.maxHeight = "";
    var over = Math.ceil(doc.body.getBoundingClientRect().height) - limit;
    if (over > 0) feed.style.maxHeight = Math.max(120, feed.clientHeight - over) + "px";
    feed.classList.toggle("scrolls", over > 0);
  }
  function report() {
    if (parent === window) return;
    if (host.secret) fit(1000);
    var h = Math.ceil(doc.body.getBoundingClientRect().height);
    parent.postMessage({type: "gupshup:height", height: h, title: doc.title}, "*");
    if (host.secret) parent.postMessage({message: "height", value: h, secret: host.secret}, "*");
  }
  if (parent === window) alone();
  if (window.ResizeObserver) new ResizeObserver(report).observe(doc.body);
  addEventListener("load", report);
  addEventListener("hashchange", function () { learn(secretOf(location.hash)); });
  learn(secretOf(location.hash));
  report();

  /* Opened on its own (a reader who followed "Subscribe by SMS"): a page of its own,
     with the way back to where the reader came from. */
  function alone() {
    root.classList.add("alone");
    var back = doc.querySelector(".back"), link = back && back.querySelector("a");
    if (!link || (!doc.referrer && history.length < 2)) return;
    if (doc.referrer) link.href = doc.referrer;
    back.hidden = false;
    link.addEventListener("click", function (e) {
      if (history.length > 1) { e.preventDefault(); history.back(); }
    });
  }

  addEventListener("message", function (e) {
    var d = e.data;
    if (e.source !== parent || !d) return;
    if (d.type === "gupshup:theme" && /^(light|dark|auto)$/.test(d.theme)) {
      root.setAttribute("data-theme", d.theme);
    } else if (d.message === "ready" && typeof d.secret === "string" && /^[A-Za-z0-9]{1,64}$/.test(d.secret)) {
      learn(d.secret);
    }
  });

  var units = [["year", 31536e3], ["month", 2592e3], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
  function relative(t) {
    var when = new Date(t.getAttribute("datetime"));
    if (isNaN(when)) return;
    var s = (when - Date.now()) / 1000;
    t.title = when.toLocaleString(lang);
    if (!rtf) return;
    for (var i = 0; i < units.length; i++) {
      if (Math.abs(s) >= units[i][1] || i === units.length - 1) {
        t.textContent = rtf.format(Math.round(s / units[i][1]), units[i][0]);
        return;
      }
    }
  }
  function times() { Array.prototype.forEach.call(doc.querySelectorAll("time[datetime]"), relative); }
  times();

  /* The feed is one tab stop; arrow keys (and Page Up/Down, as the ARIA feed pattern has
     it) move between its messages, so a reader reaches the form without tabbing through
     every message. */
  if (feed) feed.addEventListener("keydown", function (e) {
    var all = Array.prototype.slice.call(feed.querySelectorAll(".msg"));
    var at = all.indexOf(doc.activeElement), step = {ArrowDown: 1, PageDown: 1, ArrowUp: -1, PageUp: -1}[e.key];
    if (!step || !all.length) return;
    e.preventDefault();
    all[Math.max(0, Math.min(all.length - 1, at < 0 ? 0 : at + step))].focus();
  });

  if (!feed || feed.getAttribute("data-live") !== "1" || !window.fetch) return;
  var showGroup = !doc.querySelector(".head .meta");
  var inGroup = (feed.getAttribute("data-in") || "{group}").split("{group}");  /* the words around a group's name */
  var news = JSON.parse(feed.getAttribute("data-new") || "{}");  /* "n new messages", in the language's plural for each n */

  function article(m) {
    var a = doc.createElement("article"), p = doc.createElement("p"), meta = doc.createElement("p"), t = doc.createElement("time");
    a.className = "msg new"; a.tabIndex = -1; a.setAttribute("data-id", m.id);
    p.className = "text"; p.textContent = m.text;
    meta.className = "meta";
    if (showGroup) {
      var g = doc.createElement("span"), name = doc.createElement("bdi");
      g.className = "grp"; name.textContent = m.group;
      g.append(inGroup[0], name, inGroup[1] || "");
      meta.appendChild(g); meta.appendChild(doc.createTextNode(feed.getAttribute("data-sep") || " \u00b7 "));
    }
    t.setAttribute("datetime", m.time); t.textContent = m.time;
    meta.appendChild(t); a.appendChild(p); a.appendChild(meta);
    return a;
  }

  function notice(failing) {  /* shown only while GupShup fails, cleared when it answers */
    var note = doc.querySelector(".note");
    if (failing && !note) {
      note = doc.createElement("p"); note.className = "note"; note.setAttribute("role", "status");
      note.textContent = feed.getAttribute("data-failing");
      feed.parentNode.insertBefore(note, feed);
    } else if (!failing && note) {
      note.remove();
    }
  }

  function poll(version) {
    if (doc.hidden) return;
    /* A new version is asked for by a URL of its own: no cache on the way holds it yet. */
    var url = feed.getAttribute("data-api") + (typeof version === "string" ? "&v=" + encodeURIComponent(version) : "");
    fetch(url, {cache: "no-cache", credentials: "omit"}).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (body) {
      if (!body || !body.messages) return;
      notice(body.failing);
      var seen = {}, fresh = [];
      Array.prototype.forEach.call(feed.querySelectorAll(".msg"), function (a) { seen[a.getAttribute("data-id")] = 1; });
      body.messages.forEach(function (m) { if (!seen[m.id]) fresh.push(m); });
      if (!fresh.length) { times(); return; }
      var empty = feed.querySelector(".empty");
      if (empty) empty.remove();
      for (var i = fresh.length - 1; i >= 0; i--) feed.insertBefore(article(fresh[i]), feed.firstChild);
      var all = feed.querySelectorAll(".msg");
      for (var j = body.messages.length; j < all.length; j++) all[j].remove();
      times();
      var n = fresh.length;
      doc.getElementById("announce").textContent = news[n] || news[Object.keys(news).pop()] || "";
    }).catch(function () {});
  }
  /* Live: the server says "changed" as soon as it holds new messages; the poll above
     fetches them. A hidden tab holds no connection; a lost one is retried by the browser
     (the server spreads its retry times), one refused is retried here with backoff. */
  var source = null, backoff = 2000, retry = null;
  function listen() {
    if (!window.EventSource || doc.hidden || source) return;
    source = new EventSource(feed.getAttribute("data-events"));
    source.addEventListener("hello", function (e) { backoff = 2000; poll(e.data); });
    source.addEventListener("changed", function (e) { poll(e.data); });
    source.onerror = function () {
      if (source && source.readyState === 2) {
        source = null;
        clearTimeout(retry);
        retry = setTimeout(listen, backoff + Math.random() * 1000);
        backoff = Math.min(backoff * 2, 120000);
      }
    };
  }
  function hush() { if (source) { source.close(); source = null; } }
  setInterval(function () { poll(); }, 60000);
  doc.addEventListener("visibilitychange", function () {
    if (doc.hidden) { hush(); } else { poll(); listen(); }
  });
  listen();
})();
