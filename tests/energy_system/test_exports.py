"""The public surface of core.energy_system is the public surface of its submodules, nothing less or more.

Derived from the submodules rather than repeated by hand, so a new public class or function that is not
re-exported (or a stale ``__all__`` entry, or a name re-exported from outside the package) fails here.
"""

import importlib
import inspect
import pkgutil

import parkcarbon.core.energy_system as es

# Public-named helpers shared between the submodules but deliberately not part of the package surface.
# Adding to this set is a decision; a new name landing here by accident fails the test below.
_INTERNAL = {"check_profile"}


def _defined_public_names() -> set[str]:
    names: set[str] = set()
    for info in pkgutil.iter_modules(es.__path__):
        module = importlib.import_module(f"{es.__name__}.{info.name}")
        for name, obj in vars(module).items():
            if name.startswith("_"):
                continue
            is_def = inspect.isclass(obj) or inspect.isfunction(obj)
            defined_here = is_def and obj.__module__ == module.__name__
            if defined_here:
                names.add(name)
    return names


def test_all_is_exactly_the_submodules_public_names() -> None:
    assert len(es.__all__) == len(set(es.__all__)), "duplicate entries in __all__"
    callables = {n for n in es.__all__ if not n.isupper()}
    assert callables == _defined_public_names() - _INTERNAL
    # constants: only the two the package promises (the rest stay submodule-level)
    assert {n for n in es.__all__ if n.isupper()} == {"ENERGY_ERROR_CODES", "PERIODS_5"}
    assert not _INTERNAL & set(es.__all__)


def test_every_exported_name_resolves_inside_the_package() -> None:
    for name in es.__all__:
        obj = getattr(es, name)
        module = getattr(obj, "__module__", None)
        if module is not None and (inspect.isclass(obj) or inspect.isfunction(obj)):
            assert module.startswith(es.__name__ + "."), name
