"""The layout of helpers: every module has one place in a stack of layers, and each name one home.

- Every public module (not ``_private``, not ``__main__``) has ``__all__``, and each name
  in it exists; no ``__all__`` re-exports an error class (errors come from ``helpers.errors``).
- :data:`LAYERS` lists every module of ``helpers`` from the bottom up. A module imports only
  modules of its own layer or of the layers below (imports inside functions count too), and
  the imports between modules make no circle.
- No module imports another module's private name (``from helpers.io import _x``,
  ``io._x``, or a private module of another package). The private implementation modules of
  one package (``helpers.via._csv`` and ``helpers.via._read``) may share private names.
- No module is over 650 lines, and one over 500 lines says why in its docstring, on a line
  that starts with ``Over 500 lines:``.
- The packages of :data:`PACKAGES` (``via``, ``plots``, ``datasets``, ``io``, ``metrics``,
  ``objects``, ``importers``, ``check``, ``cli``, ``export``, ``evaluation``, ``report``) keep
  their implementation in private modules, their public names in their ``__init__``
  (``plots.axes`` is the one public submodule: the drawing primitives that ``widgets``
  uses); every function of
  ``helpers.plots`` that returns a Figure is called ``plot_*``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HELPERS = ROOT / "helpers"

#: The modules of helpers from the bottom layer up (a package stands for its submodules).
LAYERS = (
    ("errors",),
    ("config", "files", "conventions", "colab"),
    ("env", "io", "splits", "metrics", "objects", "classical", "unet", "expected", "tiling"),
    ("via", "losses", "plots", "datasets", "distribute", "measurements", "classes"),
    ("importers", "check", "synthetic"),
    ("widgets", "inference", "training"),
    ("evaluation", "runs", "export", "report"),
    ("cli", "exercises", "__main__"),
)

#: Packages whose implementation modules are private, and their public submodules.
PACKAGES = {
    "via": (),
    "plots": ("axes",),
    "datasets": (),
    "io": (),
    "metrics": (),
    "objects": (),
    "importers": (),
    "check": (),
    "cli": (),
    "export": (),
    "evaluation": (),
    "report": (),
}

MAX_LINES, EXPLAIN_OVER = 650, 500
REASON = "Over 500 lines:"


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    """Every module of helpers (``helpers.x.y``) and its file."""
    return {_name(path): path for path in sorted(HELPERS.rglob("*.py"))}


def _public_modules() -> list[str]:
    return [
        name
        for name in _modules()
        if name != "helpers" and not any(p.startswith("_") for p in name.split("."))
    ]


def _top(module: str) -> str:
    """The entry of LAYERS that ``helpers.x.y`` belongs to: ``x``."""
    return module.split(".")[1]


def _package(module: str) -> str:
    """The package a module is in (``helpers.via`` for ``helpers.via._csv``)."""
    return module if _modules()[module].name == "__init__.py" else module.rpartition(".")[0]


@cache
def _imports(module: str) -> tuple[tuple[str, str | None, int], ...]:
    """What ``module`` imports from helpers: (module, name or None, line), at any depth.

    ``from helpers import plots`` is the module ``helpers.plots``; ``from helpers.io import
    x`` is the module ``helpers.io`` and the name ``x``; relative imports are resolved;
    attribute access ``io._x`` on a name bound to a helpers module counts as that name.
    """
    path = _modules()[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found, bound = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("helpers"):
                    found.append((alias.name, None, node.lineno))
                    if alias.asname:
                        bound[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package(module).split(".")[
                    : len(_package(module).split(".")) - node.level + 1
                ]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if not source.startswith("helpers"):
                continue
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                if candidate in _modules():  # a module: from helpers import plots
                    found.append((candidate, None, node.lineno))
                    bound[alias.asname or alias.name] = candidate
                else:
                    found.append((source, alias.name, node.lineno))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in bound
        ):
            target = f"{bound[node.value.id]}.{node.attr}"
            if target in _modules():
                found.append((target, None, node.lineno))
            else:
                found.append((bound[node.value.id], node.attr, node.lineno))
    return tuple(found)


def _layer(module: str) -> int:
    top = _top(module)
    for index, names in enumerate(LAYERS):
        if top in names:
            return index
    raise AssertionError(f"{module} is in no layer: add {top!r} to LAYERS in {__file__}")


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


@pytest.mark.parametrize("name", _public_modules())
def test_every_public_module_has_an_all_of_names_it_defines(name):
    names = _module_all(name)
    assert names is not None, f"{name} has no __all__"
    assert len(names) == len(set(names)), f"{name}.__all__ lists a name twice"
    module = importlib.import_module(name)
    missing = [n for n in names if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it does not define: {missing}"


def _module_all(name: str) -> list[str] | None:
    for node in ast.parse(_modules()[name].read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return [element.value for element in node.value.elts]
    return None


@pytest.mark.parametrize("name", [n for n in _public_modules() if n != "helpers.errors"])
def test_no_all_re_exports_an_error_class(name):
    from helpers import errors

    reexported = [n for n in _module_all(name) or [] if n in errors.__all__]
    assert not reexported, f"{name}.__all__ re-exports {reexported}: import them from errors"


def test_every_module_has_a_layer():
    for module in _modules():
        if module != "helpers":
            _layer(module)


@pytest.mark.parametrize("module", [m for m in _modules() if m != "helpers"])
def test_no_module_imports_one_in_a_layer_above(module):
    above = sorted(
        f"line {line}: {target}"
        for target, _, line in _imports(module)
        if target != "helpers" and _layer(target) > _layer(module)
    )
    assert not above, f"{module} (layer {_layer(module)}) imports from above: {above}"


def test_the_imports_between_modules_make_no_circle():
    graph = {
        m: {t for t, _, _ in _imports(m) if t != "helpers" and t != m}
        for m in _modules()
        if m != "helpers"
    }
    # a package's __init__ importing its own submodules is how a package is built
    graph = {m: {t for t in deps if not t.startswith(m + ".")} for m, deps in graph.items()}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                circle = path[path.index(target) :] + [target]
                raise AssertionError("import circle: " + " -> ".join(circle))
            if state.get(target) is None:
                visit(target, [*path, target])
        state[node] = 2

    for node in sorted(graph):
        if state.get(node) is None:
            visit(node, [node])


@pytest.mark.parametrize("module", [m for m in _modules() if m != "helpers"])
def test_no_module_uses_another_modules_private_names(module):
    own = _package(module)
    borrowed = []
    for target, name, line in _imports(module):
        same_package = own != "helpers" and (target == own or target.startswith(own + "."))
        if same_package:
            continue  # the private modules of one package (not helpers itself) share names
        private_module = any(_private(p) for p in target.split(".")[1:])
        if private_module or (name is not None and _private(name)):
            borrowed.append(f"line {line}: {target}{'.' + name if name else ''}")
    assert not borrowed, f"{module} uses private names of other modules: {borrowed}"


@pytest.mark.parametrize("module", [m for m in _modules() if m != "helpers"])
def test_modules_are_short_or_say_why(module):
    text = _modules()[module].read_text(encoding="utf-8")
    lines = len(text.splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines (at most {MAX_LINES}): split it"
    if lines > EXPLAIN_OVER:
        doc = ast.get_docstring(ast.parse(text)) or ""
        assert any(line.startswith(REASON) for line in doc.splitlines()), (
            f"{module} has {lines} lines: split it, or give the reason in its docstring on "
            f"a line starting with {REASON!r}"
        )


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_packages_keep_their_implementation_private(package):
    module = importlib.import_module(f"helpers.{package}")
    assert Path(module.__file__).name == "__init__.py", f"helpers.{package} is not a package"
    folder = HELPERS / package
    public = sorted(
        p.stem
        for p in folder.glob("*.py")
        if p.stem != "__init__" and not p.stem.startswith("_") and p.stem != "__main__"
    )
    assert public == sorted(PACKAGES[package]), f"public modules of helpers.{package}: {public}"
    assert not list(HELPERS.glob(f"{package}_*.py")), f"flat {package}_*.py modules are back"
    for name in module.__all__:  # its functions and classes are its own, not borrowed
        value = getattr(module, name)
        if inspect.isfunction(value) or inspect.isclass(value):
            assert value.__module__.startswith(f"helpers.{package}"), name


def test_figure_functions_of_plots_are_called_plot():
    from matplotlib.figure import Figure

    from helpers import plots

    for name in plots.__all__:
        function = getattr(plots, name)
        returns = inspect.signature(function).return_annotation
        assert (returns in (Figure, "Figure")) == name.startswith("plot_"), name
