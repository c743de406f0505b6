// Promises over postMessage: every request carries an id; the worker answers it once.
// Events without an id (status, progress) go to the onEvent callback. See PROTOCOL.md.
//
// The client also notices a worker that died: its error event, a message that cannot be read,
// a Pyodide fatal error reported by the worker, or no answer to a ping. Then every pending
// request is rejected and onDeath(reason, busyWith) is called, once (busyWith: the types of the
// requests it was working on). Errors carry the worker's message key
// and parameters (`error.key`, `error.params`), so that the page shows them in its language.

import { msg, render } from "./i18n.js";
import { browserError, messageError } from "./ui.js";

// The worker's scripts (tests/build checks that they are what worker.js imports): fetched again past
// the HTTP cache when the worker dies before saying anything (one may be cut off), so that Restart
// or a reload gets them whole.
const WORKER_SCRIPTS = ["worker.js", "file-integrity.js", "offline-copies.js", "pyodide/pyodide.mjs"];
const PING_EVERY_MS = 1_000; // how often a live worker is asked to answer
const DEAD_AFTER_MS = 8_000; // silent this long with a ping unanswered: gone (noticed within 9 s)
// While Python boots, the worker is busy for a second or two at a time (up to 2.1 s here, so perhaps
// 10 s on a slow phone) and cannot answer: it is given longer.
const DEAD_AFTER_BOOTING_MS = 30_000;

export class WorkerClient {
  constructor(url, onEvent, onDeath) {
    if (typeof self.DIGITS_START_WORKER !== "function") { // (worker-start.js did not run: cut off, say)
      fetch(new URL("worker-start.js", location.href), { cache: "reload" }).catch(() => {});
      throw messageError("worker.scripts");
    }
    this.pending = new Map();
    this.nextId = 1;
    this.dead = false;
    this.booted = false; // whether its boot request was answered (set by worker-life.js)
    this.onEvent = onEvent;
    this.onDeath = onDeath;
    this.lastHeard = performance.now();
    this.deadAfterMs = DEAD_AFTER_MS; // (see watch)
    this.heard = false; // whether the worker ever said anything (if not, its scripts did not run)
    this.pingSentAt = null; // when the unanswered ping was sent, or null
    this.pingTimer = null;
    const started = self.DIGITS_EARLY_WORKER; // by worker-start.js (first start only)
    const early = started && started.url === new URL(url, location.href).href ? started : null;
    if (started && !early) { // (another worker than this one: not two Pythons at once)
      started.adopt();
      started.worker.terminate();
    }
    this.worker = early ? early.worker : self.DIGITS_START_WORKER(url); // (worker-start.js)
    this.worker.onmessage = (e) => this.#receive(e.data);
    this.worker.onerror = (e) => this.#failed(e);
    this.worker.onmessageerror = () => this.#die(msg("worker.unreadable"));
    if (early) {
      const events = early.adopt();
      // after the caller has this client (onDeath compares it with the current one)
      queueMicrotask(() => {
        for (const e of events) {
          if (e.type === "message") this.#receive(e.data);
          else if (e.type === "error") this.#failed(e);
          else this.#die(msg("worker.unreadable"));
        }
      });
    }
  }

  #failed(e) {
    e.preventDefault();
    // "Uncaught RangeError: Array buffer allocation failed": said by its kind, in the page's language
    const name = (/\b([A-Z]\w*Error)\b/.exec(e.message || "") || [])[1];
    if (e.message) this.#die(msg("worker.failed", { error: browserError(name || "Error", e.message) }));
    else if (!navigator.onLine) this.#die(msg("worker.offlineFiles")); // (a file of it missing)
    else if (this.heard) this.#die(msg("worker.failedUnknown"));
    else {
      for (const path of WORKER_SCRIPTS) fetch(new URL(path, import.meta.url), { cache: "reload" }).catch(() => {});
      this.#die(msg("worker.scripts")); // (missing or cut off)
    }
  }

  /** Ping the worker from now on, with the longer allowance while it boots (booting blocks it for seconds). */
  watch({ booting = false } = {}) {
    this.deadAfterMs = booting ? DEAD_AFTER_BOOTING_MS : DEAD_AFTER_MS; // (the silence after which it is dead)
    if (this.pingTimer || this.dead) return;
    this.pingTimer = setInterval(() => this.#checkAlive(), PING_EVERY_MS);
  }

  request(type, args = {}, transfer = []) {
    if (this.dead) return Promise.reject(keyedError(this.deathReason));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, type });
      this.worker.postMessage({ id, type, args }, transfer);
    });
  }

  #checkAlive() {
    const now = performance.now();
    const waiting = this.pingSentAt !== null && this.lastHeard < this.pingSentAt;
    if (waiting && now - this.lastHeard > this.deadAfterMs) {
      this.#die(msg("worker.silent", { seconds: Math.round((now - this.lastHeard) / 1000) }));
      return;
    }
    if (this.pingSentAt === null || this.lastHeard >= this.pingSentAt) {
      this.pingSentAt = now;
      this.worker.postMessage({ type: "ping" });
    }
  }

  #receive(data) {
    this.lastHeard = performance.now();
    this.heard = true;
    if (data.type === "fatal") {
      this.#die(data.reason); // a message: {key, params}
      return;
    }
    if (data.id === undefined) {
      if (data.type !== "pong") this.onEvent(data);
      return;
    }
    const waiter = this.pending.get(data.id);
    if (!waiter) return;
    this.pending.delete(data.id);
    if (data.ok) waiter.resolve(data.result);
    else waiter.reject(keyedError(data.key ? { key: data.key, params: data.params || {} } : { text: data.error }));
  }

  #rejectAll(message) {
    for (const { reject } of this.pending.values()) reject(keyedError(message));
    this.pending.clear();
  }

  #die(reason) {
    if (this.dead) return;
    this.dead = true;
    this.deathReason = msg("status.pythonStopped", { reason });
    clearInterval(this.pingTimer);
    this.worker.terminate();
    const busyWith = [...this.pending.values()].map((p) => p.type);
    this.#rejectAll(this.deathReason);
    this.onDeath(reason, busyWith);
  }

  /** Stop the worker on purpose (boot timeout, restart): pending requests are rejected. */
  terminate() {
    this.dead = true;
    this.deathReason = msg("worker.terminated");
    clearInterval(this.pingTimer);
    this.worker.terminate();
    this.#rejectAll(this.deathReason);
  }
}

/** An Error for a message ({key, params} or {text}): its text in the page's language, its key kept. */
function keyedError(message) {
  return Object.assign(new Error(render(message)), message.key ? { key: message.key, params: message.params } : {});
}
