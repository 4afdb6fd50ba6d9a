"""Build the documentation site into a build directory, sources untouched.

    python docs/build.py [OUTDIR] [--quick] [--offline]

Copies ``docs/`` and the gallery's scripts (``examples/``) to ``OUTDIR/src`` (default
``build/docs``), then runs ``sphinx-build -W -n`` (warnings are errors, every
reference checked) to ``OUTDIR/html``: the API pages and the gallery's pages and
figures are written there, never into the repository. ``--quick`` skips running the
gallery's examples; ``--offline`` builds without intersphinx (see ``docs/conf.py``).
Needs ``pip install -e ".[cpu,docs]"``.
"""

import argparse
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "outdir", nargs="?", default=os.path.join(ROOT, "build", "docs")
    )
    parser.add_argument("--quick", action="store_true", help="do not run the gallery")
    parser.add_argument("--offline", action="store_true", help="no intersphinx")
    args = parser.parse_args(argv)
    src = os.path.join(args.outdir, "src")
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(
        os.path.join(ROOT, "docs"),
        src,
        ignore=shutil.ignore_patterns("_build", "build.py"),
    )
    shutil.copytree(os.path.join(ROOT, "examples"), os.path.join(src, "examples"))
    shutil.copy(os.path.join(ROOT, "benchmarks", "RESULTS.md"), src)
    env = dict(
        os.environ,
        SKAE_DOCS_ROOT=ROOT,
        SKAE_DOCS_GALLERY="0" if args.quick else "1",
        SKAE_DOCS_OFFLINE="1"
        if args.offline
        else os.environ.get("SKAE_DOCS_OFFLINE", "0"),
        MPLBACKEND="Agg",
    )
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-W",
        "-n",
        "--keep-going",
        "-q",
        "-b",
        "html",
        src,
        os.path.join(args.outdir, "html"),
        "-d",
        os.path.join(args.outdir, "doctrees"),
    ]
    return subprocess.run(command, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
