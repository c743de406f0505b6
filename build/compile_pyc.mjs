// Byte-compile Python files inside zips (the stdlib zip, wheels) with Pyodide's own Python 3.12,
// so the browser imports ready bytecode instead of compiling source at every start-up.
// (The host's Python 3.11 would write bytecode Pyodide cannot use.)
// usage: node compile_pyc.mjs PYODIDE_DIR OFFICIAL_LOCK IN_FILE OUT_FILE [IN_FILE OUT_FILE ...]
// An IN_FILE written as +IN_FILE keeps its .py files and gets its bytecode beside them in
// __pycache__ (pycore: the page's Code panel shows its source, read with inspect).
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, lockFile, ...pairs] = process.argv.slice(2);
process.on("uncaughtException", (error) => {
  console.error(`compile_pyc: ${String(error.message || error).split("\n").slice(-3).join("\n")}`);
  process.exit(1);
});
const dir = path.resolve(pyodideDir) + "/";
const { loadPyodide } = await import(pathToFileURL(dir + "pyodide.mjs").href);
const pyodide = await loadPyodide({ indexURL: dir, lockFileURL: path.resolve(lockFile) });
const compileZip = pyodide.runPython(`
import importlib._bootstrap_external as bootstrap
import importlib.util
import io
import zipfile

def compile_zip(data, prefix, keep_source):
    """Replace every .py member by an unchecked hash-based .pyc (sourceless import), or, with
    keep_source, add that .pyc in __pycache__ beside the .py (imported without reading the source)."""
    source = zipfile.ZipFile(io.BytesIO(data.to_bytes()))
    out = io.BytesIO()
    compiled = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as target:
        for info in source.infolist():
            raw = source.read(info)
            if info.filename.endswith(".py"):
                try:
                    code = compile(raw, prefix + info.filename, "exec", dont_inherit=True)
                except SyntaxError:
                    target.writestr(info, raw)  # e.g. test data that is not valid Python
                    continue
                pyc = bootstrap._code_to_hash_pyc(code, importlib.util.source_hash(raw), checked=False)
                name = info.filename + "c"
                if keep_source:
                    target.writestr(info, raw)
                    name = importlib.util.cache_from_source("/" + info.filename)[1:]
                member = zipfile.ZipInfo(name, date_time=info.date_time)
                member.external_attr = info.external_attr
                target.writestr(member, bytes(pyc), compress_type=zipfile.ZIP_DEFLATED)
                compiled += 1
            else:
                target.writestr(info, raw)
    return out.getvalue(), compiled

compile_zip
`);
for (let i = 0; i < pairs.length; i += 2) {
  const keepSource = pairs[i].startsWith("+");
  const [input, output] = [pairs[i].replace(/^\+/, ""), pairs[i + 1]];
  const prefix = input.endsWith(".whl") ? "/lib/python3.12/site-packages/" : "/lib/python312.zip/";
  const data = readFileSync(input);
  const result = compileZip(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), prefix, keepSource);
  const [bytes, count] = result.toJs();
  result.destroy();
  writeFileSync(output, bytes);
  console.log(`compiled ${count} modules: ${path.basename(input)}`);
}
compileZip.destroy();
