// The Python worker's life: start it (with a boot timeout), notice its death, restart it.
// The page owns the DOM; the worker owns Pyodide (see PROTOCOL.md, "Faults").
import { msg } from "./i18n.js";
import { $, errorMessage, setStatus } from "./ui.js";
import { WorkerClient } from "./worker-client.js";

const BOOT_TIMEOUT_MS = 90_000; // loading Python should take seconds; after this, say so
// ?boot-timeout-ms=N shortens it (the tests use this to check the message without waiting).
const bootTimeout = () => Number(new URLSearchParams(location.search).get("boot-timeout-ms")) || BOOT_TIMEOUT_MS;

export class WorkerLife {
  /** `app` gets `worker`, `ready` and `training`, and its `onReady`, `onWorkerEvent` and `updateControls` are called. */
  constructor(app) {
    this.app = app;
    $("restart").addEventListener("click", () => this.restart());
  }

  start() {
    const app = this.app;
    setStatus(msg("boot.python", { percent: 0 }));
    $("restart").hidden = true;
    this.bootFailed = false;
    let worker;
    try {
      worker = new WorkerClient(new URL("./worker.js", import.meta.url), (e) => app.onWorkerEvent(e), (reason, busyWith) => this.onDeath(worker, reason, busyWith));
    } catch (error) { // (no worker can start here)
      this.fail(msg("boot.failed", { error: errorMessage(error) }));
      return;
    }
    app.worker = worker;
    worker.watch({ booting: true }); // (a worker that dies while booting is noticed, not left to the boot timeout)
    this.bootTimer = setTimeout(() => {
      if (app.ready) return;
      this.fail(msg("boot.tooLong"));
      worker.terminate();
    }, bootTimeout());
    worker.request("boot").then((result) => {
      clearTimeout(this.bootTimer);
      worker.watch();
      worker.booted = true;
      return app.onReady(result);
    }).catch((error) => {
      if (!this.bootFailed && !worker.dead) this.fail(msg("boot.failed", { error: errorMessage(error) }));
    });
  }

  // The worker died (killed, out of memory, a Pyodide fatal error, no answer to a ping): say so
  // and offer Restart, which starts a new worker with the same Digits mode and model.
  onDeath(worker, reason, busyWith = []) {
    if (worker !== this.app.worker) return;
    this.app.lab.pythonStopped(busyWith); // (it does not run again code that stopped Python)
    clearTimeout(this.bootTimer);
    this.app.ready = false;
    this.app.training = false;
    setStatus(msg("status.stopped", { reason }), "error");
    $("restart").hidden = false;
    this.app.updateControls();
  }

  restart() {
    this.app.worker?.terminate(); // (none if it could not start)
    this.app.ready = false;
    this.app.updateControls();
    this.start();
  }

  fail(message) {
    clearTimeout(this.bootTimer);
    if (!this.app.ready) this.bootFailed = true;
    setStatus(msg("status.error", { error: message }), "error");
    $("restart").hidden = false;
    this.app.training = false;
    this.app.updateControls();
  }
}
