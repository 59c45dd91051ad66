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
