// fleetcharge: live state of stations. The stations list and a station's
// page mark the cells of a station's state with data-live-of (the station,
// or "station/connector") and data-live-field; this script follows those
// stations over server-sent events (GET /stations/events, web/live.go) and
// writes each change into the page: the texts and classes of the cells,
// the command forms disabled with the reason while the station is offline,
// and one polite status line that says what changed. Without scripts, or
// without EventSource, the page stays as it was served.
(function () {
  "use strict";
  if (!window.EventSource || !window.JSON || !document.querySelectorAll) return;
  var marked = document.querySelectorAll("[data-live-of]");
  if (!marked.length) return;
  var ids = [], seen = {};
  marked.forEach(function (el) {
    var id = el.getAttribute("data-live-of").split("/")[0];
    if (!seen[id]) {
      seen[id] = true;
      ids.push(id);
    }
  });
  ids = ids.slice(0, 100);

  // The status line goes before the first table or list of facts that
  // holds live cells; it exists before any change, so that screen readers
  // announce what is written into it.
  var summary = document.createElement("p");
  summary.className = "hint live-summary";
  summary.id = "live-summary";
  summary.setAttribute("role", "status");
  var anchor = marked[0].closest(".table-wrap") || marked[0].closest("dl") || marked[0];
  anchor.parentNode.insertBefore(summary, anchor);

  function setCell(el, c) {
    if (!c) return;
    if (el.textContent !== c.text) el.textContent = c.text;
    if (c.class) {
      if (el.className !== c.class) el.className = c.class;
    } else if (el.className) {
      el.removeAttribute("class");
    }
  }

  function applyCells(of, cells) {
    document.querySelectorAll('[data-live-of="' + of + '"]').forEach(function (el) {
      setCell(el, cells[el.getAttribute("data-live-field")]);
    });
  }

  // Command forms of the station: disabled with the reason while it is
  // offline; enabled again, when it is back, only those disabled for that
  // reason (a stop with no session running stays disabled).
  function applyCommands(st) {
    var prefix = "/stations/" + st.id + "/commands/";
    document.querySelectorAll("form").forEach(function (f) {
      var action = f.getAttribute("action") || "";
      if (action.indexOf(prefix) !== 0) return;
      var button = f.querySelector('button[type="submit"]');
      if (!button) return;
      var hintID = (f.id || "command") + "-disabled";
      var hint = document.getElementById(hintID);
      if (!st.online) {
        if (button.disabled) return;
        hint = document.createElement("p");
        hint.className = "hint";
        hint.id = hintID;
        hint.textContent = st.offline_reason;
        f.insertBefore(hint, button);
        button.disabled = true;
        button.setAttribute("aria-describedby", hintID);
      } else if (button.disabled && hint && hint.textContent === st.offline_reason) {
        hint.parentNode.removeChild(hint);
        button.disabled = false;
        button.removeAttribute("aria-describedby");
      }
    });
  }

  function apply(st) {
    applyCells(st.id, st.cells || {});
    (st.connectors || []).forEach(function (cp) {
      applyCells(st.id + "/" + cp.id, cp.cells || {});
    });
    applyCommands(st);
    if (st.announce) summary.textContent = st.announce;
  }

  var query = ids.map(function (id) { return "id=" + encodeURIComponent(id); }).join("&");
  var source = new EventSource("/stations/events?" + query);
  source.addEventListener("station", function (e) {
    var st;
    try {
      st = JSON.parse(e.data);
    } catch (err) {
      return;
    }
    apply(st);
  });
  // The browser opens an ended stream again by itself; leaving the page
  // closes it.
  window.addEventListener("pagehide", function () { source.close(); });
})();
