// A classic script (it runs even where module scripts cannot): opened from disk as file://,
// the page cannot load its modules or Python, so say how to serve it instead of hanging. The words
// come from the catalogs (i18n/catalogs.js, a classic script too), in the visitor's language.
if (location.protocol === "file:") {
  document.addEventListener("DOMContentLoaded", () => {
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
    box.textContent = text("file.message");
    document.getElementById("status").textContent = text("file.status");
  });
}
