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

export const saveModel = (bytes, info) => run("readwrite", (s) => s.put({ bytes, info, saved: Date.now() }, KEY));
export const loadModel = () => run("readonly", (s) => s.get(KEY));
export const forgetModel = () => run("readwrite", (s) => s.delete(KEY));
