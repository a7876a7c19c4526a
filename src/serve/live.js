// Knotwork live reload: added to pages by `knotwork serve` only.
// Reloads the page when a rebuild changed it, swaps stylesheets in place
// after a CSS-only change, and shows build errors over the page until the
// file is fixed.
(() => {
  "use strict";
  const OVERLAY_ID = "knotwork-error-overlay";

  // The output file this page came from: /blog/x/ -> /blog/x/index.html.
  const currentFile = () => {
    const path = decodeURI(location.pathname);
    return path.endsWith("/") ? path + "index.html" : path;
  };

  const hideOverlay = () => document.getElementById(OVERLAY_ID)?.remove();

  const showOverlay = (text) => {
    hideOverlay();
    const overlay = document.createElement("div");
    overlay.id = OVERLAY_ID;
    overlay.setAttribute("role", "alert");
    overlay.style.cssText =
      "all:initial;display:block;position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
      "padding:2rem;box-sizing:border-box;opacity:1;" +
      "background:#161616;color:#fff;font:15px/1.5 system-ui,sans-serif";
    const title = document.createElement("h2");
    title.textContent = "The site does not build: still showing the last good version";
    title.style.cssText = "margin:0 0 1rem;font-size:1.25rem;color:#ffb4a8";
    const details = document.createElement("pre");
    details.textContent = text;
    details.style.cssText = "white-space:pre-wrap;font:14px/1.45 ui-monospace,monospace;color:#fff";
    const hint = document.createElement("p");
    hint.textContent = "Fix the file and save: this message goes away by itself.";
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = "Hide";
    close.addEventListener("click", hideOverlay);
    close.style.cssText = "font:inherit;padding:.4rem 1rem;cursor:pointer";
    overlay.append(title, details, hint, close);
    document.body.append(overlay);
    close.focus();
  };

  // Stylesheet URLs carry a content hash: site.0123456789.css.
  const sheetKey = (href) =>
    new URL(href, location.href).pathname.replace(/\.[0-9a-f]{10}\.css$/, ".css");

  const swapStylesheets = (sheets) => {
    for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
      const next = sheets.find((s) => sheetKey(s) === sheetKey(link.href));
      if (!next || new URL(next, location.href).href === link.href) continue;
      const fresh = link.cloneNode();
      fresh.href = next;
      fresh.addEventListener("load", () => link.remove());
      link.after(fresh);
    }
  };

  // Naming the page lets the server render it first after an edit.
  const events = new EventSource(
    "/__knotwork/events?page=" + encodeURIComponent(location.pathname),
  );
  events.addEventListener("reload", (e) => {
    hideOverlay();
    const changed = JSON.parse(e.data);
    if (changed === null || changed.includes(currentFile())) location.reload();
  });
  events.addEventListener("css", (e) => {
    hideOverlay();
    swapStylesheets(JSON.parse(e.data));
  });
  events.addEventListener("build-error", (e) => showOverlay(JSON.parse(e.data)));
})();
