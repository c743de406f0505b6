// Promises over postMessage: every request carries an id; the worker answers it once.
// Events without an id (status, progress) go to the onEvent callback. See PROTOCOL.md.
//
// The client also notices a worker that died: its error event, a message that cannot be read,
// a Pyodide fatal error reported by the worker, or no answer to a ping. Then every pending
// request is rejected and onDeath(reason) is called, once.

const PING_EVERY_MS = 1_000; // how often a live worker is asked to answer
const DEAD_AFTER_MS = 8_000; // silent this long with a ping unanswered: gone (noticed within 9 s)

export class WorkerClient {
  constructor(url, onEvent, onDeath) {
    this.pending = new Map();
    this.nextId = 1;
    this.dead = false;
    this.onEvent = onEvent;
    this.onDeath = onDeath;
    this.lastHeard = performance.now();
    this.pingSentAt = null; // when the unanswered ping was sent, or null
    this.pingTimer = null;
    this.worker = new Worker(url, { type: "module" });
    this.worker.onmessage = (e) => this.#receive(e.data);
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.#die(`the worker failed: ${e.message || "unknown error"}`);
    };
    this.worker.onmessageerror = () => this.#die("a message from the worker could not be read");
  }

  /** Start pinging: called once the worker has booted (booting can block it for seconds). */
  watch() {
    if (this.pingTimer || this.dead) return;
    this.pingTimer = setInterval(() => this.#checkAlive(), PING_EVERY_MS);
  }

  request(type, args = {}, transfer = []) {
    if (this.dead) return Promise.reject(new Error(this.deathReason));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, type, args }, transfer);
    });
  }

  #checkAlive() {
    const now = performance.now();
    const waiting = this.pingSentAt !== null && this.lastHeard < this.pingSentAt;
    if (waiting && now - this.lastHeard > DEAD_AFTER_MS) {
      this.#die(`it has not answered for ${Math.round((now - this.lastHeard) / 1000)} s`);
      return;
    }
    if (this.pingSentAt === null || this.lastHeard >= this.pingSentAt) {
      this.pingSentAt = now;
      this.worker.postMessage({ type: "ping" });
    }
  }

  #receive(msg) {
    this.lastHeard = performance.now();
    if (msg.type === "fatal") {
      this.#die(msg.reason);
      return;
    }
    if (msg.id === undefined) {
      if (msg.type !== "pong") this.onEvent(msg);
      return;
    }
    const waiter = this.pending.get(msg.id);
    if (!waiter) return;
    this.pending.delete(msg.id);
    if (msg.ok) waiter.resolve(msg.result);
    else waiter.reject(new Error(msg.error));
  }

  #rejectAll(message) {
    for (const { reject } of this.pending.values()) reject(new Error(message));
    this.pending.clear();
  }

  #die(reason) {
    if (this.dead) return;
    this.dead = true;
    this.deathReason = `Python stopped: ${reason}`;
    clearInterval(this.pingTimer);
    this.worker.terminate();
    this.#rejectAll(this.deathReason);
    this.onDeath(reason);
  }

  /** Stop the worker on purpose (boot timeout, restart): pending requests are rejected. */
  terminate() {
    this.dead = true;
    this.deathReason = "the worker was stopped";
    clearInterval(this.pingTimer);
    this.worker.terminate();
    this.#rejectAll(this.deathReason);
  }
}
