// A classic script (it runs even where module scripts cannot): when the page cannot start, say why
// instead of "Loading the page…" for ever. Opened from disk as file://, the page cannot load its
// modules or Python: say how to serve it. A script of the page that does not load (a file missing
// from a deploy, or offline before the page was kept) stops all its modules: say that. So does one
// that loads but cannot run (cut off halfway: "Unexpected end of input"). The words
// come from the catalogs (i18n/catalogs.js, a classic script too), in the visitor's language.
function explain(messageKey, statusKey) {
  const { catalogs, languages, start } = self.DIGITS_I18N; // i18n-boot.js chose the language
  const text = (key) => catalogs[start][key] ?? catalogs[languages[0][0]][key];
  document.documentElement.lang = start;
  // the page's own words in that language too (those with placeholders for elements stay as they are)
  for (const el of document.querySelectorAll("[data-i18n]")) {
    const words = text(el.dataset.i18n);
    if (words !== undefined && !el.children.length && !words.includes("{")) el.textContent = words;
  }
  document.title = text("page.title") ?? document.title;
  delete document.documentElement.dataset.i18nPending;
  const box = document.getElementById("boot-message");
  box.hidden = false;
  box.textContent = text(messageKey);
  const status = document.getElementById("status");
  status.textContent = text(statusKey);
  status.dataset.kind = "error";
}

const whenParsed = (then) =>
  document.readyState === "loading" ? document.addEventListener("DOMContentLoaded", then) : then();

if (location.protocol === "file:") {
  whenParsed(() => explain("file.message", "file.status"));
} else {
  addEventListener(
    "error",
    (event) => {
      // (once the page runs, it reports its own faults)
      if (!self.DIGITS_I18N || self.digitsApp) return;
      if (event.target instanceof HTMLScriptElement) {
        whenParsed(() => explain(navigator.onLine ? "file.missing" : "file.missingOffline", "file.missingStatus"));
      } else if (event instanceof ErrorEvent) { // (an error thrown before the page ran: a damaged script)
        whenParsed(() => explain("file.damaged", "file.missingStatus"));
      }
    },
    true, // (a script's error does not bubble)
  );
}
