// Keeps the last trained model across reloads, in IndexedDB.
import { messageError } from "./ui.js";

const DB_NAME = "digits-from-scratch";
const STORE = "models";
const KEY = "last-trained";

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function run(mode, action) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = action(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || messageError("storage.refused"));
    });
  } finally {
    db.close();
  }
}

// The page's start waits for the saved model: a storage that has not answered this long counts as
// refusing (its late answer, if any, is dropped).
const NO_ANSWER_MS = 5_000;
function answered(promise) {
  let timer;
  const silence = new Promise((_, reject) => {
    timer = setTimeout(() => reject(messageError("storage.noAnswer")), NO_ANSWER_MS);
  });
  return Promise.race([promise, silence]).finally(() => clearTimeout(timer));
}

export const saveModel = (bytes, info) => run("readwrite", (s) => s.put({ bytes, info, saved: Date.now() }, KEY));
export const loadModel = () => answered(run("readonly", (s) => s.get(KEY)));
export const forgetModel = () => run("readwrite", (s) => s.delete(KEY));
