import { loadPyodide } from "../pyodide/pyodide.mjs";

const index = new URL("../pyodide/", import.meta.url).href;
const pyodide = await loadPyodide({ indexURL: index, lockFileURL: index + "pyodide-lock.json", packages: ["numpy"] });
pyodide.runPython("import numpy");
postMessage(`NumPy ${pyodide.runPython("numpy.__version__")}`);
