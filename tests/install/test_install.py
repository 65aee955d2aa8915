"""The package as a user of another project gets it: built, installed, run from an empty folder.

The sdist and the wheel are built from a copy of this checkout (``python -m build``: the sdist
first, then the wheel from the unpacked sdist, so a file missing from either fails here), with
no build isolation and no network. The wheel goes into a fresh virtualenv, and every command
runs from an empty folder, with no ``ALLIANCE_KG_*`` variable and a throwaway ``HOME``: the
knowledge must come from the package itself, and what the commands write must land in the
user data directory, never in site-packages.

The fresh virtualenv gets the dependencies offline, from this test environment's
site-packages (a ``.pth`` line; pip installs the wheel alone with ``--no-deps``). With
``ALLIANCE_KG_INSTALL_FROM_INDEX=1`` (CI with PyPI) the wheel is installed with its declared
dependencies from the index instead, which also catches a dependency missing from
pyproject.toml.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tarfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from alliance_kg import __version__

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parents[2]
UI_VENDOR = Path("service/alliance_kg/web/static/ui/vendor")
UI_FILES = ("yasgui.min.js", "yasgui.min.css")
GOOD = ROOT / "tests" / "shapes" / "fixtures" / "StateShape" / "good.ttl"
#: a state labelled in French only: one violation of our shapes (an English label is needed)
BAD = """@prefix akg: <https://w3id.org/alliance-kg/ontology/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<http://example.org/other/atlantis> a akg:State ; rdfs:label "Atlantide"@fr .
"""
EXTERNAL = ROOT / "tests" / "knowledge" / "fixtures" / "external" / "wikidata-excerpt.ttl"
FROM_INDEX = os.environ.get("ALLIANCE_KG_INSTALL_FROM_INDEX", "") not in ("", "0")
#: the knowledge every command needs, as the wheel must carry it
PACKAGED = ("alliance_kg/_data/ontology/alliance-kg.ttl",
            "alliance_kg/_data/ontology/context.jsonld", "alliance_kg/_data/shapes/",
            "alliance_kg/_data/data/article/claims.trig", "alliance_kg/_data/data/links/",
            "alliance_kg/_data/queries/", "alliance_kg/web/templates/",
            "alliance_kg/knowledge/templates/ontodoc.html",
            "alliance_kg/py.typed")


@dataclass
class Built:
    wheel: Path
    sdist: Path
    with_ui: bool


@dataclass
class Installed:
    venv: Path
    home: Path
    empty: Path

    @property
    def site_packages(self) -> Path:
        return next((self.venv / "lib").glob("python3*/site-packages"))

    @property
    def data_dir(self) -> Path:
        return self.home / ".local" / "share" / "alliance-kg"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("ALLIANCE_KG_", "PYTHON", "XDG_", "VIRTUAL_ENV"))}
        env.update(HOME=str(self.home), PYTHONWARNINGS="ignore",
                   PATH=f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
        return env

    def run(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        """``alliance-kg ARGS`` from the empty folder, as a user would type it."""
        return subprocess.run([str(self.venv / "bin" / "alliance-kg"), *args], cwd=self.empty,
                              env=self.env(), capture_output=True, text=True, timeout=timeout,
                              check=False)


def _source_copy(target: Path) -> bool:
    """The checkout's files as CI has them (tracked and new, not ignored) plus the query UI's
    built bundle (ignored by git, built by ./dev); True when the bundle was there."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=ROOT, capture_output=True, check=True)
    names = [n for n in listed.stdout.decode().split("\0") if n]
    with_ui = all((ROOT / UI_VENDOR / f).is_file() for f in UI_FILES)
    if with_ui:
        names += [str(p.relative_to(ROOT)) for p in (ROOT / UI_VENDOR).rglob("*") if p.is_file()]
    for name in names:
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is skipped
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return with_ui


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    work = tmp_path_factory.mktemp("build")
    src, out = work / "src", work / "out"
    with_ui = _source_copy(src)
    if not with_ui and os.environ.get("CI"):
        pytest.fail(f"{UI_VENDOR} is not built: CI must ship the query UI (run ./dev first)")
    env = {**os.environ, "ALLIANCE_KG_REQUIRE_UI": "1" if with_ui else "0"}
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir",
                           str(out), str(src)], capture_output=True, text=True, env=env,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return Built(wheel=wheel, sdist=sdist, with_ui=with_ui)


