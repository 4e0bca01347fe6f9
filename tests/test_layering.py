"""The import graph of the project's own code: no cycle between modules, and apps that depend one way,
in the order the README's layering picture draws them (read from the README, so the two cannot drift)."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED = {"tests", "bench", "docs", ".venv", "migrations", "test-artifacts", "staticfiles", "media"}


def layers_from_readme() -> list[str]:
    """The packages of the README's layering block, top (depends on everything below) first."""
    text = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- layers -->\n```text\n(.*?)```", text, re.S)
    assert block, "README.md has no layering block"
    return [line.split()[0] for line in block.group(1).splitlines() if line.strip() and line[0] != " "]


LAYERS = layers_from_readme()


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in LAYERS:
        for path in (ROOT / package).rglob("*.py"):
            if SKIPPED & set(path.relative_to(ROOT).parts):
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


MODULES = project_modules()


def imports_of(name: str, path: Path) -> set[str]:
    """Project modules ``name`` imports, wherever the import statement stands in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            # "from a.b import c" names module a.b.c if it exists, else a name defined in a.b.
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            # A package's own modules load its __init__ first whatever they import: not an edge.
            if target and target != name and not name.startswith(f"{target}."):
                found.add(target)
    return found


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in graph[node]:
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_it_reads_a_graph_of_the_whole_project():
    assert {"reviews.models", "reviews.processes", "certificates.transfer", "filings.models"} <= set(MODULES)
    assert "reviews.processes" in GRAPH["certificates.transfer"]
    assert "institutions.models" in GRAPH["reviews.models"]


def test_it_has_no_import_cycle_between_modules():
    assert cycles(GRAPH) == []


def test_it_finds_a_cycle_when_there_is_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_its_apps_depend_only_on_the_apps_below_them_in_the_readme():
    rank = {package: len(LAYERS) - i for i, package in enumerate(LAYERS)}
    upward = sorted(
        f"{module} → {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if rank[target.split(".")[0]] > rank[module.split(".")[0]]
    )
    assert upward == []


def test_the_review_machine_knows_no_process():
    process_apps = {"personnel", "certificates", "filings", "dataload", "jiance"}
    reviews = {m: t for m, t in GRAPH.items() if m.split(".")[0] == "reviews"}
    assert not [
        f"{m} → {t}" for m, targets in reviews.items() for t in targets if t.split(".")[0] in process_apps
    ]


def test_every_package_of_the_project_is_in_the_picture():
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - SKIPPED
    assert packages == set(LAYERS)
