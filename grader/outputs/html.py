"""The HTML report: `index.html` (class overview opening with a students × exercises heatmap,
sortable by total; score histogram, pass rate per exercise and per check) and one page per student with every check, what was compared and
the plots (loss curves against the reference's, gradients against finite differences, the fitted
polynomial). Plots are SVG inline: the pages work offline, from disk, with no server.

Everything a student's code could have influenced is cleaned of control characters and escaped
(`escaped`): the pages show student output."""
from __future__ import annotations

import html
import io
import textwrap
from collections import defaultdict
from pathlib import Path

from grader.outputs.filenames import file_stems
from grader.report import ClassReport, ExerciseResult, Plot, SubmissionResult, points
from grader.safe_text import clean

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f3f3f3;cursor:pointer}.passed{color:#1a7f37}.failed,.error,.timeout{color:#cf222e}.skipped{color:#777}
.bar{background:#8fbc8f;height:.8rem;display:inline-block}figure{margin:1rem 0}figure svg{max-width:46rem;height:auto}
.warning{color:#9a6700}code,pre{background:#f6f8fa}pre{padding:.5rem;overflow:auto;max-height:20rem}
.wide{overflow-x:auto}#students th{font-size:.8rem}#students td.cell{text-align:center;min-width:3.5rem}#students td.missing{background:#eee;color:#888}
#students td.broken{background:repeating-linear-gradient(45deg,#f8d7da,#f8d7da 4px,#fff 4px,#fff 8px);color:#cf222e}
"""
SORTING = """
document.querySelectorAll('table.sortable th').forEach((th, column) => th.addEventListener('click', () => {
  const body = th.closest('table').tBodies[0];
  const rows = Array.from(body.rows);
  const key = row => { const text = row.cells[column].dataset.value ?? row.cells[column].innerText;
                       const number = parseFloat(text); return isNaN(number) ? text : number; };
  const ascending = th.dataset.order !== 'asc'; th.dataset.order = ascending ? 'asc' : 'desc';
  rows.sort((a, b) => (key(a) > key(b) ? 1 : key(a) < key(b) ? -1 : 0) * (ascending ? 1 : -1));
  rows.forEach(row => body.appendChild(row));
}));
"""


def svg(plot: Plot) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.ticker import MaxNLocator

    figure, axes = pyplot.subplots(figsize=(7, 3.6))
    for series in plot.series:
        if plot.style == "points":
            axes.plot(series.x, series.y, marker="o", linestyle="none", label=series.label, alpha=0.8)
        else:
            axes.plot(series.x, series.y, label=series.label)
    if plot.log_y and all(y > 0 for s in plot.series for y in s.y) and any(s.y for s in plot.series):
        axes.set_yscale("log")
    axes.set_title(textwrap.fill(plot.title[:180], 75), fontsize=9)     # a title fits its plot
    if all(float(x).is_integer() for series in plot.series for x in series.x):
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))            # steps and variable indices: whole numbers
    axes.set_xlabel(plot.x_label)
    axes.set_ylabel(plot.y_label)
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    pyplot.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg"):]      # drop the XML prologue: the SVG is inline


def histogram(report: ClassReport) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.ticker import MaxNLocator

    percents = [s.percent for s in report.submissions if s.max_score]
    figure, axes = pyplot.subplots(figsize=(7, 3))
    axes.hist(percents, bins=range(0, 105, 5), color="#4c72b0", edgecolor="white")
    axes.set_xlabel("score (%)")
    axes.set_ylabel("students")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title("Score histogram", fontsize=10)
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    pyplot.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def escaped(student_text: str) -> str:
    """Text for HTML content or a quoted attribute: control characters gone, markup escaped."""
    return html.escape(clean(student_text))


def page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escaped(title)}</title>"
            f"<style>{STYLE}</style></head><body>{body}<script>{SORTING}</script></body></html>")


def index(report: ClassReport) -> str:
    e = escaped
    parts = [f"<h1>Grading report</h1><p>seed {report.seed} · grader {e(report.grader_version)} · "
             f"isolation {e(report.isolation.level)} · {len(report.submissions)} submissions</p>",
             heatmap(report), f"<figure id='histogram'>{histogram(report)}</figure>"]
    if report.similarity is not None:
        found = [(x.exercise, len(x.reference), len(x.base), len(x.pairs)) for x in report.similarity.exercises
                 if x.reference or x.base or x.pairs]
        summary = "; ".join(f"{e(exercise)}: {r} reference, {b} course material, {n} pairs" for exercise, r, b, n in found)
        parts.append(f"<h2>Similarity</h2><p><a href='similarity.html'>Who handed in the reference or the course's "
                     f"material, and who shares code, side by side</a> (evidence to judge; no score changes). "
                     f"{summary or 'Nothing above ' + format(100 * report.similarity.threshold, '.0f') + '%.'}</p>")
    per_exercise: dict[str, list[bool]] = defaultdict(list)
    per_check: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for submission in report.submissions:
        for result in submission.exercises:
            if result.status != "missing":
                per_exercise[result.exercise].append(result.score == result.max_score)
            for check in result.checks:
                per_check[(result.exercise, check.name)].append(check.status == "passed")
    parts.append("<h2>Pass rate per exercise</h2><table class='sortable'><thead><tr><th>exercise</th><th>full marks</th>"
                 "<th>handed in</th></tr></thead><tbody>")
    for exercise in report.exercises:
        results = per_exercise.get(exercise, [])
        rate = 100 * sum(results) / len(results) if results else 0
        parts.append(f"<tr><td>{e(exercise)}</td><td data-value='{rate:.1f}'><span class='bar' style='width:{rate:.0f}px'></span> "
                     f"{rate:.0f}%</td><td>{len(results)}</td></tr>")
    parts.append("</tbody></table><h2>Pass rate per check</h2><table class='sortable'><thead><tr><th>check</th>"
                 "<th>passed</th></tr></thead><tbody>")
    for (exercise, name), results in sorted(per_check.items()):
        rate = 100 * sum(results) / len(results)
        parts.append(f"<tr><td>{e(exercise)}.{e(name)}</td><td data-value='{rate:.1f}'>{rate:.0f}% of {len(results)}</td></tr>")
    parts.append("</tbody></table>")
    for error in report.errors:
        parts.append(f"<p class='error'>grader error: {e(error)}</p>")
    return page("Grading report", "".join(parts))


def heatmap(report: ClassReport) -> str:
    """Students × exercises, each cell coloured by the fraction of its points (red 0 → green 1),
    missing and errors marked, sortable by any column (click "total" for the ranking): the view an
    instructor scans first."""
    e = escaped
    parts = ["<h2>Students × exercises</h2><p>Each cell: the fraction of the exercise's points (red none, "
             "green all); — not handed in; striped: error or timeout. Click a heading to sort.</p>"
             "<div class='wide'><table class='sortable' id='students'><thead><tr><th>student</th>"
             + "".join(f"<th>{e(x)}</th>" for x in report.exercises) + "<th>total</th><th>%</th></tr></thead><tbody>"]
    for submission, stem in zip(report.submissions, file_stems(report)):
        scores = {x.exercise: x for x in submission.exercises}
        cells = "".join(_heat_cell(scores.get(x)) for x in report.exercises)
        percent = submission.percent
        parts.append(f"<tr><td><a href='students/{e(stem)}.html'>{e(submission.student)}</a></td>{cells}"
                     f"<td data-value='{submission.score}'>{points(submission.score)}/{points(submission.max_score)}</td>"
                     f"<td data-value='{percent:.1f}'>{percent:.0f}</td></tr>")
    parts.append("</tbody></table></div>")
    return "".join(parts)


def _heat_cell(result: ExerciseResult | None) -> str:
    if result is None or (result.status == "missing" and result.manual is None):
        return "<td class='cell missing' data-value='-1' title='not handed in'>—</td>"
    fraction = result.score / result.max_score if result.max_score else 1.0
    label = f"{points(result.score)}/{points(result.max_score)}"
    if result.status != "graded":
        return (f"<td class='cell broken' data-value='{fraction:.3f}' title='{escaped(result.status)}'>"
                f"{escaped(result.status)}</td>")
    colour = f"hsl({120 * fraction:.0f}, 65%, {88 - 10 * fraction:.0f}%)"
    return f"<td class='cell' data-value='{fraction:.3f}' style='background:{colour}' title='{label}'>{label}</td>"


def student_page(submission: SubmissionResult, report: ClassReport) -> str:
    e = escaped
    person = submission.person
    who = f" ({e(person.name)}{', ' + e(person.student_id) if person.student_id else ''})" if person and person.name else ""
    parts = [f"<p><a href='../index.html'>← class</a></p><h1>{e(submission.student)}{who}: "
             f"{points(submission.score)} / {points(submission.max_score)}</h1>"]
    parts += [f"<p class='warning'>⚠ {e(w)}</p>" for w in submission.warnings]
    for exercise in submission.exercises:
        parts.append(f"<h2 id='{e(exercise.exercise)}'>{e(exercise.exercise)}: {points(exercise.score)} / "
                     f"{points(exercise.max_score)}</h2>")
        if exercise.file:
            parts.append(f"<p>File: <code>{e(exercise.file)}</code></p>")
        if exercise.status != "graded":
            parts.append(f"<p class='{e(exercise.status)}'>{e(exercise.status)}: {e(exercise.message)}</p>")
        parts += [f"<p class='warning'>⚠ {e(w)}</p>" for w in exercise.warnings]
        if exercise.checks:
            parts.append("<table><thead><tr><th>check</th><th>status</th><th>points</th><th>what the grader saw</th>"
                         "</tr></thead><tbody>")
            for check in exercise.checks:
                parts.append(f"<tr><td>{e(check.name)}</td><td class='{e(check.status)}'>{e(check.status)}</td>"
                             f"<td>{points(check.score)}/{points(check.max_score)}{' ✍' if check.manual else ''}</td>"
                             f"<td>{e(check.message) or '—'}</td></tr>")
            parts.append("</tbody></table>")
        parts += [f"<p class='{'warning' if added < 0 else 'passed'}'>{e(label)}: {added:+g} points — {e(why)}</p>"
                  for label, added, why in exercise.adjustments()]
        for check in exercise.checks:
            if check.plot is not None:
                parts.append(f"<figure class='plot' data-check='{e(exercise.exercise)}.{e(check.name)}'>{svg(check.plot)}"
                             f"<figcaption>{e(exercise.exercise)}.{e(check.name)}</figcaption></figure>")
        if exercise.output:
            parts.append(f"<details><summary>what your code printed</summary><pre>{e(exercise.output[:20000])}</pre></details>")
    return page(f"{submission.student}: grading", "".join(parts))


def write(report: ClassReport, folder: Path) -> Path:
    (folder / "students").mkdir(parents=True, exist_ok=True)
    for submission, stem in zip(report.submissions, file_stems(report)):
        (folder / "students" / f"{stem}.html").write_text(student_page(submission, report), encoding="utf-8")
    (folder / "index.html").write_text(index(report), encoding="utf-8")
    return folder / "index.html"
