"""The repository's documents stand on their own: no pointer out of the repository, no link
that leads nowhere.

Whoever clones Tak has only the repository. No document, configuration or script, and no
docstring or comment in the code, may send the reader to a handbook kept beside it or to a
folder on somebody's machine; and every relative link in the Markdown files must reach a file
(and heading) that exists.
"""

from __future__ import annotations

import ast
import io
import re
import subprocess
import tokenize
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT_FOLDERS = ("docs/", "deploy/", "bench/", ".ci/")
DOCUMENT_SUFFIXES = (".md", ".toml", ".conf", ".yaml", ".yml", ".cfg", ".ini", ".txt", ".json")
OUTSIDE = re.compile(
    r"\.\./shared"  # the handbook folder beside the project
    r"|\b(?:DESIGN|DOMAIN|STYLE|FEDERATION|UI)\.md\b"  # the handbook's files
    r"|(?<![\w.:/~-])/(?:work|home|root|Users)/"  # a machine's own folders
)
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


def repository_files() -> list[Path]:
    """Tracked files, and new ones not ignored, that still exist in the working tree."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted(ROOT / name for name in set(listed.split("\0")) if (ROOT / name).is_file())


def is_document(path: Path, root: Path = ROOT) -> bool:
    name = path.relative_to(root).as_posix()
    return (
        name == "README.md" or name.startswith(DOCUMENT_FOLDERS) or path.suffix in DOCUMENT_SUFFIXES
    )


def prose_of_python(source: str) -> Iterator[tuple[int, str]]:
    """``(line, text)`` of every comment and every docstring (any bare string statement, which
    covers attribute docstrings too)."""
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            yield node.lineno, node.value.value


def pointers_outside(path: Path, root: Path = ROOT) -> list[str]:
    """Each place in the file that refers to something outside the repository."""
    text = path.read_text(encoding="utf-8", errors="replace")
    name = path.relative_to(root).as_posix()
    if is_document(path, root):
        pieces: list[tuple[int, str]] = list(enumerate(text.splitlines(), start=1))
    elif path.suffix == ".py":
        pieces = list(prose_of_python(text))
    else:
        return []
    return [
        f"{name}:{line}: {match.group(0)!r}"
        for line, piece in pieces
        for match in OUTSIDE.finditer(piece)
    ]


def heading_anchors(markdown: str) -> set[str]:
    """The anchors a Markdown renderer gives the headings (GitHub's rule)."""
    anchors: set[str] = set()
    in_code = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and (heading := re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)):
            slug = re.sub(r"[^\w\- ]", "", heading.group(1).lower()).replace(" ", "-")
            anchors.add(slug)
    return anchors


def broken_links(path: Path, root: Path = ROOT) -> list[str]:
    """Each relative link in a Markdown file that reaches no file, or no heading in it."""
    name = path.relative_to(root).as_posix()
    broken: list[str] = []
    for target in LINK.findall(path.read_text(encoding="utf-8")):
        if EXTERNAL.match(target):
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.is_relative_to(root) or not linked.exists():
            broken.append(f"{name}: {target} (no such file in the repository)")
        elif (
            anchor
            and linked.suffix == ".md"
            and anchor not in heading_anchors(linked.read_text(encoding="utf-8"))
        ):
            broken.append(f"{name}: {target} (no such heading)")
    return broken


def test_no_document_docstring_or_comment_points_outside_the_repository() -> None:
    found = [p for path in repository_files() for p in pointers_outside(path)]
    assert not found, "these send the reader outside the repository:\n" + "\n".join(found)


def test_every_relative_link_in_the_documents_reaches_a_file_and_heading() -> None:
    pages = [p for p in repository_files() if p.suffix == ".md"]
    assert ROOT / "README.md" in pages and ROOT / "docs" / "architecture.md" in pages
    broken = [b for page in pages for b in broken_links(page)]
    assert not broken, "links that lead nowhere:\n" + "\n".join(broken)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("docs/x.md", "See ../shared/notes for more."),
        ("deploy/x.conf", "# as the handbook's " + "DESIGN" + ".md says"),
        ("bench/README.md", "cd " + "/wo" + "rk/main"),
        ("x.py", '"""Read ' + "DOMAIN" + '.md first."""\n'),
        ("x.py", "x = 1  # built on " + "/ho" + "me/me/tak\n"),
        ("x.py", "class A:\n    x: int\n    " + '"""see ' + "FEDERATION" + '.md"""\n'),
    ],
)
def test_the_check_finds_a_pointer_outside(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    assert pointers_outside(path, root=tmp_path)


def test_the_check_leaves_code_urls_and_the_projects_own_shared_folder_alone(
    tmp_path: Path,
) -> None:
    (tmp_path / "x.py").write_text(
        'URL = "postgresql://u@/db?host=/tmp/pg"\n"""shared/platform"""\n'
    )
    (tmp_path / "x.md").write_text("See `shared/contracts` and https://example.org/home/page.\n")
    assert not pointers_outside(tmp_path / "x.py", root=tmp_path)
    assert not pointers_outside(tmp_path / "x.md", root=tmp_path)


def test_the_check_finds_a_link_to_a_missing_file_heading_or_place_outside(
    tmp_path: Path,
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A title\n\n## Backups\n")
    page = tmp_path / "README.md"
    page.write_text(
        "[ok](docs/a.md#backups) [web](https://example.org) [here](#a-title)\n"
        "[gone](docs/b.md) [heading](docs/a.md#restores) [out](../elsewhere/README.md)\n"
        "# A title\n"
    )
    assert [b.split(": ", 1)[1] for b in broken_links(page, root=tmp_path)] == [
        "docs/b.md (no such file in the repository)",
        "docs/a.md#restores (no such heading)",
        "../elsewhere/README.md (no such file in the repository)",
    ]
