import { loadPyodide } from "../pyodide/pyodide.mjs";

// ?packages=numpy,Pillow measures another set (numpy alone is the floor the benchmark reports).
const packages = (new URL(location.href).searchParams.get("packages") || "numpy").split(",");
const index = new URL("../pyodide/", import.meta.url).href;
const pyodide = await loadPyodide({ indexURL: index, lockFileURL: index + "pyodide-lock.json", packages });
pyodide.runPython("import numpy");
postMessage(`NumPy ${pyodide.runPython("numpy.__version__")}`);
