"""Every package folder is listed in pyproject.toml (a regular install would miss it)."""
import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]
MAPPED = {"ir": "tjit.ir", "codegen": "tjit.codegen", "runtime": "tjit.runtime"}


def test_all_packages_listed():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = set()
    for init in ROOT.glob("**/__init__.py"):
        rel = init.parent.relative_to(ROOT).parts
        if not rel or rel[0] not in ("tjit", *MAPPED):
            continue
        name = ".".join(rel) if rel[0] == "tjit" else ".".join((MAPPED[rel[0]],) + rel[1:])
        found.add(name)
    assert found <= listed, sorted(found - listed)
