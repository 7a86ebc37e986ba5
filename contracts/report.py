"""Render a contract summary: console text, Markdown, self-contained HTML and JUnit XML."""
from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from contracts.checks import DESCRIPTIONS
from contracts.errors import ContractConfigError
from contracts.secrets import TOKEN_PLACEHOLDER
from contracts.summary import ContractSummary, FailureGroup, OperationStats, SpecSummary

MESSAGE_LIMIT = 1500


# ---- shared pieces ----
def format_statuses(stats: OperationStats) -> str:
    """`200×3 404×1`, lowest status first; `-` when nothing came back."""
    parts = [f"{status}×{count}" for status, count in sorted(stats.statuses.items())]
    if stats.no_response:
        parts.append(f"no-response×{stats.no_response}")
    return " ".join(parts) or "-"


def format_failures(stats: OperationStats) -> str:
    """The failed checks of an operation, or `-`."""
    return ", ".join(sorted(stats.failures)) or "-"


def _rows(spec: SpecSummary) -> list[tuple[str, str, str, str]]:
    return [(stats.label + ("" if stats.documented else "  (undocumented)"), str(stats.requests),
             format_statuses(stats), format_failures(stats)) for stats in spec.operations.values()]


def verdict(summary: ContractSummary) -> str:
    """One line: passed or failed, with the counts."""
    kinds, errors = len(summary.failure_kinds), len(summary.errors)
    word = "PASSED" if summary.passed else "FAILED"
    extra = f", cut by the time limit: {', '.join(summary.time_limited)}" if summary.time_limited else ""
    return (f"contract {word}: {kinds} failure(s), {errors} error(s), {summary.requests} request(s) "
            f"in {summary.elapsed:.1f}s{extra}")


def _spec_header(spec: SpecSummary) -> str:
    if spec.started is None:
        return spec.name
    s = spec.started
    reason = spec.finished.stop_reason if spec.finished else "unfinished"
    took = f"{spec.finished.elapsed:.1f}s" if spec.finished else "-"
    return f"{s.title} ({spec.name}) against {s.base_url}  [seed {s.seed}, {took}, {reason}]"


def _notes(spec: SpecSummary) -> tuple[str, ...]:
    return spec.finished.notes if spec.finished else ()


def _coverage_lines(spec: SpecSummary) -> list[str]:
    if spec.started is None:
        return []
    cov = spec.coverage
    lines = [f"coverage: {cov.operations_exercised}/{len(cov.operations)} documented operations exercised, "
             f"{cov.statuses_exercised}/{cov.statuses_documented} documented status codes exercised"]
    never = cov.never_exercised
    if never:
        lines.append("  never exercised: " + ", ".join(op.operation.label for op in never))
    for op in cov.operations:
        if op.missed and op.was_exercised:
            lines.append(f"  {op.operation.label}: never saw {', '.join(op.missed)}")
    return lines


def failure_lines(group: FailureGroup) -> list[str]:
    f = group.first
    title = f"{f.operation} — {f.check}: {f.title}"
    lines = [title, f"  seen {group.count}×, status {', '.join(map(str, sorted(group.statuses))) or '-'}, "
                    f"phase {f.phase}, severity {f.severity}"]
    if f.message:
        lines += ["  " + line for line in _trim(f.message).splitlines()]
    if f.response:
        lines.append("  response: " + _trim(f.response, 300).replace("\n", " "))
    lines.append("  reproduce:")
    for step in (f.steps[:-1] if len(f.steps) > 1 else ()):
        lines += ["    " + line for line in step.splitlines()]
    lines += ["    " + line for line in (f.curl or "(no request: the failure is about the whole run)").splitlines()]
    return lines


def _trim(text: str, limit: int = MESSAGE_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit] + " …"


def _table(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> list[str]:
    rows = list(rows)
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header), fmt.format(*("-" * w for w in widths))] + [fmt.format(*r) for r in rows]


