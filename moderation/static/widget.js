/* Comments widget, second part: loaded by embed.js on first use (a field focused, a
 * button or link pressed) or at once for a reader who has posted before. Posting with
 * checks in the browser, replies, the reader's own comments (edit, delete, kept across
 * reloads with their edit tokens), older pages, the preview and the character counter.
 * Every sentence it shows comes from the server's fragment (its <template class="mc-t">). */
window.MCWidget = (c) => {
  const { root, widget, origin, store } = c;
  const api = `${origin}/api/articles/${c.path}`;
  const lang = "?lang=" + encodeURIComponent(c.meta.lang); // the server's words, in it
  const FIELDS = ["body", "name", "email", "website"];
  const $ = (selector, within = root) => within.querySelector(selector);
  const t = (key) => $(`[data-k="${key}"]`, $(".mc-t").content).textContent;
  const make = (tag, className, text) => {
    const el = document.createElement(tag);
    el.className = className;
    if (text) el.textContent = text;
    return el;
  };
  const parse = (html) => {
    const holder = document.createElement("template");
    holder.innerHTML = html; // the server's rendering
    return holder.content;
  };
  const call = async (url, method, body) => {
    const response = await fetch(url, { method, body, credentials: "omit" });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw answer;
    return answer;
  };
  const json = (data) => {
    const body = new FormData();
    for (const k in data) body.set(k, data[k]);
    return body;
  };
  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

  // The reader's own comments on this article, with their edit tokens, kept until their
  // edit window ends: [{id, token, until, body, html, parent}].
  const key = "mc:" + c.id;
  const read = (k) => {
    try {
      return JSON.parse(store.getItem(k));
    } catch {
      return null;
    }
  };
  const write = (k, value) => {
    try {
      if (value == null || (Array.isArray(value) && !value.length)) store.removeItem(k);
      else store.setItem(k, JSON.stringify(value));
    } catch {}
  };
  const mine = () => (read(key) || []).filter((m) => Date.parse(m.until) > Date.now());
  const keep = (entry) => write(key, [...mine().filter((m) => m.id !== entry.id), entry]);
  const forget = (id) => write(key, mine().filter((m) => m.id !== id));

  const say = (text, error, within) => {
    const place = within || $(".mc-status");
    place.replaceChildren(make("p", "mc-notice" + (error ? " mc-notice-error" : ""), text));
  };

  // A commenter's first avatar on the page holds the drawing the others <use>: a comment
  // that leaves hands it on to the next that uses it.
  const handOver = (item) => {
    const drawing = $(":scope > header > svg[id]", item);
    const users = drawing ? [...root.querySelectorAll(`use[href="#${drawing.id}"]`)] : [];
    const next = users.find((u) => !item.contains(u)) || users.find((u) => u.closest("li") !== item);
    if (next) next.parentNode.replaceWith(drawing);
  };

  // Where a comment goes: under its parent, or in the top-level list.
  const place = (item, parent) => {
    const under = parent && root.getElementById("comment-" + parent);
    let list = under ? $(":scope > ol", under) : $(".mc-thread");
    if (!list) {
      list = make("ol", under ? "" : "mc-thread");
      if (under) under.append(list);
      else $(".mc-count").after(list);
      $(".mc-empty")?.remove();
    }
    if (!under && widget.dataset.sort === "newest") list.prepend(item);
    else list.append(item);
  };

  // Edit and delete buttons under the reader's own comment, while the window lasts.
  const own = (entry) => {
    const item = root.getElementById("comment-" + entry.id);
    if (!item || $(".mc-own", item)) return;
    const bar = make("p", "mc-own");
    const line = make("div", "mc-line");
    line.setAttribute("aria-live", "polite");
    const edit = make("button", "mc-edit", t("edit"));
    const remove = make("button", "mc-delete", t("delete"));
    for (const b of [edit, remove]) b.type = "button";
    bar.append(edit, remove);
    item.insertBefore(line, $(":scope > ol", item));
    line.before(bar);
    const refused = (answer) => {
      say((answer && answer.error) || t("failed"), true, line);
      if (answer && answer.status === 403) {
        bar.remove();
        forget(entry.id);
      }
    };
    edit.addEventListener("click", () => {
      const body = $(":scope > header + div", item);
      const box = make("textarea", "mc-edit-box");
      box.value = entry.body;
      box.rows = 5;
      box.setAttribute("aria-label", t("editing"));
      const save = make("button", "", t("save"));
      const cancel = make("button", "", t("cancel"));
      const tools = make("p", "mc-own");
      tools.append(save, cancel);
      cancel.type = "button";
      const form = make("form", "mc-form mc-edit-form");
      form.append(box, tools);
      body.hidden = bar.hidden = true;
      body.after(form);
      box.focus();
      cancel.addEventListener("click", () => {
        form.remove();
        body.hidden = bar.hidden = false;
        edit.focus();
      });
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        try {
          const answer = await call(`${api}/comments/${entry.id}${lang}`, "PATCH", json({ edit_token: entry.token, body: box.value }));
          const fresh = parse(answer.comment_html).firstElementChild;
          handOver(item);
          $(":scope > ol", item) && fresh.append($(":scope > ol", item));
          item.replaceWith(fresh);
          Object.assign(entry, { body: box.value, html: answer.comment_html });
          keep(entry);
          c.dates(fresh);
          own(entry);
          say(answer.message, false, $(".mc-line", fresh));
          $(".mc-edit", fresh).focus();
        } catch (answer) {
          refused(answer);
        }
      });
    });
    remove.addEventListener("click", async () => {
      if (!confirm(t("confirm"))) return;
      try {
        const answer = await call(`${api}/comments/${entry.id}${lang}`, "DELETE", json({ edit_token: entry.token }));
        forget(entry.id);
        handOver(item);
        item.remove();
        say(answer.message);
        $(".mc-status").tabIndex = -1;
        $(".mc-status").focus();
      } catch (answer) {
        refused(answer);
      }
    });
  };

  // After a reload: the reader's comments still awaiting moderation, and the buttons.
  for (const entry of mine()) {
    if (!root.getElementById("comment-" + entry.id)) {
      const item = parse(entry.html).firstElementChild;
      if (item) place(item, entry.parent);
    }
    own(entry);
  }
  write(key, mine());

  // Older pages, fetched in place; "newest" goes back to the first page.
  root.addEventListener("click", async (event) => {
    const link = event.target.closest(".mc-older, .mc-newer");
    if (!link) return;
    event.preventDefault();
    const query = new URLSearchParams({ ...c.meta, sort: widget.dataset.sort });
    if (link.dataset.before) query.set("before", link.dataset.before);
    link.textContent = t("loading");
    try {
      const page = parse(await (await c.get(`/embed/${c.path}/fragment?${query}`)).text());
      const list = $(".mc-thread");
      const fresh = $(".mc-thread", page);
      const items = fresh ? [...fresh.children] : [];
      root.querySelectorAll(".mc-paging").forEach((nav) => nav.remove());
      if (link.dataset.before && list) {
        // A commenter already drawn here keeps one drawing: the page's are the same.
        for (const drawing of page.querySelectorAll("svg[id]")) if (root.getElementById(drawing.id)) drawing.removeAttribute("id");
        if (widget.dataset.sort === "newest") list.append(...items);
        else list.prepend(...items);
      } else if (list && fresh) list.replaceWith(fresh);
      for (const nav of page.querySelectorAll(".mc-paging")) {
        if (widget.dataset.sort === "newest") ($(".mc-thread").closest("form") || $(".mc-thread")).after(nav);
        else $(".mc-count").after(nav);
      }
      c.dates(root);
      for (const entry of mine()) own(entry);
      if (items[0]) {
        items[0].tabIndex = -1;
        items[0].focus();
      }
    } catch {
      say(t("older-failed"), true);
    }
  });

  const form = $("form.mc-form");
  c.ready = true;
  if (!form) return; // comments are closed
  const fields = form.elements;
  let token;
  let ready = 0; // when the server will accept the token (MIN_FILL_SECONDS)
  const newToken = async () => {
    const answer = await (await c.get(`/api/articles/${c.path}/form-token${lang}`)).json();
    token = answer.token;
    ready = Date.now() + answer.min_wait * 1000;
  };
  newToken().catch(() => {});

  // Remember my name and email on this device (ticked by default, kept in this browser).
  const remember = $(".mc-remember");
  const box = $("input", remember);
  remember.hidden = false;
  const me = read("mc:me");
  if (me) for (const k of ["name", "email", "website"]) fields[k].value ||= me[k] || "";

  // The character counter, shown near the limit.
  const body = fields.body;
  const counter = $(".mc-counter");
  const count = () => {
    const left = body.maxLength - body.value.length;
    counter.hidden = body.maxLength < 0 || left > body.maxLength / 10;
    counter.textContent = t("left").replace("{n}", left);
  };
  body.addEventListener("input", count);
  count(); // what was typed before this part loaded

  // The preview, rendered by the server as the comment would be published.
  const toggle = $(".mc-preview-toggle");
  const preview = $(".mc-preview");
  toggle.hidden = false;
  toggle.addEventListener("click", async () => {
    const on = toggle.getAttribute("aria-pressed") !== "true";
    toggle.setAttribute("aria-pressed", on);
    body.hidden = on;
    preview.hidden = !on;
    if (!on) return body.focus();
    preview.textContent = t("loading");
    try {
      const answer = await call(`${origin}/api/preview${lang}`, "POST", json({ body: body.value }));
      if (answer.html) preview.innerHTML = answer.html; // sanitized by the server
      else preview.textContent = t("nothing");
    } catch (answer) {
      preview.textContent = (answer && answer.error) || t("failed");
    }
  });

  const home = document.createComment(" the form's place ");
  form.before(home);
  let parent = "";
  let opener = null;
  const replyTo = (link) => {
    parent = link ? link.value : "";
    $(".mc-replying").hidden = !link;
    if (link) {
      $(".mc-reply-name").textContent = $("header > b", link.parentNode).textContent;
      link.after(form);
      body.focus();
    } else {
      home.after(form);
    }
    opener = link;
  };
  root.addEventListener("click", (event) => {
    const link = event.target.closest("[name=reply_to], .mc-cancel");
    if (!link) return;
    event.preventDefault();
    const back = opener;
    replyTo(link.matches(".mc-cancel") ? null : link);
    if (!opener && back) back.focus();
  });

  const showErrors = (errors) => {
    const other = [];
    let first = null;
    for (const name in errors) if (!FIELDS.includes(name)) other.push(...errors[name]);
    for (const name of FIELDS) {
      if (!errors[name]) continue;
      const input = fields[name];
      const error = make("span", "mc-error", [].concat(errors[name]).join(" "));
      error.id = name + "-error";
      input.after(error);
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", error.id);
      first = first || input;
    }
    return [other, first];
  };
  // What the browser can tell at once: a required field left empty, an email that is not one.
  const check = () => {
    const errors = {};
    for (const name of FIELDS) {
      const input = fields[name];
      if (input.dataset.missing && !input.value.trim()) errors[name] = input.dataset.missing;
      else if (input.dataset.invalid && !input.validity.valid) errors[name] = input.dataset.invalid;
    }
    return errors;
  };
  const clear = () => {
    root.querySelectorAll(".mc-form .mc-error").forEach((el) => el.remove());
    for (const name of FIELDS) {
      fields[name].removeAttribute("aria-invalid");
      fields[name].removeAttribute("aria-describedby");
    }
  };

  const send = async (retry) => {
    const wait = ready - Date.now();
    if (wait > 0) {
      say(t("sending"));
      await sleep(wait);
    }
    const data = new FormData(form);
    Object.entries({ ...c.meta, token, parent_id: parent }).forEach(([k, v]) => data.set(k, v || ""));
    const response = await fetch(api + "/comments" + lang, { method: "POST", body: data, credentials: "omit" });
    const answer = await response.json();
    if (response.status === 202) return answer;
    // An expired or too fresh token: take a new one and try once more.
    if (retry && answer.errors && Object.keys(answer.errors).join() === "token") {
      await newToken();
      return send(false);
    }
    throw answer;
  };

  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    clear();
    const local = check();
    if (Object.keys(local).length) {
      const [, first] = showErrors(local);
      say(t("correct"), true);
      first.focus();
      return;
    }
    busy = true;
    try {
      if (!token) await newToken();
      const answer = await send(true);
      newToken().catch(() => {}); // a token carries one comment
      const item = parse(answer.comment_html).firstElementChild;
      place(item, parent);
      if (answer.edit_token) {
        keep({ id: answer.id, token: answer.edit_token, until: answer.edit_until, body: body.value, html: answer.comment_html, parent });
      }
      write("mc:me", box.checked ? { name: fields.name.value, email: fields.email.value, website: fields.website.value } : null);
      body.value = "";
      count();
      replyTo(null);
      say(answer.message);
      c.dates(item);
      if (answer.edit_token) own(mine().find((m) => m.id === answer.id));
      item.tabIndex = -1;
      item.focus();
    } catch (answer) {
      const [other, first] = showErrors((answer && answer.errors) || {});
      say([(answer && answer.error) || t("failed"), ...other].join(" "), true);
      if (first) first.focus();
    }
    busy = false;
  });
};
