// Progressive enhancement for the moderation queue: keyboard shortcuts and actions
// without a page reload. Without this script every action is a plain form post.
(function () {
  "use strict";

  var live = document.getElementById("live");
  var items = Array.prototype.slice.call(document.querySelectorAll(".queue > .item"));
  var current = -1;
  var activeTab = document.querySelector('.tabs a[aria-current="page"][data-status]');
  var shownStatus = activeTab ? activeTab.getAttribute("data-status") : null;

  function announce(message) {
    if (live) { live.textContent = message; }
  }

  function select(index) {
    if (!items.length) { return; }
    index = Math.max(0, Math.min(items.length - 1, index));
    if (items[current]) { items[current].classList.remove("current"); }
    current = index;
    items[current].classList.add("current");
    items[current].focus({ preventScroll: true });
    items[current].scrollIntoView({ block: "nearest" });
  }

  function isTyping(target) {
    if (!target || !target.tagName) { return false; }
    if (target.isContentEditable) { return true; }
    var tag = target.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select") { return true; }
    if (tag !== "input") { return false; }
    return ["checkbox", "radio", "button", "submit", "reset"].indexOf(target.type) === -1;
  }

  function itemOf(element) {
    return element && element.closest ? element.closest(".queue > .item") : null;
  }

  // The item the focus is in, or the one picked with j/k.
  function currentItem() {
    var focused = itemOf(document.activeElement);
    if (focused) { current = items.indexOf(focused); }
    return items[current] || null;
  }

  // The tabs count within the current search and article: move one comment between them.
  function bump(status, delta) {
    var badge = document.querySelector('.tabs [data-count="' + status + '"]');
    if (badge) { badge.textContent = Math.max(0, parseInt(badge.textContent, 10) + delta); }
  }

  function updateItem(item, state) {
    if (!item || !state) { return; }
    var before = item.getAttribute("data-status");
    if (state.deleted) {
      bump(before, -1);
      retire(item);
      return;
    }
    if (before !== state.status) {
      bump(before, -1);
      bump(state.status, 1);
      item.setAttribute("data-status", state.status);
    }
    item.setAttribute("data-version", state.version);
    item.querySelectorAll('input[name="version"]').forEach(function (input) {
      input.value = state.version;
    });
    var box = item.querySelector("input.select");
    if (box) { box.value = state.id + ":" + state.version; }
    var badge = item.querySelector(".item-head .badge");
    if (badge) {
      badge.className = "badge badge-" + state.status;
      badge.textContent = state.status_label;
    }
    item.className = item.className.replace(/\bitem-(pending|approved|rejected|spam)\b/, "item-" + state.status);
    if (shownStatus && shownStatus !== state.status) { retire(item); }
  }

  // A comment that left this view: out of bulk selections, and since the comments after
  // this page have moved up, "Next" reloads this page number instead of skipping them.
  function retire(item) {
    item.classList.add("done");
    var box = item.querySelector("input.select");
    if (box) { box.checked = false; box.disabled = true; }
    var next = document.querySelector('.pagination a[rel="next"]');
    if (next) { next.href = window.location.pathname + window.location.search; }
  }

  // The queue link counts every pending comment, whatever the filter.
  function updateTotal(counts) {
    var total = document.querySelector("[data-pending-total]");
    if (total && counts) { total.textContent = counts.pending; }
  }

  function send(form) {
    var item = itemOf(form);
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      if (response.status === 401) { window.location.reload(); return; }
      return response.json().then(function (data) {
        if (response.ok) {
          updateItem(item, data.comment);
          updateTotal(data.counts);
          announce(data.message);
          if (item && item.classList.contains("done") && items.indexOf(item) === current) {
            select(current + 1);
          }
        } else {
          updateItem(item, data.comment);
          announce(data.error);
          var note = document.createElement("p");
          note.className = "flash flash-error";
          note.setAttribute("role", "alert");
          note.textContent = data.error;
          form.closest(".actions").before(note);
        }
      });
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    // Deleting many comments for good asks first, as deleting one does.
    var chosen = form.id === "bulk" ? form.querySelector('[name="action"]') : null;
    var bulkQuestion = form.getAttribute("data-confirm-delete");
    if (chosen && chosen.value === "delete" && bulkQuestion && !window.confirm(bulkQuestion)) {
      event.preventDefault();
      return;
    }
    if (!form.hasAttribute("data-action") || !itemOf(form) || !window.fetch) { return; }
    event.preventDefault();
    send(form).catch(function () { form.submit(); });
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (isTyping(event.target)) { return; }
    var key = event.key;
    if (key === "/") {
      var search = document.getElementById("q");
      if (search) { event.preventDefault(); search.focus(); }
      return;
    }
    if (!items.length) { return; }
    if (key === "j") { event.preventDefault(); select(current + 1); return; }
    if (key === "k") { event.preventDefault(); select(current < 0 ? 0 : current - 1); return; }
    var item = currentItem();
    // Acting keys only work on the comment that has the focus (j/k put it there), so a
    // stray key press elsewhere on the page (a link, the nav) changes nothing.
    if (!item || !item.contains(event.target)) { return; }
    if (key === "x") {
      var box = item.querySelector("input.select");
      if (box) { event.preventDefault(); box.checked = !box.checked; }
      return;
    }
    if (key === "o" || (key === "Enter" && event.target === item)) {
      var open = item.querySelector(".act-open");
      if (open) { event.preventDefault(); window.location.href = open.href; }
      return;
    }
    var button = item.querySelector('button[data-key="' + key + '"]');
    if (button) { event.preventDefault(); button.form.requestSubmit(button); }
  });

  items.forEach(function (item, index) {
    item.addEventListener("focusin", function () {
      if (items[current]) { items[current].classList.remove("current"); }
      current = index;
      item.classList.add("current");
    });
  });

  var all = document.getElementById("select-all");
  if (all) {
    all.closest("label").hidden = false;
    all.addEventListener("change", function () {
      document.querySelectorAll("input.select:not(:disabled)").forEach(function (box) {
        box.checked = all.checked;
      });
    });
  }

  // Coming back from an action (#comment-12): pick that item.
  if (window.location.hash) {
    var target = document.getElementById(window.location.hash.slice(1));
    if (target && items.indexOf(target) !== -1) { select(items.indexOf(target)); }
  }
}());
