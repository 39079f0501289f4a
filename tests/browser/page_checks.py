"""The two page checkers of the browser layer: axe-core, run inside Chromium on the page as drawn, and the Nu HTML
checker (vnu), run once on the HTML of every page a walk saved. Both come from npm, installed by
``scripts/install-page-checkers`` (``make test`` runs it) into the test cache, because tests have no network.

Any finding fails the test, except the known ones below: each names Django admin's own markup (never a template
of ours) and says why it is left alone."""

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


def checkers_dir() -> Path:
    return Path(os.environ.get("PORTAL_TEST_CACHE") or Path.home() / ".cache" / "portal-tests") / "page-checkers"


def axe_script() -> Path:
    return checkers_dir() / "node_modules" / "axe-core" / "axe.min.js"


def vnu_jar() -> Path:
    return checkers_dir() / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def missing_checkers() -> list[str]:
    return [str(path) for path in (axe_script(), vnu_jar()) if not path.exists()]


@dataclass(frozen=True)
class Known:
    """A finding in Django admin's markup that we do not template: (checker, rule or message, where), and why."""

    checker: str  # "axe" or "vnu"
    rule: str  # axe rule id, or a regular expression over vnu's message
    path: str  # regular expression over the page's path
    target: str = ""  # axe: regular expression over the element's selector; vnu: over the extract
    reason: str = ""


KNOWN = [
    Known(
        "vnu",
        r"A table row was \d+ columns? wide, which is less than the column count established by the first row",
        r"^/admin/",
        r"<td></td>",
        "Django admin's app list (admin/app_list.html, in the sidebar and on the index) leaves a row a cell short "
        "for a model one may only view; the table is Django's and reads correctly.",
    ),
]


def _known(checker: str, rule: str, path: str, target: str) -> Known | None:
    for known in KNOWN:
        if known.checker != checker or not re.search(known.path, path):
            continue
        if checker == "axe" and known.rule != rule:
            continue
        if checker == "vnu" and not re.search(known.rule, rule):
            continue
        if known.target and not re.search(known.target, target):
            continue
        return known
    return None


@dataclass
class Findings:
    ours: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)

    def extend(self, other: "Findings"):
        self.ours += other.ours
        self.known += other.known


def axe_check(page, *, path: str, label: str) -> Findings:
    """axe-core on the page as it is now. The context must be made with ``bypass_csp=True`` (the portal's CSP
    rightly refuses an injected script)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_script()))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200)}))}));
        }"""
    )
    findings = Findings()
    for violation in result:
        for node in violation["nodes"]:
            line = (
                f"{label}: axe {violation['id']} ({violation['impact']}): {violation['help']} "
                f"at {node['target']}: {node['html']}"
            )
            if _known("axe", violation["id"], path, node["target"]):
                findings.known.append(line)
            else:
                findings.ours.append(line)
    return findings


def vnu_check(files: dict[Path, str]) -> Findings:
    """One run of the Nu HTML checker over every saved page (``files``: saved file → the page's path). Errors and
    warnings count (vnu's "info" notes do not)."""
    findings = Findings()
    if not files:
        return findings
    result = subprocess.run(
        ["java", "-Xss8m", "-jar", str(vnu_jar()), "--format", "json", "--exit-zero-always", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(result.stderr or result.stdout)
    by_name = {file.name: path for file, path in files.items()}
    for message in report["messages"]:
        if message.get("type") == "info" and message.get("subType") != "warning":
            continue
        name = Path(message.get("url", "")).name
        path = by_name.get(name, "")
        extract = message.get("extract", "")
        kind = "/".join(filter(None, (message.get("type"), message.get("subType"))))
        line = f"{name}: vnu {kind}: {message.get('message')} at line {message.get('lastLine')}: {extract!r}"
        if _known("vnu", message.get("message", ""), path, extract):
            findings.known.append(line)
        else:
            findings.ours.append(line)
    return findings
