/* Comments widget. Plain JavaScript, no build step; see README "Embedding".
 * <div data-comments="ARTICLE-ID"> gets the server-rendered comments and form in a
 * shadow root; [data-comments-count="ARTICLE-ID"] gets "N comments". */
(() => {
  const origin = new URL(document.currentScript.src).origin;
  const FIELDS = ["body", "name", "email", "website"];
  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
  const plural = (n) => n + (n === 1 ? " comment" : " comments");
  // Always revalidated (304s); shared caches keep to max-age.
  const get = async (path) => {
    const response = await fetch(origin + path, { credentials: "omit", cache: "no-cache" });
    if (!response.ok) throw response;
    return response;
  };
  const make = (tag, className, text) => {
    const el = document.createElement(tag);
    el.className = className;
    if (text) el.textContent = text;
    return el;
  };

  async function mount(host) {
    if (host.shadowRoot) return;
    const root = host.attachShadow({ mode: "open" });
    const id = encodeURIComponent(host.dataset.comments);
    const api = `/api/articles/${id}`;
    const meta = {
      title: host.dataset.title || document.title,
      url: host.dataset.url || location.href.split("#")[0],
    };
    let token;
    let ready = 0; // when the server will accept the token (MIN_FILL_SECONDS)
    const newToken = async () => {
      const answer = await (await get(`${api}/form-token`)).json();
      token = answer.token;
      ready = Date.now() + answer.min_wait * 1000;
    };
    try {
      const fragment = get(`/embed/${id}/fragment?${new URLSearchParams(meta)}`);
      // Without a token the comments still show; posting fetches one (see send).
      const [html] = await Promise.all([fragment.then((r) => r.text()), newToken().catch(() => {})]);
      root.innerHTML = html; // the server's rendering: names escaped, comments sanitized
    } catch {
      root.textContent = "The comments could not be loaded.";
      return;
    }

    const $ = (selector) => root.querySelector(selector);
    // Permalinks (#comment-12) point into the shadow root, where the page cannot look.
    const show = (hash) => root.getElementById(hash.slice(1))?.scrollIntoView();
    // Jump once the widget's stylesheet has laid the comments out.
    $("link")?.addEventListener("load", () => location.hash && show(location.hash));
    root.addEventListener("click", (event) => {
      const date = event.target.closest(".mc-date");
      if (!date) return;
      event.preventDefault();
      history.replaceState(null, "", date.hash);
      show(date.hash);
    });
    const form = $(".mc-form");
    if (!form) return; // comments are closed
    const status = $(".mc-status");
    const home = document.createComment(" the form's place ");
    form.before(home);
    let parent = "";
    let opener = null;

    const say = (text, error) => {
      status.replaceChildren(make("p", "mc-notice" + (error ? " mc-notice-error" : ""), text));
    };

    const replyTo = (link) => {
      parent = link ? link.value : "";
      $(".mc-replying").hidden = !link;
      if (link) {
        const item = link.closest("article");
        $(".mc-reply-name").textContent = item.querySelector(".mc-author").textContent;
        item.after(form);
        form.elements.body.focus();
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
        const input = form.elements[name];
        const error = make("span", "mc-error", errors[name].join(" "));
        error.id = name + "-error";
        input.after(error);
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", error.id);
        first = first || input;
      }
      return [other, first];
    };

    const send = async (retry) => {
      const wait = ready - Date.now();
      if (wait > 0) {
        say("Sending…");
        await sleep(wait);
      }
      const data = new FormData(form);
      Object.entries({ ...meta, token, parent_id: parent }).forEach(([k, v]) => data.set(k, v));
      const response = await fetch(origin + api + "/comments", {
        method: "POST",
        body: data,
        credentials: "omit",
      });
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
      busy = true;
      root.querySelectorAll(".mc-error").forEach((el) => el.remove());
      for (const name of FIELDS) {
        form.elements[name].removeAttribute("aria-invalid");
        form.elements[name].removeAttribute("aria-describedby");
      }
      try {
        const answer = await send(true);
        newToken().catch(() => {}); // a token carries one comment
        const holder = document.createElement("template");
        holder.innerHTML = answer.comment_html; // the server's rendering, marked pending
        const item = holder.content.firstElementChild;
        const under = parent && root.getElementById("comment-" + parent);
        let list = under ? under.querySelector(":scope > ol") : $(".mc-widget > ol");
        if (!list) {
          list = make("ol", under ? "mc-thread mc-replies" : "mc-thread");
          if (under) under.append(list);
          else $(".mc-count").after(list);
          $(".mc-empty")?.remove();
        }
        list.append(item);
        form.elements.body.value = "";
        replyTo(null);
        say(answer.message);
        item.tabIndex = -1;
        item.focus();
      } catch (answer) {
        const [other, first] = showErrors((answer && answer.errors) || {});
        const fallback = "The comment could not be sent. Please try again.";
        say([(answer && answer.error) || fallback, ...other].join(" "), true);
        if (first) first.focus();
      }
      busy = false;
    });
  }

  function counts() {
    const counters = [...document.querySelectorAll("[data-comments-count]")];
    const ids = [...new Set(counters.map((el) => el.dataset.commentsCount))];
    for (let i = 0; i < ids.length; i += 100) {
      const query = new URLSearchParams(ids.slice(i, i + 100).map((id) => ["article", id]));
      get("/api/counts?" + query)
        .then((r) => r.json())
        .then((answer) => {
          for (const el of counters) {
            const n = answer.counts[el.dataset.commentsCount];
            if (n !== undefined) el.textContent = plural(n);
          }
        })
        .catch(() => {});
    }
  }

  // An /embed/ARTICLE iframe says how tall it is; grow it so it never scrolls.
  addEventListener("message", (event) => {
    const height = parseInt(event.data && event.data.moderation === "height" && event.data.height);
    if (event.origin !== origin || !(height > 0)) return;
    for (const frame of document.querySelectorAll("iframe")) {
      if (frame.contentWindow === event.source) frame.style.height = height + "px";
    }
  });

  const start = () => {
    document.querySelectorAll("[data-comments]").forEach(mount);
    counts();
  };
  if (document.readyState === "loading") addEventListener("DOMContentLoaded", start);
  else start();
})();
