"""The docs show only what exists: make targets, appflow-mysql subcommands and flags, links, anchors, events.

Every Markdown file of the project is read (README.md, CHANGELOG.md, docs/*.md and any other). Commands
count only where a reader would copy them: in code spans and fenced code blocks. Links count only outside
code. Anchors follow GitHub's heading slugs. The README's runtime-settings table is held to
``connector/settings.py``'s ``SETTINGS``, and it is the only such table.
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest

from connector.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
_SKIPPED_DIRECTORIES = {"build", "dist", "out", "node_modules"}


def markdown_files() -> list[Path]:
    """Every .md file of the project, outside hidden, build and virtualenv directories."""
    found = []
    for path in ROOT.rglob("*.md"):
        parts = path.relative_to(ROOT).parts[:-1]
        if any(p.startswith(".") or p in _SKIPPED_DIRECTORIES or p.endswith(".egg-info") for p in parts):
            continue
        found.append(path)
    return sorted(found)


# --- reading Markdown ---------------------------------------------------------------------------

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)


@dataclass(frozen=True)
class Code:
    """A piece of code a reader may copy: a code span, or one logical line of a fenced block."""

    line: int
    text: str


@dataclass(frozen=True)
class Doc:
    path: Path
    prose: list[tuple[int, str]]  # (first line number, paragraph text with its code spans blanked out)
    code: list[Code]
    headings: list[str]
    html_anchors: frozenset[str]

    @property
    def name(self) -> str:
        return self.path.relative_to(ROOT).as_posix()


def _paragraphs(lines: list[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    block: list[tuple[int, str]] = []
    for number, line in [*lines, (0, "")]:
        if line.strip():
            block.append((number, line))
        elif block:
            yield block[0][0], "\n".join(text for _, text in block)
            block = []


def _logical_lines(lines: list[tuple[int, str]]) -> Iterator[Code]:
    """Lines of a fenced block, with shell continuations (a trailing backslash) joined."""
    start, parts = 0, list[str]()
    for number, line in lines:
        if not parts:
            start = number
        if line.rstrip().endswith("\\"):
            parts.append(line.rstrip()[:-1])
            continue
        parts.append(line)
        yield Code(start, " ".join(parts))
        parts = []
    if parts:
        yield Code(start, " ".join(parts))


def parse(path: Path, text: str | None = None) -> Doc:
    """Split a Markdown file into prose (code spans blanked), code and headings."""
    raw = (path.read_text(encoding="utf-8") if text is None else text).splitlines()
    outside: list[tuple[int, str]] = []
    code: list[Code] = []
    fenced: list[tuple[int, str]] = []
    fence: str | None = None
    for number, line in enumerate(raw, start=1):
        opening = _FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)
            fenced = []
            continue
        if fence is not None:
            if line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
                code.extend(_logical_lines(fenced))
                fence = None
            else:
                fenced.append((number, line))
            continue
        outside.append((number, line))
    if fence is not None:  # an unclosed fence runs to the end of the file, as on GitHub
        code.extend(_logical_lines(fenced))

    headings = []
    for _, line in outside:
        heading = re.match(r"^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$", line)
        if heading:
            headings.append(heading.group(1))

    prose = []
    for first, paragraph in _paragraphs(outside):
        for span in _CODE_SPAN.finditer(paragraph):
            at = first + paragraph.count("\n", 0, span.start())
            code.append(Code(at, " ".join(span.group(2).split())))
        prose.append((first, _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), paragraph)))
    anchors = frozenset(re.findall(r"<a\s+(?:name|id)=\"([^\"]+)\"", "\n".join(raw)))
    return Doc(path, prose, sorted(code, key=lambda c: c.line), headings, anchors)


@functools.cache
def docs() -> tuple[Doc, ...]:
    return tuple(parse(path) for path in markdown_files())


# --- GitHub heading slugs -----------------------------------------------------------------------

def _heading_text(heading: str) -> str:
    """The text GitHub renders for a heading's Markdown: links and images as their text, no markup."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"<[^>]+>", "", text)
    return text.replace("`", "").replace("*", "")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading (github-slugger): lower case, punctuation dropped, spaces as hyphens.

    >>> slug("Time: every call answers inside its budget")
    'time-every-call-answers-inside-its-budget'
    >>> slug("`allOrNone` and AppFlow's error handling")
    'allornone-and-appflows-error-handling'
    >>> slug("1. Deploy the stack")
    '1-deploy-the-stack'
    """
    kept = []
    for ch in _heading_text(heading).strip().lower():
        category = unicodedata.category(ch)
        if category[0] in "LMN" or category == "Pc" or ch in "- ":
            kept.append(ch)
    return "".join(kept).replace(" ", "-")


def anchors(doc: Doc) -> set[str]:
    """Every anchor of a document: heading slugs (repeats get -1, -2, ... as on GitHub) and HTML anchors."""
    seen: dict[str, int] = {}
    found = set(doc.html_anchors)
    for heading in doc.headings:
        base = slug(heading)
        name = base
        while name in seen or name in found:
            seen[base] = seen.get(base, 0) + 1
            name = f"{base}-{seen[base]}"
        seen[name] = 0
        found.add(name)
    return found


# --- what the docs show -------------------------------------------------------------------------

_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


@dataclass(frozen=True)
class Link:
    doc: Doc
    line: int
    target: str


def links() -> list[Link]:
    found = []
    for doc in docs():
        for first, paragraph in doc.prose:
            for pattern in (_LINK, _REFERENCE):
                for match in pattern.finditer(paragraph):
                    target = match.group(1)
                    if target and not _EXTERNAL.match(target):
                        found.append(Link(doc, first + paragraph.count("\n", 0, match.start()), target))
    return found


_MAKE = re.compile(r"(?<![\w./-])make\s+(?:[A-Za-z_][A-Za-z0-9_]*=(?:\"[^\"]*\"|'[^']*'|\S*)\s+)*([a-z][\w.-]*)")
_CLI = re.compile(r"(?<![\w.-])appflow-mysql(?![\w.-])[ \t]+(\S+)")
_FLAG = re.compile(r"(?<![\w-])--[a-z][\w-]*")
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
_EVENT = re.compile(r"(?<![\w./-])events/[\w./-]+\.json")


@dataclass(frozen=True)
class Shown:
    """Something a document shows: where, and what."""

    doc: Doc
    line: int
    what: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.doc.name}:{self.line} {self.what}{' ' + self.detail if self.detail else ''}"


def make_targets_shown() -> list[Shown]:
    return _unique(Shown(doc, code.line, match.group(1))
                   for doc in docs() for code in doc.code for match in _MAKE.finditer(code.text))


def _command_rest(rest: str) -> str:
    """What belongs to one appflow-mysql command: up to a shell separator or comment, quotes removed."""
    return re.split(r"\s(?:#|\||;|&&)", _QUOTED.sub(" ", rest))[0]


def cli_uses_shown() -> list[tuple[Shown, list[str]]]:
    """(the subcommand shown, the flags shown with it) for every appflow-mysql command in code."""
    found: dict[str, tuple[Shown, list[str]]] = {}
    for doc in docs():
        for code in doc.code:
            for match in _CLI.finditer(code.text):
                word, rest = match.group(1), code.text[match.end():]
                if word.startswith("--"):  # the command's own options: appflow-mysql --help
                    word, rest = "", f"{word} {rest}"
                elif not re.fullmatch(r"[a-z][\w-]*", word):
                    continue
                shown = Shown(doc, code.line, f"appflow-mysql {word}".rstrip())
                flags = found.setdefault(str(shown), (shown, []))[1]
                flags.extend(flag for flag in _FLAG.findall(_command_rest(rest)) if flag not in flags)
    return list(found.values())


def events_shown() -> list[Shown]:
    shown: list[Shown] = []
    for doc in docs():
        for number, line in enumerate(doc.path.read_text(encoding="utf-8").splitlines(), start=1):
            shown.extend(Shown(doc, number, match.group(0)) for match in _EVENT.finditer(line))
    return _unique(shown)


def _unique(items: Iterator[Shown] | list[Shown]) -> list[Shown]:
    return list({str(item): item for item in items}.values())


# --- what exists --------------------------------------------------------------------------------

_RULE = re.compile(r"^([^\s:#=$][^:#=]*?)\s*::?(?!=)")


@functools.cache
def make_targets() -> frozenset[str]:
    """Targets the Makefile and mk/*.mk define (rules at the start of a line; variables and patterns not)."""
    targets: set[str] = set()
    for makefile in [ROOT / "Makefile", *sorted((ROOT / "mk").glob("*.mk"))]:
        for line in makefile.read_text(encoding="utf-8").splitlines():
            rule = _RULE.match(line)
            if rule:
                targets.update(t for t in rule.group(1).split() if not t.startswith((".", "$")) and "%" not in t)
    return frozenset(targets)


@functools.cache
def cli_help(subcommand: str) -> tuple[int, str]:
    """Exit status and output of ``appflow-mysql [SUBCOMMAND] --help``, from the CLI's own parser."""
    args = [sys.executable, "-m", "appflow_mysql.main", *([subcommand] if subcommand else []), "--help"]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    return done.returncode, done.stdout + done.stderr


def _subcommand(shown: Shown) -> str:
    return shown.what.removeprefix("appflow-mysql").strip()


# --- the tests ----------------------------------------------------------------------------------

MAKE_SHOWN = make_targets_shown()
CLI_SHOWN = cli_uses_shown()
FLAGS_SHOWN = [(shown, flag) for shown, flags in CLI_SHOWN for flag in flags]
LINKS = links()
EVENTS_SHOWN = events_shown()


def test_the_docs_are_read() -> None:
    names = {doc.name for doc in docs()}
    assert {"README.md", "CHANGELOG.md"} <= names and any(n.startswith("docs/") for n in names), names
    # The extractors find what the README shows: its two commands, the CLI, links.
    readme = [s.what for s in MAKE_SHOWN if s.doc.name == "README.md"]
    assert "demo" in readme and "test" in readme, readme
    assert any(s.doc.name == "README.md" for s, _ in CLI_SHOWN)
    assert sum(link.doc.name == "README.md" for link in LINKS) >= 10


@pytest.mark.parametrize("shown", MAKE_SHOWN, ids=str)
def test_every_make_target_shown_exists(shown: Shown) -> None:
    assert shown.what in make_targets(), (
        f"{shown.doc.name}:{shown.line} shows `make {shown.what}`, which neither the Makefile nor mk/*.mk define "
        f"(targets: {', '.join(sorted(make_targets()))})")


@pytest.mark.parametrize("shown", [shown for shown, _ in CLI_SHOWN], ids=str)
def test_every_appflow_mysql_subcommand_shown_exists(shown: Shown) -> None:
    status, output = cli_help(_subcommand(shown))
    assert status == 0, f"{shown}: `{shown.what} --help` fails (exit {status}): {output[-400:]}"


@pytest.mark.parametrize(("shown", "flag"), FLAGS_SHOWN, ids=[f"{s} {f}" for s, f in FLAGS_SHOWN])
def test_every_flag_shown_is_in_its_subcommands_help(shown: Shown, flag: str) -> None:
    status, output = cli_help(_subcommand(shown))
    listed = set(_FLAG.findall(output))
    assert status == 0 and flag in listed, (
        f"{shown.doc.name}:{shown.line} shows `{shown.what} {flag}`, but `{shown.what} --help` lists "
        f"{', '.join(sorted(listed)) or 'nothing (it failed)'}")


@pytest.mark.parametrize("link", LINKS, ids=lambda link: f"{link.doc.name}:{link.line} {link.target}")
def test_every_relative_link_resolves(link: Link) -> None:
    path_part, _, anchor = link.target.partition("#")
    if path_part:
        base = ROOT if path_part.startswith("/") else link.doc.path.parent
        target = (base / unquote(path_part).lstrip("/")).resolve()
        assert target.exists(), f"{link.doc.name}:{link.line} links to {link.target}: no {target.relative_to(ROOT)}"
        assert target.is_relative_to(ROOT), f"{link.doc.name}:{link.line} links outside the repository"
    else:
        target = link.doc.path
    if anchor and target.suffix == ".md":
        known = anchors(parse(target))
        assert unquote(anchor) in known, (
            f"{link.doc.name}:{link.line} links to #{anchor}, which is no heading of "
            f"{target.relative_to(ROOT)} (anchors: {', '.join(sorted(known))})")


@pytest.mark.parametrize("shown", EVENTS_SHOWN, ids=str)
def test_every_event_file_named_exists(shown: Shown) -> None:
    assert (ROOT / shown.what).is_file(), f"{shown.doc.name}:{shown.line} names {shown.what}, which does not exist"


# --- the runtime-settings table -----------------------------------------------------------------

def _tables(doc: Doc) -> Iterator[list[list[str]]]:
    rows: list[list[str]] = []
    for line in [*doc.path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.lstrip().startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif rows:
            yield rows
            rows = []


def _default_text(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_the_settings_table_is_settings_py() -> None:
    keys = {spec.key for spec in SETTINGS}
    settings_tables = [(doc.name, rows) for doc in docs() for rows in _tables(doc)
                       if len({row[0].strip("`") for row in rows} & keys) >= 3]
    assert [name for name, _ in settings_tables] == ["README.md"], (
        f"one runtime-settings table, in the README; found in: {[name for name, _ in settings_tables]}")
    header, _, *body = settings_tables[0][1]
    assert header[:2] == ["key", "default"], header
    shown = [(row[0].strip("`"), row[1].strip("`")) for row in body]
    expected = [(spec.key, _default_text(spec.default)) for spec in SETTINGS]
    assert shown == expected, f"the README's settings table says {shown}; connector/settings.py has {expected}"


# --- the readers themselves ---------------------------------------------------------------------

SAMPLE = """# Title: *one*
Text with a [link](other.md#part) and `make nothing-here [no](link.md)` spans
over `two
lines make demo`.

```sh
make test BENCH_ARGS="--rows 1" && appflow-mysql doctor --secret-arn "x --not-a-flag" \\
    --json  # a comment --ignored
# Not a heading
```

## Title: *one*
[ref]: docs/x.md
"""


def test_the_readers_on_a_sample(tmp_path: Path) -> None:
    doc = parse(tmp_path / "sample.md", SAMPLE)
    assert doc.headings == ["Title: *one*", "Title: *one*"]
    assert anchors(doc) == {"title-one", "title-one-1"}
    prose_links = [m.group(1) for _, p in doc.prose for m in _LINK.finditer(p)]
    assert prose_links == ["other.md#part"]
    assert [m.group(1) for _, p in doc.prose for m in _REFERENCE.finditer(p)] == ["docs/x.md"]
    targets = [m.group(1) for c in doc.code for m in _MAKE.finditer(c.text)]
    assert targets == ["nothing-here", "demo", "test"]
    assert [c.line for c in doc.code] == [2, 3, 7, 9]  # the shell continuation joins lines 7 and 8
    fenced = doc.code[2].text
    match = _CLI.search(fenced)
    assert match and match.group(1) == "doctor"
    assert _FLAG.findall(_command_rest(fenced[match.end():])) == ["--secret-arn", "--json"]


def test_makefile_rules_are_read() -> None:
    assert {"demo", "test", "lint", "invoke", "bench", "build", "deploy", "delete"} <= make_targets()
    assert not {"STAMP", "PHONY", "BIN", "VENV"} & make_targets()


def test_the_architecture_page_names_every_connector_module() -> None:
    """docs/architecture.md's table is kept next to the code: a module added, renamed or removed fails here."""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = page.split("## What each module owns", 1)[1].split("\n## ", 1)[0]
    named = {name for row in re.findall(r"^\| ([^|]+) \|", table, flags=re.MULTILINE)
             for name in re.findall(r"`(\w+)`", row)}
    modules = {path.stem for path in (ROOT / "connector").glob("*.py") if path.stem != "__init__"}
    assert modules - named == set(), "add these modules to docs/architecture.md"
    assert named - modules - {"module"} == set(), "docs/architecture.md names modules that are gone"
