// A classic script (it runs even where module scripts cannot): opened from disk as file://,
// the page cannot load its modules or Python, so say how to serve it instead of hanging. The words
// come from the catalogs (i18n/catalogs.js, a classic script too), in the browser's language.
if (location.protocol === "file:") {
  document.addEventListener("DOMContentLoaded", () => {
    const { languages, catalogs } = self.DIGITS_I18N;
    const codes = languages.map(([code]) => code);
    const lang = (navigator.languages || []).map((tag) => tag.toLowerCase().split("-")[0]).find((c) => codes.includes(c)) || codes[0];
    const text = (key) => catalogs[lang][key] ?? catalogs[codes[0]][key];
    document.documentElement.lang = lang;
    const box = document.getElementById("boot-message");
    box.hidden = false;
    box.textContent = text("file.message");
    document.getElementById("status").textContent = text("file.status");
  });
}