@pytest.fixture(scope="module")
def installed(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("install")
    venv, home, empty = work / "venv", work / "home", work / "empty"
    home.mkdir()
    empty.mkdir()
    base = getattr(sys, "_base_executable", sys.executable)
    cmd = [base, "-m", "venv", str(venv)] + ([] if FROM_INDEX else ["--without-pip"])
    subprocess.run(cmd, check=True, timeout=120)
    python = venv / "bin" / "python"
    if FROM_INDEX:
        pip = [str(python), "-m", "pip", "install", "--quiet", str(built.wheel)]
    else:
        site = next((venv / "lib").glob("python3*/site-packages"))
        paths = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
        # after the venv's own site-packages, so the wheel's alliance_kg wins over the checkout
        (site / "_test_env_dependencies.pth").write_text("\n".join(sorted(paths)) + "\n")
        pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
               "--no-deps", "--no-index", str(built.wheel)]
    done = subprocess.run(pip, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return Installed(venv=venv, home=home, empty=empty)


def _package_files(installed: Installed) -> set[str]:
    package = installed.site_packages / "alliance_kg"
    return {p.relative_to(package).as_posix() for p in package.rglob("*")
            if "__pycache__" not in p.parts}


# -- what the distributions carry ----------------------------------------------------------------


def test_wheel_carries_the_knowledge_and_the_ui(built: Built) -> None:
    names = zipfile.ZipFile(built.wheel).namelist()
    for wanted in PACKAGED:
        assert any(n.startswith(wanted) for n in names), f"{wanted} is not in the wheel"
    shapes = [n for n in names if re.fullmatch(r"alliance_kg/_data/shapes/[^/]+\.ttl", n)]
    queries = [n for n in names if re.fullmatch(r"alliance_kg/_data/queries/[^/]+\.rq", n)]
    assert shapes and len(queries) == len(list((ROOT / "queries").glob("*.rq")))
    if built.with_ui:
        for f in UI_FILES:
            assert f"alliance_kg/web/static/ui/vendor/{f}" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_sdist_carries_the_repository_layout(built: Built) -> None:
    with tarfile.open(built.sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for wanted in ("setup.py", "CHANGELOG.md", "ontology/alliance-kg.ttl", "shapes",
                   "data/article/claims.trig", "queries/README.md"):
        assert wanted in names, f"{wanted} is not in the sdist"


# -- the commands, from an empty folder ---------------------------------------------------------


def test_runs_the_installed_package_and_its_knowledge(installed: Installed) -> None:
    done = subprocess.run(
        [str(installed.venv / "bin" / "python"), "-c",
         "import alliance_kg, alliance_kg.config as c; s = c.Settings.from_env(); "
         "print(alliance_kg.__file__); print(s.root); print(s.dataset_path)"],
        cwd=installed.empty, env=installed.env(), capture_output=True, text=True, check=True)
    module, root, dataset = done.stdout.splitlines()
    package = installed.site_packages / "alliance_kg"
    assert Path(module).parent == package, "the checkout was imported, not the wheel"
    assert Path(root) == package / "_data"
    assert Path(dataset).is_relative_to(installed.data_dir)
    version = installed.run("--version")
    assert version.returncode == 0 and version.stdout.strip().endswith(__version__)


def test_validate_exit_codes(installed: Installed) -> None:
    shutil.copy(GOOD, installed.empty / "good.ttl")
    (installed.empty / "bad.ttl").write_text(BAD, encoding="utf-8")
    (installed.empty / "broken.ttl").write_text("<http://example.org/a> <http://example.org/b>\n")
    good = installed.run("validate", "good.ttl")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "conforms: 0 violations" in good.stdout
    bad = installed.run("validate", "good.ttl", "bad.ttl", "--format", "json")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    report = json.loads(bad.stdout)
    violations = [r for r in report["results"] if r["severity"] == "Violation"]
    assert violations and {f for r in violations for f in r["files"]} == {"bad.ttl"}
    broken = installed.run("validate", "broken.ttl")
    assert broken.returncode == 2 and "broken.ttl:" in broken.stderr, broken.stderr


def test_query_merge_and_serve(installed: Installed) -> None:
    before = _package_files(installed)
    query = "SELECT ?boss WHERE { akr:joint-force-headquarters-japan akg:reportsTo ?boss }"
    done = installed.run("query", query)
    assert done.returncode == 0, done.stderr
    assert "united-states-indo-pacific-command" in done.stdout
    (built_dir,) = installed.data_dir.glob(f"{__version__}-*/dist")
    assert (built_dir / "alliance-kg.trig").is_file()

    shutil.copy(EXTERNAL, installed.empty / EXTERNAL.name)
    merged = installed.run("merge", EXTERNAL.name)
    assert merged.returncode == 0, merged.stderr
    assert str(built_dir / "alliance-kg.merged.nq") in merged.stderr
    assert (built_dir / "alliance-kg.merged.nq").is_file()
    again = installed.run("query", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER("
                          'STRSTARTS(STR(?g), "https://w3id.org/alliance-kg/graph/source/")) }')
    assert again.returncode == 0 and int(again.stdout.split()[-1]) > 0, again.stderr

    with _serving(installed) as url:
        health = requests.get(url + "/healthz", timeout=10).json()
        assert health["version"] == __version__
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", health["build"] or ""), health
        assert built_dir.parent.name == f"{__version__}-{health['build'][7:19]}"
        page = requests.get(url + "/", timeout=10)
        assert page.status_code == 200
        for f in UI_FILES:
            asset = re.search(rf'"([^"]*/vendor/{re.escape(f)})"', page.text)
            if asset is None:
                assert not _has_ui(installed), f"{f} is installed but not on the page"
                continue
            assert requests.get(url + asset.group(1), timeout=10).status_code == 200
        examples = requests.get(url + "/api/examples", timeout=10).json()
        assert len(examples) == len(list((ROOT / "queries").glob("*.rq")))
        sd = requests.get(url + "/sparql", headers={"Accept": "application/n-triples"},
                          timeout=10).text
        assert f'<https://schema.org/softwareVersion> "{__version__}"' in sd
        assert f'<https://schema.org/version> "{health["build"]}"' in sd
        void = requests.get(url + "/.well-known/void",
                            headers={"Accept": "application/n-triples"}, timeout=10).text
        assert f'<https://schema.org/version> "{health["build"]}"' in void
        answer = requests.get(url + "/sparql", params={"query": query},
                              headers={"Accept": "text/csv"}, timeout=10)
        assert "united-states-indo-pacific-command" in answer.text
    assert _package_files(installed) == before, "a command wrote into site-packages"
    assert not list(installed.empty.glob("dist")), "a command wrote into the working directory"


def _has_ui(installed: Installed) -> bool:
    vendor = installed.site_packages / "alliance_kg" / "web" / "static" / "ui" / "vendor"
    return all((vendor / f).is_file() for f in UI_FILES)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def _serving(installed: Installed, timeout: float = 90) -> Iterator[str]:
    """``alliance-kg serve`` started from the empty folder; stopped (by its own pid) after."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = installed.home / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([str(installed.venv / "bin" / "alliance-kg"), "serve",
                                 "--port", str(port)], cwd=installed.empty, env=installed.env(),
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                pytest.fail(f"serve exited {proc.returncode}: {log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"serve did not answer in {timeout} s: {log.read_text()}")
            try:
                if requests.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        yield url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def test_the_checkout_is_not_on_the_path(installed: Installed) -> None:
    """The fresh environment's ``alliance_kg`` is the wheel's even when the checkout is on
    ``sys.path`` through the test environment (the editable install's own path)."""
    done = subprocess.run([str(installed.venv / "bin" / "python"), "-c",
                           "import sys; print('\\n'.join(sys.path))"], env=installed.env(),
                          capture_output=True, text=True, check=True)
    assert str(ROOT / "service") not in done.stdout.splitlines()

