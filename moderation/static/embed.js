/* Comments widget, first part. Plain JavaScript, no build step; see README "Embedding".
 * <div data-comments="ARTICLE-ID"> gets the server-rendered comments and form in a
 * shadow root; [data-comments-count="ARTICLE-ID"] gets "N comments". Posting, replies,
 * editing, older pages and the preview are in widget.js, loaded on first use. Every word
 * shown comes from the server, in the widget's data-lang, else the page's <html lang>. */
(() => {
  const origin = new URL(document.currentScript.src).origin;
  const get = async (path) => {
    const response = await fetch(origin + path, { credentials: "omit", cache: "no-cache" });
    if (!response.ok) throw response;
    return response;
  };
  let store = null;
  try {
    store = localStorage;
  } catch {}
  let more;
  const loadMore = (src) =>
    (more ||= new Promise((done, fail) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = done;
      script.onerror = fail;
      document.head.append(script);
    }));

  const page = document.documentElement.lang;
  // Recent dates read "3 hours ago", older ones as a date, both in the widget's language
  // (its lang, as the server chose it) and the reader's time zone; the exact moment stays
  // in the title.
  const dates = (within, lang) => {
    const ago = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
    const day = new Intl.DateTimeFormat(lang, { dateStyle: "long", timeStyle: "short" });
    const exact = new Intl.DateTimeFormat(lang, { dateStyle: "full", timeStyle: "long" });
    for (const time of within.querySelectorAll("time[datetime]")) {
      const date = new Date(time.dateTime);
      const s = (Date.now() - date) / 1000;
      time.title = exact.format(date);
      time.textContent =
        s > 604800 || s < -60
          ? day.format(date)
          : s < 60
            ? ago.format(0, "second")
            : s < 3600
              ? ago.format(-Math.floor(s / 60), "minute")
              : s < 86400
                ? ago.format(-Math.floor(s / 3600), "hour")
                : ago.format(-Math.floor(s / 86400), "day");
    }
  };

  async function mount(host) {
    if (host.shadowRoot) return;
    const id = host.dataset.comments;
    const path = encodeURIComponent(id);
    const meta = {
      title: host.dataset.title || document.title,
      url: host.dataset.url || location.href.split("#")[0],
      lang: host.dataset.lang || page || "",
    };
    const query = new URLSearchParams(meta);
    if (host.dataset.sort) query.set("sort", host.dataset.sort);
    // A permalink to a comment on an older page opens that page.
    const wanted = /^#comment-(\d+)$/.exec(location.hash);
    if (wanted) query.set("comment", wanted[1]);
    let response, html;
    try {
      response = await fetch(`${origin}/embed/${path}/fragment?${query}`, { credentials: "omit", cache: "no-cache" });
      html = await response.text();
    } catch {}
    const root = host.attachShadow({ mode: "open" });
    const status = response ? response.status : 0;
    if (status === 403) {
      console.warn(
        `Comments: ${location.origin} is not in MODERATION_ALLOWED_ORIGINS of ${origin}, ` +
          "so the comments cannot be shown here."
      );
    }
    if (!response || !(response.ok || status === 403 || status === 404)) {
      // The service did not answer, so no words in the reader's language: the blog's own
      // fallback text (inside the element) stays shown.
      console.warn(`Comments: the comment service at ${origin} is not reachable.`);
      root.innerHTML = "<slot></slot>";
      return;
    }
    root.innerHTML = html; // the server's rendering: names escaped, comments sanitized
    const widget = root.querySelector(".mc-widget");
    if (!widget) return;
    if (host.dataset.theme) widget.dataset.theme = host.dataset.theme;
    // What only works with the script: shown now, working from first use.
    for (const el of root.querySelectorAll(".mc-remember, .mc-preview-toggle")) el.hidden = false;
    const when = (within) => dates(within, widget.lang);
    when(root);

    // Permalinks (#comment-12) point into the shadow root, where the page cannot look.
    const show = (hash) => root.getElementById(hash.slice(1))?.scrollIntoView();
    // Jump once the widget's stylesheet has laid the comments out.
    root.querySelector("link")?.addEventListener("load", () => location.hash && show(location.hash));

    const context = { host, root, widget, id, path, meta, origin, get, store, dates: when, show };
    const start = () =>
      (context.started ||= loadMore(widget.dataset.more).then(
        () => window.MCWidget(context),
        () => (context.ready = true) // without the second part, links work as links
      ));
    root.addEventListener("click", (event) => {
      const date = event.target.closest("li[id] > header > a");
      if (date) {
        event.preventDefault();
        history.replaceState(null, "", date.hash);
        show(date.hash);
      }
      const link = event.target.closest(".mc-older, .mc-newer, button");
      if (link && !context.ready) {
        event.preventDefault();
        start().then(() => link.click());
      }
    });
    root.addEventListener("submit", (event) => {
      if (context.ready) return;
      event.preventDefault();
      start().then(() => event.target.requestSubmit());
    });
    root.addEventListener("focusin", start);
    // A returning reader: their name and their comments awaiting moderation, at once.
    if (store && (store.getItem("mc:" + id) || store.getItem("mc:me"))) start();
  }

  function counts() {
    const counters = [...document.querySelectorAll("[data-comments-count]")];
    const ids = [...new Set(counters.map((el) => el.dataset.commentsCount))];
    for (let i = 0; i < ids.length; i += 100) {
      const query = new URLSearchParams(ids.slice(i, i + 100).map((id) => ["article", id]));
      if (page) query.set("lang", page);
      get("/api/counts?" + query)
        .then((r) => r.json())
        .then((answer) => {
          for (const el of counters) {
            const label = answer.labels[el.dataset.commentsCount];
            if (label !== undefined) el.textContent = label; // in the page's language
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