# ---- console ----
def render_text(summary: ContractSummary) -> str:
    """The console report: per spec a table, the failures with curl commands, coverage; then the verdict."""
    out: list[str] = []
    for spec in summary.specs.values():
        out += ["", "== " + _spec_header(spec)]
        out += _table(("operation", "requests", "statuses seen", "failures"), _rows(spec))
        out += [f"note: {note}" for note in _notes(spec)]
        for error in spec.errors:
            out += ["", f"ERROR {error.label}:"] + ["  " + line for line in _trim(error.message).splitlines()]
        for group in spec.failures.values():
            out += [""] + failure_lines(group)
        out += [""] + _coverage_lines(spec)
    if any(TOKEN_PLACEHOLDER in g.first.curl for g in summary.failures):
        out += ["", f"(curl commands read the token from {TOKEN_PLACEHOLDER}: export it before pasting them)"]
    out += ["", verdict(summary)]
    return "\n".join(out)


# ---- Markdown ----
def render_markdown(summary: ContractSummary) -> str:
    """A Markdown report a person reads in a CI artifact or a pull request."""
    out = ["# Contract report", "", f"**{verdict(summary)}**", ""]
    for spec in summary.specs.values():
        out += [f"## {_md(_spec_header(spec))}", ""]
        if spec.started is not None:
            out += [f"Checks: {', '.join(f'`{c}`' for c in spec.started.checks)}. "
                    f"Phases: {', '.join(spec.started.phases)}.", ""]
        out += ["| operation | requests | statuses seen | failures |", "|---|---:|---|---|"]
        out += [f"| `{_md(a)}` | {b} | {c} | {_md(d)} |" for a, b, c, d in _rows(spec)]
        out.append("")
        out += [f"> Note: {note}\n" for note in _notes(spec)]
        if spec.errors:
            out += ["### Errors", ""]
            for error in spec.errors:
                out += [f"**{_md(error.label)}**", "", "```", _trim(error.message), "```", ""]
        if spec.failures:
            out += ["### Failures", ""]
            for i, group in enumerate(spec.failures.values(), 1):
                f = group.first
                out += [f"#### {i}. `{_md(f.operation)}` — `{f.check}`: {_md(f.title)}", "",
                        f"Seen {group.count}×; status {', '.join(map(str, sorted(group.statuses))) or '-'}; "
                        f"phase {f.phase}; severity {f.severity}. The check asserts that {DESCRIPTIONS.get(f.check, f.check)}.", ""]
                if f.message:
                    out += ["```", _trim(f.message), "```", ""]
                if f.response:
                    out += ["Response body:", "", "```", _trim(f.response, 600), "```", ""]
                out += ["Reproduce:", "", "```sh"] + [s for s in (f.steps[:-1] if len(f.steps) > 1 else ())]
                out += [f.curl or "# no request: the failure is about the whole run", "```", ""]
        out += ["### Coverage", ""] + [_md(line) if not line.startswith("  ") else "- " + _md(line.strip())
                                       for line in _coverage_lines(spec)] + [""]
    return "\n".join(out)


def _md(text: str) -> str:
    return text.replace("|", "\\|")


# ---- HTML ----
_CSS = """body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;width:100%;margin:.6em 0}th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.n{text-align:right}tr.bad td{background:#fff3f3}code,pre{font-family:ui-monospace,monospace;font-size:12.5px}
pre{background:#f7f7f7;border:1px solid #e4e4e4;padding:.6em;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
.pass{color:#1a7f37}.fail{color:#cf222e}details{margin:.6em 0}summary{cursor:pointer;font-weight:600}.muted{color:#666}"""


