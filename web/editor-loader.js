// The code editor (CodeMirror, bundled by the build into vendor/editor.js) is fetched only when the
// Code or Lab panel first opens: the page's start-up never pays for it.
let loading = null;

/** The editor module; rejects with a message for people when it cannot be fetched. */
export function loadEditor() {
  if (!loading) {
    loading = import("./vendor/editor.js").catch((error) => {
      loading = null; // try again next time (e.g. once back online)
      throw new Error(`the code editor could not be loaded (${navigator.onLine ? error.message : "you are offline"})`);
    });
  }
  return loading;
}
