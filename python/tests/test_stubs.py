"""The type stubs and the docs say what the package has: every public name is in __init__.pyi, every
function and method the stub declares exists with the stub's parameter names, and help() teaches."""

import ast
import inspect
import pathlib
import pydoc

import reins
import reins.resource

PACKAGE = pathlib.Path(reins.__file__).resolve().parent


def stub_tree(name):
    return ast.parse((PACKAGE / name).read_text())


def declared(tree):
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names)
    return names


def test_every_public_name_is_in_the_stub():
    assert set(reins.__all__) - declared(stub_tree("__init__.pyi")) == set()
    assert set(reins.resource.__all__) - declared(stub_tree("resource.pyi")) == set()


def params(fn):
    return [p.name for p in inspect.signature(fn).parameters.values()]


def stub_params(node):
    a = node.args
    return [x.arg for x in a.posonlyargs + a.args + ([a.vararg] if a.vararg else []) + a.kwonlyargs +
            ([a.kwarg] if a.kwarg else [])]


def same_signature(fn, node):
    """The stub's parameters are the code's; where the code takes **options, the stub may spell them out
    as keyword-only parameters (the keywords the C++ side accepts)."""
    code = inspect.signature(fn).parameters.values()
    names = [p.name for p in code]
    want = stub_params(node)
    if names and names[0] in ("self", "cls") and (not want or want[0] not in ("self", "cls")):
        names = names[1:]
    if code and list(code)[-1].kind is inspect.Parameter.VAR_KEYWORD and not node.args.kwarg:
        fixed = names[:-1]
        return want[:len(fixed)] == fixed and len(want) > len(fixed)
    return names == want


def test_stub_signatures_match_the_python_code():
    checked = 0
    for node in stub_tree("__init__.pyi").body:
        if isinstance(node, ast.FunctionDef) and inspect.isfunction(getattr(reins, node.name, None)):
            assert same_signature(getattr(reins, node.name), node), node.name
            checked += 1
        if isinstance(node, ast.ClassDef) and inspect.isclass(getattr(reins, node.name, None)):
            cls = getattr(reins, node.name)
            for member in node.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    assert hasattr(cls, member.name), f"{node.name}.{member.name} is in the stub only"
                    fn = inspect.getattr_static(cls, member.name)
                    fn = getattr(fn, "__func__", fn)
                    if inspect.isfunction(fn):
                        assert same_signature(fn, member), \
                            f"{node.name}.{member.name}: code {params(fn)}, stub {stub_params(member)}"
                        checked += 1
                elif isinstance(member, ast.AnnAssign):
                    name = member.target.id
                    assert hasattr(cls, name) or name in cls.__init__.__code__.co_names or \
                        name in inspect.getsource(cls), f"{node.name}.{name} is in the stub only"
    assert checked > 50


def test_help_teaches():
    for obj in (reins, reins.Job, reins.MemoryGuard, reins.watch, reins.run, reins.Reaper, reins.resource):
        text = pydoc.render_doc(obj, renderer=pydoc.plaintext)
        assert len(text) > 600, obj
    job_help = pydoc.render_doc(reins.Job, renderer=pydoc.plaintext)
    for word in ("with reins.Job", "spawn", "memory_max", "events", "terminate", "stats"):
        assert word in job_help, word
