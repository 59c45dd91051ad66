// fleetcharge: a little progressive enhancement. Every form works without it.
document.addEventListener("change", function (e) {
  var el = e.target;
  if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
});
document.addEventListener("submit", function (e) {
  var f = e.target;
  var q = f.getAttribute && f.getAttribute("data-confirm");
  if (q && !window.confirm(q)) e.preventDefault();
});
// Live parts of a page (a station's connectors) refresh every 15 seconds
// while the page is visible.
(function () {
  if (!document.querySelector("[data-live]") || !window.fetch || !window.DOMParser) return;
  setInterval(function () {
    if (document.hidden) return;
    fetch(location.pathname, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (!html) return;
      var doc = new DOMParser().parseFromString(html, "text/html");
      document.querySelectorAll("[data-live]").forEach(function (el) {
        var fresh = doc.getElementById(el.id);
        if (fresh && fresh.innerHTML !== el.innerHTML) el.innerHTML = fresh.innerHTML;
      });
    }).catch(function () {});
  }, 15000);
})();
// Pickers (input[data-pick]): as the user types, the suggestions of the
// datalist come from the server's search, narrowed by the form's fields
// named in data-pick-with; with data-pick-append, a chosen suggestion is
// added as a line to the textarea of that ID.
(function () {
  if (!window.fetch || !window.URL) return;
  function suggest(el) {
    var u = new URL(el.getAttribute("data-pick"), location.href);
    u.searchParams.set("q", el.value);
    (el.getAttribute("data-pick-with") || "").split(",").forEach(function (name) {
      var f = name && el.form && el.form.elements[name];
      if (f && f.value) u.searchParams.set(name, f.value);
    });
    fetch(u.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (list) {
      var dl = list && document.getElementById(el.getAttribute("list"));
      if (!dl) return;
      dl.textContent = "";
      list.forEach(function (o) {
        var opt = document.createElement("option");
        opt.value = o.value;
        opt.textContent = o.label;
        dl.appendChild(opt);
      });
    }).catch(function () {});
  }
  document.addEventListener("input", function (e) {
    var el = e.target;
    if (!el.matches || !el.matches("input[data-pick]")) return;
    clearTimeout(el.pickTimer);
    el.pickTimer = setTimeout(function () { suggest(el); }, 200);
  });
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (!el.matches || !el.form) return;
    if (el.matches("input[data-pick-append]")) {
      var ta = document.getElementById(el.getAttribute("data-pick-append"));
      var v = el.value.trim();
      if (!ta || !v) return;
      ta.value = ta.value.replace(/\s+$/, "") + (ta.value.trim() ? "\n" : "") + v;
      el.value = "";
      return;
    }
    // A field that narrows pickers (the account) refreshes their suggestions.
    el.form.querySelectorAll("input[data-pick-with]").forEach(function (p) {
      if (("," + p.getAttribute("data-pick-with") + ",").indexOf("," + el.name + ",") >= 0) suggest(p);
    });
  });
})();