def render_html(summary: ContractSummary) -> str:
    """A self-contained HTML report (inline CSS, no scripts)."""
    e = html.escape
    cls = "pass" if summary.passed else "fail"
    out = ["<!doctype html><html lang=en><head><meta charset=utf-8><title>Contract report</title>",
           f"<style>{_CSS}</style></head><body>", "<h1>Contract report</h1>", f"<p class={cls}><b>{e(verdict(summary))}</b></p>"]
    for spec in summary.specs.values():
        out.append(f"<h2>{e(_spec_header(spec))}</h2>")
        if spec.started is not None:
            out.append(f"<p class=muted>Checks: {e(', '.join(spec.started.checks))}. Phases: {e(', '.join(spec.started.phases))}.</p>")
        out.append("<table><tr><th>operation</th><th>requests</th><th>statuses seen</th><th>failures</th></tr>")
        for stats, (label, requests, statuses, failures) in zip(spec.operations.values(), _rows(spec), strict=True):
            bad = " class=bad" if stats.failures else ""
            out.append(f"<tr{bad}><td><code>{e(label)}</code></td><td class=n>{requests}</td><td>{e(statuses)}</td><td>{e(failures)}</td></tr>")
        out.append("</table>")
        out += [f"<p class=muted>Note: {e(note)}</p>" for note in _notes(spec)]
        for error in spec.errors:
            out.append(f"<details open><summary class=fail>Error: {e(error.label)}</summary><pre>{e(_trim(error.message))}</pre></details>")
        for group in spec.failures.values():
            f = group.first
            statuses = ", ".join(map(str, sorted(group.statuses))) or "-"
            out.append(f"<details open><summary class=fail><code>{e(f.operation)}</code> — {e(f.check)}: {e(f.title)}</summary>")
            out.append(f"<p class=muted>Seen {group.count}×; status {e(statuses)}; phase {e(f.phase)}; severity {e(f.severity)}. "
                       f"The check asserts that {e(DESCRIPTIONS.get(f.check, f.check))}.</p>")
            if f.message:
                out.append(f"<pre>{e(_trim(f.message))}</pre>")
            if f.response:
                out.append(f"<p>Response body:</p><pre>{e(_trim(f.response, 600))}</pre>")
            commands = list(f.steps[:-1] if len(f.steps) > 1 else ()) + [f.curl or "# no request: the failure is about the whole run"]
            out.append(f"<p>Reproduce:</p><pre>{e(chr(10).join(commands))}</pre></details>")
        lines = _coverage_lines(spec)
        if lines:
            out.append(f"<h3>Coverage</h3><p>{e(lines[0])}</p><ul>")
            out += [f"<li>{e(line.strip())}</li>" for line in lines[1:]]
            out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out)


# ---- JUnit XML ----
def render_junit(summary: ContractSummary) -> str:
    """JUnit XML for CI: one testsuite per spec, one testcase per operation, a failure per failed check."""
    root = ET.Element("testsuites", name="flowmock contract", tests="0", failures="0", errors="0",
                      time=f"{summary.elapsed:.3f}")
    totals = [0, 0, 0]
    for spec in summary.specs.values():
        suite = ET.SubElement(root, "testsuite", name=spec.name, timestamp="", hostname="")
        counts = [0, 0, 0, 0]  # tests, failures, errors, skipped
        exercised = {op.operation.label for op in spec.coverage.operations if op.was_exercised}
        for stats in spec.operations.values():
            counts[0] += 1
            case = ET.SubElement(suite, "testcase", classname=f"contract.{spec.name}", name=stats.label, time="0")
            groups = [g for (label, _), g in spec.failures.items() if label == stats.label]
            for group in groups:
                counts[1] += 1
                f = group.first
                failure = ET.SubElement(case, "failure", type=f.check, message=f"{f.check}: {f.title}")
                failure.text = "\n".join(failure_lines(group))
            if not groups and stats.documented and stats.label not in exercised:
                counts[3] += 1
                ET.SubElement(case, "skipped", message="never exercised: no request got an answer")
            ET.SubElement(case, "system-out").text = f"requests: {stats.requests}; statuses: {format_statuses(stats)}"
        for error in spec.errors:
            counts[0] += 1
            counts[2] += 1
            case = ET.SubElement(suite, "testcase", classname=f"contract.{spec.name}", name=f"run error: {error.label}", time="0")
            ET.SubElement(case, "error", type="RunError", message=error.label).text = error.message
        suite.set("tests", str(counts[0]))
        suite.set("failures", str(counts[1]))
        suite.set("errors", str(counts[2]))
        suite.set("skipped", str(counts[3]))
        suite.set("time", f"{spec.finished.elapsed:.3f}" if spec.finished else "0")
        totals = [totals[0] + counts[0], totals[1] + counts[1], totals[2] + counts[2]]
    root.set("tests", str(totals[0]))
    root.set("failures", str(totals[1]))
    root.set("errors", str(totals[2]))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# ---- files ----
def write_report(summary: ContractSummary, path: Path) -> Path:
    """Write the human report; the format follows the suffix (.md/.markdown or .html/.htm)."""
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown"):
        text = render_markdown(summary)
    elif suffix in (".html", ".htm"):
        text = render_html(summary)
    else:
        raise ContractConfigError(f"--report must end in .md or .html, got {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_junit(summary: ContractSummary, path: Path) -> Path:
    """Write the JUnit XML report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_junit(summary), encoding="utf-8")
    return path
