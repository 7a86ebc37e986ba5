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
    """One line: passed or failed, with the counts (uncovered success statuses included)."""
    kinds, errors = len(summary.failure_kinds), len(summary.errors)
    word = "INTERRUPTED" if summary.interrupted else "PASSED" if summary.passed else "FAILED"
    extra = f", cut by the time limit: {', '.join(summary.time_limited)}" if summary.time_limited else ""
    uncovered = len(summary.uncovered_success)
    if uncovered:
        extra += f"; {uncovered} documented success status(es) never seen"
        if not summary.require_success_coverage:
            extra += " (--fail-on-uncovered makes that a failure)"
    return (f"contract {word}: {kinds} failure(s), {errors} error(s), {summary.requests} request(s) "
            f"in {summary.elapsed:.1f}s{extra}")


def uncovered_lines(summary: ContractSummary) -> list[str]:
    """The documented success statuses no response reached, one operation a line; empty when there are none."""
    missing: dict[tuple[str, str], list[str]] = {}
    for spec, label, key in summary.uncovered_success:
        missing.setdefault((spec, label), []).append(key)
    if not missing:
        return []
    lines = [f"documented success statuses never seen ({len(summary.uncovered_success)}):"]
    lines += [f"  {label} ({spec}): never saw {', '.join(keys)}" for (spec, label), keys in missing.items()]
    return lines


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
    if cov.uncovered_success:
        lines.append("  success statuses never seen: " + "; ".join(f"{label} {key}" for label, key in cov.uncovered_success))
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
        for group in spec.failures_by_severity:
            out += [""] + failure_lines(group)
        out += [""] + _coverage_lines(spec)
    if any(TOKEN_PLACEHOLDER in g.first.curl for g in summary.failures):
        out += ["", f"(curl commands read the token from {TOKEN_PLACEHOLDER}: export it before pasting them)"]
    uncovered = uncovered_lines(summary)
    out += ([""] + uncovered if uncovered else []) + ["", verdict(summary)]
    return "\n".join(out)


# ---- Markdown ----
def render_markdown(summary: ContractSummary) -> str:
    """A Markdown report a person reads in a CI artifact or a pull request."""
    out = ["# Contract report", "", f"**{verdict(summary)}**", ""]
    uncovered = uncovered_lines(summary)
    if uncovered:
        out += [uncovered[0][0].upper() + uncovered[0][1:], ""] + [f"- `{_md(line.strip())}`" for line in uncovered[1:]] + [""]
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
            for i, group in enumerate(spec.failures_by_severity, 1):
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
_CSS = """body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:80em;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;width:100%;margin:.6em 0}th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.n{text-align:right}tr.bad td{background:#fff3f3}code,pre{font-family:ui-monospace,monospace;font-size:12.5px}
pre{background:#f7f7f7;border:1px solid #e4e4e4;padding:.6em;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
.pass{color:#1a7f37}.fail{color:#cf222e}details{margin:.6em 0}summary{cursor:pointer;font-weight:600}.muted{color:#666}
table.grid td{text-align:center;white-space:nowrap}table.grid th{white-space:nowrap}
.seen{background:#dafbe1;color:#1a7f37}.missed{background:#fff8c5;color:#7d4e00}.failed{background:#ffebe9;color:#cf222e}
td.failed a{color:#cf222e;font-weight:700}td.na{background:#fafafa}td.extra{color:#666}
.legend span{display:inline-block;padding:0 .5em;margin-right:.5em;border:1px solid #ddd}
details:target{outline:2px solid #cf222e;outline-offset:4px}"""

def _anchor(spec: SpecSummary, index: int) -> str:
    return "f-" + "".join(c if c.isalnum() else "-" for c in spec.name) + f"-{index}"


def _status_columns(spec: SpecSummary) -> list[str]:
    """Every documented response key of the spec: 2xx first, then 3xx, 4xx, 5xx, ranges after codes, `default` last."""
    keys = {key for op in (spec.started.operations if spec.started else ()) for key in op.statuses}
    return sorted(keys, key=lambda k: (k == "default", k[:1], not k[1:].isdigit(), k))


