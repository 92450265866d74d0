// Airut dashboard: makes the server-rendered pages live. Every page is
// complete without this script; with it, the page follows /api/ws and
// re-renders its <main> from the server when something it shows changes.
//
// Protocol (see spec/dashboard-pages.md and spec/dashboard-api.md): the
// server greets with {"type":"hello","instance":...}; we send
// {"subscribe":<topic>} for each topic of <body data-subscribe> (with
// "cursor" from data-cursor for events:<id>, from <ol data-net-cursor> for
// network:<id>); the server answers with a snapshot, then
// {"type":"event","event":<GatewayEvent>} and, for events:<id> and
// network:<id>, {"type":"append","lines":[...]}. A different instance id
// means the gateway restarted: reload the page.
(function () {
  "use strict";

  var body = document.body;
  var instance = body.getAttribute("data-instance") || "";
  var topics = (body.getAttribute("data-subscribe") || "").split(" ").filter(Boolean);
  var cursor = parseInt(body.getAttribute("data-cursor") || "0", 10) || 0;
  var statusEl = document.getElementById("live-status");
  var onActions = /\/actions$/.test(location.pathname);
  // network:<id>: complete lines of the log seen so far (the page renders
  // them into <ol data-net-cursor>; appends move it on).
  var netCursor = 0;

  localTimes(document);
  if (!topics.length || typeof WebSocket === "undefined" || typeof fetch === "undefined") {
    return;
  }

  var socket = null;
  var retryMs = 1000;
  var greeted = false;
  var refreshTimer = null;
  var refreshing = false;

  function setStatus(live) {
    if (!statusEl) return;
    statusEl.hidden = false;
    statusEl.className = "live-status " + (live ? "on" : "off");
    statusEl.textContent = live ? "live" : "offline";
  }

  function connect() {
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/ws";
    try {
      socket = new WebSocket(url);
    } catch (e) {
      setStatus(false);
      return;
    }
    socket.onopen = function () {
      retryMs = 1000;
      setStatus(true);
      topics.forEach(function (topic) {
        var request = { subscribe: topic };
        if (topic.indexOf("events:") === 0) request.cursor = cursor;
        if (topic.indexOf("network:") === 0) request.cursor = greeted ? netCursor : pageNetCursor();
        socket.send(JSON.stringify(request));
      });
    };
    socket.onmessage = function (message) {
      var msg;
      try {
        msg = JSON.parse(message.data);
      } catch (e) {
        return;
      }
      if (msg && typeof msg === "object") handle(msg);
    };
    socket.onclose = function () {
      setStatus(false);
      socket = null;
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 30000);
    };
    socket.onerror = function () {
      // onclose follows and schedules the retry.
    };
  }

  function handle(msg) {
    if (msg.type === "hello") {
      if (msg.instance && instance && msg.instance !== instance) {
        location.reload();
        return;
      }
      // After a reconnect, catch up on what was missed.
      if (greeted) scheduleRefresh();
      greeted = true;
      return;
    }
    if (relevant(msg)) scheduleRefresh();
  }

  // Whether a message changes what this page shows.
  function relevant(msg) {
    if (msg.type === "append") {
      if (typeof msg.cursor === "number" && /^events:/.test(msg.topic || "")) cursor = msg.cursor;
      if (typeof msg.cursor === "number" && /^network:/.test(msg.topic || "")) {
        netCursor = msg.cursor;
      }
      // New network lines: the page is fetched again, so rows are escaped,
      // classed (blocked, …) and filtered (?only=, ?host=) by the server.
      return Array.isArray(msg.lines) && msg.lines.length > 0;
    }
    if (msg.type !== "event" || !msg.event || typeof msg.event !== "object") {
      // Snapshots repeat what the page was rendered from; errors and
      // pongs change nothing on screen.
      return false;
    }
    var event = msg.event;
    var task = event.task && typeof event.task === "object" ? event.task : null;
    return topics.some(function (topic) {
      var cut = topic.indexOf(":");
      var kind = cut < 0 ? topic : topic.slice(0, cut);
      var id = cut < 0 ? "" : topic.slice(cut + 1);
      if (kind === "state") return event.type !== "claude";
      if (kind === "task") return !!task && task.task_id === id;
      if (kind === "conversation") {
        return (task ? task.conversation_id : event.conversation_id) === id;
      }
      return false;
    });
  }

  function pageNetCursor() {
    var list = document.querySelector("[data-net-cursor]");
    return list ? parseInt(list.getAttribute("data-net-cursor") || "0", 10) || 0 : 0;
  }

  function scheduleRefresh() {
    if (refreshTimer !== null) return;
    refreshTimer = setTimeout(function () {
      refreshTimer = null;
      refresh();
    }, 1000);
  }

  // Fetches this page again and swaps its <main>; leaves it alone while
  // the reader is typing in it.
  function refresh() {
    if (refreshing) {
      scheduleRefresh();
      return;
    }
    var main = document.getElementById("live");
    if (!main) return;
    var active = document.activeElement;
    if (active && main.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) {
      scheduleRefresh();
      return;
    }
    refreshing = true;
    var atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
    fetch(location.href, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("live");
        var freshInstance = doc.body && doc.body.getAttribute("data-instance");
        if (freshInstance && instance && freshInstance !== instance) {
          location.reload();
          return;
        }
        if (!fresh) return;
        var open = openDetails(main);
        main.replaceChildren.apply(main, Array.prototype.slice.call(fresh.childNodes).map(function (node) {
          return document.importNode(node, true);
        }));
        restoreDetails(main, open);
        localTimes(main);
        if (onActions && atBottom) window.scrollTo(0, document.body.scrollHeight);
      })
      .catch(function () {
        // Keep what is on screen; the next event tries again.
      })
      .then(function () {
        refreshing = false;
      });
  }

  // <details> the reader opened, by position, so a refresh keeps them open.
  function openDetails(root) {
    var open = [];
    root.querySelectorAll("details").forEach(function (el, i) {
      if (el.open) open.push(i);
    });
    return open;
  }

  function restoreDetails(root, open) {
    var all = root.querySelectorAll("details");
    open.forEach(function (i) {
      if (all[i]) all[i].open = true;
    });
  }

  // <time datetime> in the reader's time zone.
  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var date = new Date(el.getAttribute("datetime"));
      if (!isNaN(date.getTime())) {
        el.title = el.textContent;
        el.textContent = date.toLocaleString();
      }
    });
  }

  connect();
})();
