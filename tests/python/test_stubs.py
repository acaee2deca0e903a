"""The type stubs cover the whole public API: every name in wzp.__all__, every public member
of every class, and the same parameter names as the native functions."""
import ast
import inspect
import re
from pathlib import Path

import pytest

import wzp

STUB = Path(__file__).resolve().parents[2] / "bindings" / "python" / "wzp" / "__init__.pyi"


def stub_tree():
    return ast.parse(STUB.read_text(encoding="utf-8"), filename=str(STUB))


def top_level_names(tree):
    names = {}
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names[target.id] = node
    return names


def class_members(node: ast.ClassDef):
    members = {}
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            members[item.name] = item
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            members[item.target.id] = item
        elif isinstance(item, ast.Assign):  # enum members
            for target in item.targets:
                if isinstance(target, ast.Name):
                    members[target.id] = item
    return members


def split_top_level(text):
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current)
    return [p.strip() for p in parts]


def native_parameters(obj):
    """Parameter names from the signature line pybind11 puts first in a docstring
    (or from the signature itself for pure-Python functions)."""
    if inspect.isfunction(obj):
        return [p.name for p in inspect.signature(obj).parameters.values()
                if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    first = (obj.__doc__ or "").strip().splitlines()[0]
    match = re.match(r"^\w+\((.*)\) ->", first)
    assert match, f"no signature in {first!r}"
    names = []
    for part in split_top_level(match.group(1)):
        name = part.split(":")[0].split("=")[0].strip()
        if name and name not in ("self", "*"):
            names.append(name)
    return names


def stub_parameters(fn):
    args = fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs
    return [a.arg for a in args if a.arg != "self"]


def test_stub_is_shipped_with_the_package():
    assert STUB.is_file()
    installed = Path(wzp.__file__).with_name("__init__.pyi")
    assert installed.is_file(), "setup.py must install the stub (package_data)"
    assert installed.read_text(encoding="utf-8") == STUB.read_text(encoding="utf-8")


def test_every_public_name_is_in_the_stub():
    names = top_level_names(stub_tree())
    missing = [n for n in wzp.__all__ if n not in names]
    assert not missing, f"names missing from {STUB.name}: {missing}"
    assert "__version__" in names


@pytest.mark.parametrize("name", [n for n in wzp.__all__ if isinstance(getattr(wzp, n), type)])
def test_classes_in_the_stub_have_every_member(name):
    node = top_level_names(stub_tree())[name]
    assert isinstance(node, ast.ClassDef)
    members = class_members(node)
    runtime = [m for m in vars(getattr(wzp, name)) if not m.startswith("_")]
    if name == "WzpError":
        runtime = ["code", "name", "message"]
    missing = [m for m in runtime if m not in members]
    assert not missing, f"{name}: members missing from the stub: {missing}"
    for member, fn in members.items():
        attr = getattr(getattr(wzp, name), member, None)
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and callable(attr) and attr.__doc__ and name != "WzpError":
            if member in ("__eq__",) or "property" in [getattr(d, "id", "") for d in fn.decorator_list]:
                continue
            assert stub_parameters(fn) == native_parameters(attr), f"{name}.{member}"


@pytest.mark.parametrize("name", [n for n in wzp.__all__ if callable(getattr(wzp, n))
                                  and not isinstance(getattr(wzp, n), type)])
def test_function_parameters_match(name):
    node = top_level_names(stub_tree())[name]
    assert isinstance(node, ast.FunctionDef)
    assert stub_parameters(node) == native_parameters(getattr(wzp, name))
    assert ast.get_docstring(node), f"{name} has no docstring in the stub"


def test_event_types_are_an_enum_in_the_stub():
    classes = top_level_names(stub_tree())
    enum_members = [m for m in class_members(classes["EventType"]) if m.isupper()]
    assert enum_members == [m.name for m in wzp.EventType]
    event_type = class_members(classes["Event"])["type"]
    assert ast.unparse(event_type.annotation) == "EventType"
    literal = ast.unparse(classes["EventTypeName"].value)
    assert all(f"'{m.value}'" in literal for m in wzp.EventType)
