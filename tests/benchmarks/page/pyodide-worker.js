// Pyodide from the site, running the Python variants of tests/benchmarks/variants.py.
import { loadPyodide } from "../pyodide/pyodide.mjs";

let pyodide = null;
let variants = null;
let data = null;

async function setUp(dataBase) {
  const index = new URL("../pyodide/", import.meta.url).href;
  pyodide = await loadPyodide({ indexURL: index, lockFileURL: index + "pyodide-lock.json" });
  await pyodide.loadPackage(["pycore"]);
  const source = await (await fetch("variants.py")).text();
  pyodide.FS.writeFile("/home/pyodide/variants.py", source);
  pyodide.FS.mkdirTree("/data");
  for (const part of ["train", "test"]) {
    for (const kind of ["images", "labels"]) {
      const name = `mnist-012-${part}-${kind}.idx.gz`;
      pyodide.FS.writeFile(`/data/${name}`, new Uint8Array(await (await fetch(dataBase + name)).arrayBuffer()));
    }
  }
  variants = pyodide.pyimport("variants");
  const read = pyodide.runPython("lambda name: open('/data/' + name, 'rb').read()");
  data = variants.load_site_data(read);
  read.destroy();
}

self.onmessage = async (e) => {
  try {
    if (!pyodide) await setUp(e.data.dataBase);
    const result = variants.run(e.data.variant, data);
    postMessage({ ok: true, result: result.toJs({ dict_converter: Object.fromEntries }) });
    result.destroy();
  } catch (error) {
    postMessage({ ok: false, error: String(error) });
  }
};
