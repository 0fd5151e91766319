// Inside the /embed page: tell the framing blog page how tall the comments are, so the
// iframe can grow to fit and never show a scrollbar (embed.js on the blog listens).
(function () {
  var parent = window.parent;
  if (parent === window) return;
  var last = 0;
  function send() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      parent.postMessage({ moderation: "height", height: height }, "*");
    }
  }
  new ResizeObserver(send).observe(document.documentElement);
  addEventListener("load", send);
})();