def grid_cells(spec: SpecSummary) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """Per documented operation, per status column: (key, state, text, link).

    state: seen, missed (documented, never seen), failed (a finding on a response with that status; the link
    goes to it), na (not documented for this operation), extra (undocumented statuses seen, no finding).
    """
    from contracts.coverage import documented_key

    anchors = {(g.first.operation, g.first.check): _anchor(spec, i) for i, g in enumerate(spec.failures_by_severity, 1)}
    columns = _status_columns(spec)
    rows = []
    for cov in spec.coverage.operations:
        op = cov.operation
        stats = spec.operations.get(op.label)
        counts: dict[str, int] = {}
        for status, n in (stats.statuses.items() if stats else ()):
            key = documented_key(op.statuses, status) or "undocumented"
            counts[key] = counts.get(key, 0) + n
        failed: dict[str, str] = {}
        for (label, check), group in spec.failures.items():
            if label != op.label:
                continue
            for status in sorted(group.statuses):
                failed.setdefault(documented_key(op.statuses, status) or "undocumented", anchors[(label, check)])
        cells = []
        for key in [*columns, "undocumented"]:
            if key in failed:
                cells.append((key, "failed", f"failed ({counts.get(key, 0)})", failed[key]))
            elif key == "undocumented":
                seen = ", ".join(map(str, cov.undocumented))
                cells.append((key, "extra" if seen else "na", seen, ""))
            elif key not in op.statuses:
                cells.append((key, "na", "", ""))
            elif key in cov.exercised:
                cells.append((key, "seen", f"seen ({counts.get(key, 0)})", ""))
            else:
                cells.append((key, "missed", "not seen", ""))
        rows.append((op.label, cells))
    return rows


def _grid_html(spec: SpecSummary) -> list[str]:
    e = html.escape
    anchors = {g.first.operation: _anchor(spec, i) for i, g in reversed(list(enumerate(spec.failures_by_severity, 1)))}
    out = [f"<table class=grid data-spec=\"{e(spec.name)}\"><tr><th>operation</th>"
           + "".join(f"<th>{e(key)}</th>" for key in [*_status_columns(spec), "undocumented"]) + "</tr>"]
    for label, cells in grid_cells(spec):
        name = f"<code>{e(label)}</code>"
        if label in anchors:
            name = f"<a href=\"#{anchors[label]}\">{name}</a>"
        row = [f"<tr data-op=\"{e(label)}\"><th>{name}</th>"]
        for key, state, text, link in cells:
            body = f"<a href=\"#{link}\">{e(text)}</a>" if link else e(text)
            row.append(f"<td class={state} data-status=\"{e(key)}\" data-state={state}>{body}</td>")
        out.append("".join(row) + "</tr>")
    out.append("</table>")
    return out


