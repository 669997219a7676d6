"""The layout of helpers: every public module says what is public, and each name has one home.

- Every public module (not ``_private``, not ``__main__``) has ``__all__``, and each name
  in it exists.
- No ``__all__`` re-exports an error class: errors are imported from ``helpers.errors``.
- ``helpers.via`` is a package whose implementation modules are private; its public
  names are those of its ``__init__``.
- Every function of ``helpers.plots`` that returns a Figure is called ``plot_*``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HELPERS = ROOT / "helpers"


def _public_modules() -> list[str]:
    names = []
    for path in sorted(HELPERS.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if any(part.startswith("_") for part in parts) or parts == ("helpers",):
            continue
        names.append(".".join(parts))
    return names


def _module_all(name: str) -> list[str] | None:
    path = ROOT.joinpath(*name.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return [element.value for element in node.value.elts]
    return None


@pytest.mark.parametrize("name", _public_modules())
def test_every_public_module_has_an_all_of_names_it_defines(name):
    names = _module_all(name)
    assert names is not None, f"{name} has no __all__"
    assert len(names) == len(set(names)), f"{name}.__all__ lists a name twice"
    module = importlib.import_module(name)
    missing = [n for n in names if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it does not define: {missing}"


@pytest.mark.parametrize("name", [n for n in _public_modules() if n != "helpers.errors"])
def test_no_all_re_exports_an_error_class(name):
    from helpers import errors

    reexported = [n for n in _module_all(name) or [] if n in errors.__all__]
    assert not reexported, f"{name}.__all__ re-exports {reexported}: import them from errors"


def test_via_is_a_package_with_private_implementation_modules():
    from helpers import via

    assert Path(via.__file__).name == "__init__.py"
    modules = sorted(p.stem for p in (HELPERS / "via").glob("*.py") if p.stem != "__init__")
    assert modules and all(m.startswith("_") for m in modules), modules
    assert not list(HELPERS.glob("via_*.py")), "the old via_*.py modules are back"
    for name in via.__all__:
        assert name.isupper() or getattr(via, name).__module__.startswith("helpers.via."), name


def test_figure_functions_of_plots_are_called_plot():
    from matplotlib.figure import Figure

    from helpers import plots

    for name in plots.__all__:
        function = getattr(plots, name)
        returns = inspect.signature(function).return_annotation
        assert (returns in (Figure, "Figure")) == name.startswith("plot_"), name
