"""The mutation page of the HTML report (`grade mutants --html DIR` writes DIR/mutants.html): the
score per exercise, and each survivor and unstable mutant with its operator, its scores under each
seed, the check whose requests run the changed line, and its diff from the reference."""
from __future__ import annotations

from pathlib import Path

from grader.mutation import MutantResult, MutationReport
from grader.outputs.html import escaped, page
from grader.report import points

DIFF_STYLE = "<style>.del{color:#cf222e}.add{color:#1a7f37}.hunk{color:#777}</style>"


def diff_html(diff: str) -> str:
    rows = []
    for line in diff.splitlines():
        kind = "hunk" if line.startswith(("@@", "---", "+++")) else "del" if line.startswith("-") else "add" if line.startswith("+") else ""
        rows.append(f"<span class='{kind}'>{escaped(line)}</span>" if kind else escaped(line))
    return "<pre>" + "\n".join(rows) + "</pre>"


def mutant_section(mutant: MutantResult, max_score: float) -> str:
    e = escaped
    scores = " / ".join(points(score) for score in mutant.scores)
    check = f" · check <code>{e(mutant.check)}</code> runs this line" if mutant.check else ""
    message = f"<p>{e(mutant.message)}</p>" if mutant.message and mutant.status not in ("survived", "fair") else ""
    if mutant.why:
        message = f"<p>Fair: {e(mutant.why)}</p>"
    return (f"<section class='mutant {e(mutant.status)}' id='{e(mutant.name)}'><h3>{e(mutant.name)} · {e(mutant.status)}</h3>"
            f"<p><code>{e(mutant.operator)}</code> · line {mutant.line} · scores {scores} of {points(max_score)}{check}</p>"
            f"{message}{diff_html(mutant.diff)}</section>")


def render(report: MutationReport) -> str:
    e = escaped
    parts = [DIFF_STYLE, f"<h1>Mutants of the reference</h1><p>seeds {', '.join(map(str, report.seeds))} · "
             f"{sum(x.mutants for x in report.exercises)} mutants · {report.seconds:.0f} s</p>",
             "<p>A <b>survivor</b> earns full marks under every seed: a change the checks let through. An <b>unstable</b> "
             "mutant's score changes with the seed. Equivalent mutants answered every request as the reference did; fair ones "
             "survived with a change the exercise's spec says is not a bug. Score: killed / (mutants − equivalent − fair − errors).</p>",
             "<table class='sortable'><thead><tr><th>exercise</th><th>mutants</th><th>killed</th><th>survived</th>"
             "<th>unstable</th><th>equivalent</th><th>fair</th><th>errors</th><th>score</th></tr></thead><tbody>"]
    for x in report.exercises:
        score = "—" if x.score is None else f"{x.score:.1f}%"
        parts.append(f"<tr><td><a href='#{e(x.exercise)}'>{e(x.exercise)}</a></td><td>{x.mutants}</td><td>{x.killed}</td>"
                     f"<td>{len(x.survived)}</td><td>{len(x.unstable)}</td><td>{len(x.equivalent)}</td><td>{len(x.fair)}</td><td>{len(x.errors)}</td>"
                     f"<td data-value='{x.score if x.score is not None else -1}'>{score}</td></tr>")
    parts.append("</tbody></table>")
    for error in report.errors:
        parts.append(f"<p class='error'>grader error: {e(error)}</p>")
    for x in report.exercises:
        parts.append(f"<h2 id='{e(x.exercise)}'>{e(x.exercise)}</h2>")
        if x.killed_by:
            parts.append("<p>Killed by: " + ", ".join(f"<code>{e(check)}</code> {count}"
                                                      for check, count in sorted(x.killed_by.items(), key=lambda kv: -kv[1])) + "</p>")
        shown = x.unstable + x.survived + x.errors
        if not shown:
            parts.append("<p>Every mutant that could be told apart from the reference lost points under every seed.</p>")
        parts += [mutant_section(mutant, x.max_score) for mutant in shown]
        for title, listed in ((f"{len(x.fair)} fair survivors (the spec's [[fair]])", x.fair),
                              (f"{len(x.equivalent)} likely equivalent mutants (the same answers as the reference's)", x.equivalent)):
            if listed:
                parts.append(f"<details><summary>{e(title)}</summary>"
                             + "".join(mutant_section(mutant, x.max_score) for mutant in listed) + "</details>")
    return page("Mutants of the reference", "".join(parts))


def write(report: MutationReport, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "mutants.html"
    target.write_text(render(report), encoding="utf-8")
    return target