def render_html(summary: ContractSummary) -> str:
    """A self-contained HTML report (inline CSS, no scripts) that opens with a coverage grid per spec."""
    e = html.escape
    cls = "pass" if summary.passed else "fail"
    out = ["<!doctype html><html lang=en><head><meta charset=utf-8><title>Contract report</title>",
           f"<style>{_CSS}</style></head><body>", "<h1>Contract report</h1>", f"<p class={cls}><b>{e(verdict(summary))}</b></p>",
           "<p class=legend>Each operation against its documented statuses: <span class=seen>seen</span>"
           "<span class=missed>not seen</span><span class=failed>failed (links to the failure)</span>; "
           "the last column lists statuses the spec does not document</p>"]
    for spec in summary.specs.values():
        out.append(f"<h2>{e(_spec_header(spec))}</h2>")
        if spec.started is not None:
            out += _grid_html(spec)
    uncovered = uncovered_lines(summary)
    if uncovered:
        out.append(f"<p class=fail>{e(uncovered[0])}</p><ul>" + "".join(f"<li><code>{e(line.strip())}</code></li>" for line in uncovered[1:])
                   + "</ul>")
    for spec in summary.specs.values():
        out.append(f"<h2>Details: {e(spec.name)}</h2>")
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
        for i, group in enumerate(spec.failures_by_severity, 1):
            f = group.first
            statuses = ", ".join(map(str, sorted(group.statuses))) or "-"
            out.append(f"<details open id={_anchor(spec, i)}><summary class=fail>[{e(f.severity)}] <code>{e(f.operation)}</code> — "
                       f"{e(f.check)}: {e(f.title)}</summary>")
            out.append(f"<p class=muted>Seen {group.count}×; status {e(statuses)}; phase {e(f.phase)}; severity {e(f.severity)}. "
                       f"The check asserts that {e(DESCRIPTIONS.get(f.check, f.check))}.</p>")
            if f.message:
                out.append(f"<pre>{e(_trim(f.message))}</pre>")
            if f.response:
                out.append(f"<p>Response body:</p><pre>{e(_trim(f.response, 600))}</pre>")
            commands = list(f.steps[:-1] if len(f.steps) > 1 else ()) + [f.curl or "# no request: the failure is about the whole run"]
            out.append(f"<p>Reproduce:</p><pre class=curl>{e(chr(10).join(commands))}</pre></details>")
        lines = _coverage_lines(spec)
        if lines:
            out.append(f"<h3>Coverage</h3><p>{e(lines[0])}</p><ul>")
            out += [f"<li>{e(line.strip())}</li>" for line in lines[1:]]
            out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out)


# ---- JUnit XML ----
def render_junit(summary: ContractSummary) -> str:
    """JUnit XML: per spec a testsuite, per operation and check a testcase (at most one failure each); counts add up.

    A check's time is its share of the time its operation's scenarios took (they share the same requests).
    """
    root = ET.Element("testsuites", name="flowmock contract")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    for spec in summary.specs.values():
        suite = ET.SubElement(root, "testsuite", name=spec.name)
        if spec.started is not None and spec.started.started_at:
            suite.set("timestamp", spec.started.started_at.replace("+00:00", ""))
        counts = dict.fromkeys(totals, 0)
        checks = spec.started.checks if spec.started else ()
        exercised = {op.operation.label for op in spec.coverage.operations if op.was_exercised}
        covered: set[tuple[str, str]] = set()
        for stats in spec.operations.values():
            if not stats.documented:
                continue
            share = stats.seconds / len(checks) if checks else 0.0
            for check in checks:
                covered.add((stats.label, check))
                case = _testcase(suite, spec, stats.label, check, share, counts)
                group = spec.failures.get((stats.label, check))
                if group is not None:
                    _add_failure(case, group, counts)
                elif stats.label not in exercised:
                    counts["skipped"] += 1
                    ET.SubElement(case, "skipped", message="never exercised: no request to this operation got an answer")
                else:
                    ET.SubElement(case, "system-out").text = f"requests: {stats.requests}; statuses: {format_statuses(stats)}"
        for (label, check), group in spec.failures.items():
            if (label, check) not in covered:  # undocumented operations, whole-run checks
                _add_failure(_testcase(suite, spec, label, check, 0.0, counts), group, counts)
        for error in spec.errors:
            case = _testcase(suite, spec, "(run)", f"run error: {error.label}", 0.0, counts)
            counts["errors"] += 1
            ET.SubElement(case, "error", type="RunError", message=error.label).text = error.message
        elapsed = spec.finished.elapsed if spec.finished else sum(float(c.get("time", "0")) for c in suite.iter("testcase"))
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", f"{elapsed:.3f}")
        total_time += elapsed
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{total_time:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _testcase(suite: ET.Element, spec: SpecSummary, label: str, check: str, seconds: float, counts: dict[str, int]) -> ET.Element:
    counts["tests"] += 1
    return ET.SubElement(suite, "testcase", classname=f"{spec.name}.{label}", name=check, time=f"{seconds:.3f}")


def _add_failure(case: ET.Element, group: FailureGroup, counts: dict[str, int]) -> None:
    counts["failures"] += 1
    f = group.first
    failure = ET.SubElement(case, "failure", type=f.check, message=f"{f.title} (severity {f.severity}, seen {group.count}×)")
    failure.text = "\n".join(failure_lines(group))


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
