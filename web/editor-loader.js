// The code editor (CodeMirror, bundled by the build into vendor/editor.js) is fetched only when the
// Code or Lab panel first opens: the page's start-up never pays for it.
import { messageError } from "./ui.js";

let loading = null;

/** The editor module; rejects with a message for people when it cannot be fetched. */
export function loadEditor() {
  if (!loading) {
    loading = import("./vendor/editor.js").catch((error) => {
      loading = null; // try again next time (e.g. once back online)
      // (cut off: fetched again past the HTTP cache, so that a reload gets it whole; this page keeps its failure)
      if (navigator.onLine) fetch(new URL("./vendor/editor.js", import.meta.url), { cache: "reload" }).catch(() => {});
      throw navigator.onLine ? messageError("editor.failed", { error: error.message }) : messageError("editor.offline");
    });
  }
  return loading;
}
