// A classic script in <head>, after i18n/catalogs.js: it chooses the page's language before anything
// paints (the shared link's, else the one chosen before, else the browser's first we have), so that a
// Japanese visitor never sees the English words of index.html move into Japanese. Until i18n.js has
// put the page's own words in that language, the body stays hidden (at most 2 s, see style.css).
(() => {
  const i18n = self.DIGITS_I18N;
  const codes = i18n.languages.map(([code]) => code);
  i18n.storeKey = "digits-from-scratch-language"; // localStorage: the visitor's choice
  i18n.linkParam = "lang"; // the shared link's fragment parameter (#…&lang=ja)
  /** The language a tag like "ja-JP" falls under, or null. */
  i18n.match = (tag) => {
    const base = String(tag || "").toLowerCase().split(/[-_]/)[0]; // "ja-JP", and "ja_JP" as some systems write it
    return codes.includes(base) ? base : null;
  };
  let stored = null;
  try {
    stored = localStorage.getItem(i18n.storeKey);
  } catch {
    // storage blocked: the browser's languages choose
  }
  const fromLink = i18n.match(new URLSearchParams(location.hash.slice(1)).get(i18n.linkParam));
  const fromBrowser = (navigator.languages || [navigator.language]).map(i18n.match).find(Boolean);
  i18n.start = fromLink || i18n.match(stored) || fromBrowser || codes[0];
  if (i18n.start !== document.documentElement.lang) {
    const root = document.documentElement;
    root.dataset.i18nPending = "";
    // style.css shows the page after 2 s whatever happens; this does too where animations are off
    setTimeout(() => delete root.dataset.i18nPending, 2000);
  }
})();
