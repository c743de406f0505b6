// A classic script (it runs even where module scripts cannot): when the page cannot start, say why
// instead of "Loading the page…" for ever. Opened from disk as file://, the page cannot load its
// modules or Python: say how to serve it. A script of the page that does not load (a file missing
// from a deploy, or offline before the page was kept) stops all its modules: say that. So does one
// that loads but cannot run (cut off halfway: "Unexpected end of input"), or any error before the
// page started. The words
// come from the catalogs (i18n/catalogs.js, a classic script too), in the visitor's language.
// Where the catalogs themselves (or i18n-boot.js) did not load, from WITHOUT_CATALOGS: the build
// stamps there, from the catalogs, the words of a page whose files did not all load, in every language.
const WITHOUT_CATALOGS = /* BUILD_FALLBACK_WORDS */ {};

function explain(messageKey, statusKey, params = {}) {
  const { catalogs, languages, start } = self.DIGITS_I18N; // i18n-boot.js chose the language
  const text = (key) => catalogs[start][key] ?? catalogs[languages[0][0]][key];
  // the page's own words in that language too (those with placeholders for elements stay as they are)
  for (const el of document.querySelectorAll("[data-i18n]")) {
    const words = text(el.dataset.i18n);
    if (words !== undefined && !el.children.length && !words.includes("{")) el.textContent = words;
  }
  document.title = text("page.title") ?? document.title;
  const message = text(messageKey).replace(/\{(\w+)\}/g, (whole, name) => params[name] ?? whole);
  show(start, message, text(statusKey));
}

// The page's files did not all load, said in the browser's first language we have words for.
function explainWithoutCatalogs() {
  const codes = Object.keys(WITHOUT_CATALOGS);
  const wanted = (navigator.languages || [navigator.language]).map((tag) => String(tag).toLowerCase().split(/[-_]/)[0]);
  const code = wanted.find((c) => codes.includes(c)) || codes[0];
  const words = WITHOUT_CATALOGS[code];
  if (words) show(code, words[navigator.onLine ? "file.missing" : "file.missingOffline"], words["file.missingStatus"]);
}

function show(language, message, statusText) {
  document.documentElement.lang = language;
  delete document.documentElement.dataset.i18nPending;
  const box = document.getElementById("boot-message");
  box.hidden = false;
  box.textContent = message;
  const status = document.getElementById("status");
  status.textContent = statusText;
  status.dataset.kind = "error";
}

const whenParsed = (then) =>
  document.readyState === "loading" ? document.addEventListener("DOMContentLoaded", then) : then();

if (location.protocol === "file:") {
  whenParsed(() => explain("file.message", "file.status"));
} else {
  // Why the page did not start, if it did not: a script that did not load, or one that could not run.
  let cause = null;
  addEventListener(
    "error",
    (event) => {
      if (self.digitsApp || cause) return; // (once the page runs, it reports its own faults)
      if (event.target instanceof HTMLScriptElement) cause = "missing";
      else if (event instanceof ErrorEvent) {
        // Cut off halfway: fetched again past the HTTP cache (which may hold it), so that a reload gets it whole.
        if (event.error instanceof SyntaxError && event.filename) fetch(event.filename, { cache: "reload" }).catch(() => {});
        cause = event.error instanceof SyntaxError ? "damaged" : event.error || event.message;
      }
    },
    true, // (a script's error does not bubble)
  );
  // The page's modules have run by DOMContentLoaded: if the page did not start, say why.
  whenParsed(() => {
    if (self.digitsApp) return;
    if (!self.DIGITS_I18N?.start) { // (the catalogs, or the script that chooses the language, did not load or run)
      refetchScripts();
      explainWithoutCatalogs();
      return;
    }
    if (cause === "missing") explain(navigator.onLine ? "file.missing" : "file.missingOffline", "file.missingStatus");
    else if (cause === null || cause === "damaged") {
      if (cause === null) refetchScripts(); // (no error: one cut off between two statements, which one is not known)
      explain("file.damaged", "file.missingStatus");
    } else explain("file.failed", "file.failedStatus", { error: String(cause) });
  });
}

// Every script of the page, fetched again past the HTTP cache (which may hold one cut off), so that a reload gets them whole.
function refetchScripts() {
  for (const entry of performance.getEntriesByType("resource")) {
    if (/\.js$/.test(new URL(entry.name).pathname)) fetch(entry.name, { cache: "reload" }).catch(() => {});
  }
}
