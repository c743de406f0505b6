// Promises over postMessage: every request carries an id; the worker answers it once.
// Events without an id (status, progress) go to the onEvent callback. See PROTOCOL.md.

export class WorkerClient {
  constructor(url, onEvent, onCrash) {
    this.pending = new Map();
    this.nextId = 1;
    this.worker = new Worker(url, { type: "module" });
    this.worker.onmessage = (e) => this.#receive(e.data);
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.#failAll(`the Python worker crashed: ${e.message || "unknown error"}`);
      onCrash(e.message || "unknown error");
    };
    this.worker.onmessageerror = () => onCrash("a message from the worker could not be read");
    this.onEvent = onEvent;
  }

  request(type, args = {}, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, type, args }, transfer);
    });
  }

  #receive(msg) {
    if (msg.id === undefined) {
      this.onEvent(msg);
      return;
    }
    const waiter = this.pending.get(msg.id);
    if (!waiter) return;
    this.pending.delete(msg.id);
    if (msg.ok) waiter.resolve(msg.result);
    else waiter.reject(new Error(msg.error));
  }

  #failAll(message) {
    for (const { reject } of this.pending.values()) reject(new Error(message));
    this.pending.clear();
  }

  terminate() {
    this.#failAll("the worker was stopped");
    this.worker.terminate();
  }
}
