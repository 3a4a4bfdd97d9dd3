"""The similarity page (DIR/similarity.html): per exercise, who overlaps the reference or the
course's base material, the flagged pairs and the clusters, then each overlap and each pair as
two files side by side with their shared parts marked. One file, offline, no script library.

The texts are shown as grader.similarity.normalise makes them (the spans' offsets refer to that);
each piece between marks is cleaned and escaped on its own, since cleaning changes lengths."""
from __future__ import annotations

from pathlib import Path

from grader.outputs.html import escaped, page
from grader.similarity import ExerciseSimilarity, SimilarityReport, Span, normalise

SIDE_STYLE = ("<style>.side{display:grid;grid-template-columns:1fr 1fr;gap:1rem}.side>div{min-width:0}"
              ".side pre{max-height:40rem;margin:0;font-size:.8rem}mark{background:#ffe08a}.note{color:#9a6700}</style>")


def marked(text: str, spans: list[Span]) -> str:
    """The text, escaped, with each span in <mark>."""
    parts, at = [], 0
    for start, end in spans:
        parts.append(escaped(text[at:start]) + "<mark>" + escaped(text[start:end]) + "</mark>")
        at = end
    return "".join(parts) + escaped(text[at:])


def side_by_side(anchor: str, title: str, left: tuple[str, str | None, list[Span]],
                 right: tuple[str, str | None, list[Span]]) -> str:
    """Two files, each (name, text or None when it was not given, spans), in two columns."""
    columns = []
    for name, text, spans in (left, right):
        body = marked(normalise(text), spans) if text is not None else "(not given to the page)"
        columns.append(f"<div><h4>{escaped(name)}</h4><pre>{body}</pre></div>")
    return f"<section id='{anchor}'><h3>{title}</h3><div class='side'>{''.join(columns)}</div></section>"


def exercise_section(x: ExerciseSimilarity, threshold: float, sources: dict[str, str], reference: str | None,
                     base: dict[str, str]) -> str:
    e = escaped
    name = e(x.exercise)
    parts = [f"<h2 id='{name}'>{name}</h2><p>{x.compared} submissions compared.</p>"]
    course = [(f"{name}-reference-{i}", o, reference) for i, o in enumerate(x.reference, 1)]
    course += [(f"{name}-base-{i}", o, base.get(o.source)) for i, o in enumerate(x.base, 1)]
    if course:
        parts.append("<table class='sortable'><thead><tr><th>student</th><th>overlaps</th><th>share of their code</th>"
                     "<th>shared</th></tr></thead><tbody>")
        parts += [f"<tr><td><a href='#{anchor}'>{e(o.student)}</a></td><td>{e(o.source)}</td>"
                  f"<td data-value='{o.similarity:.3f}'>{100 * o.similarity:.0f}%</td><td>{o.tokens}</td></tr>"
                  for anchor, o, _ in course]
        parts.append("</tbody></table>")
    if x.pairs:
        parts.append("<table class='sortable'><thead><tr><th>a</th><th>b</th><th>similarity</th><th>a in b</th>"
                     "<th>b in a</th><th>shared</th></tr></thead><tbody>")
        parts += [f"<tr><td><a href='#{name}-pair-{i}'>{e(p.a)}</a></td><td>{e(p.b)}</td>"
                  f"<td data-value='{p.similarity:.3f}'>{100 * p.similarity:.0f}%</td><td>{100 * p.a_in_b:.0f}%</td>"
                  f"<td>{100 * p.b_in_a:.0f}%</td><td>{p.tokens}</td></tr>" for i, p in enumerate(x.pairs, 1)]
        parts.append("</tbody></table>")
    else:
        parts.append(f"<p>No pair above {100 * threshold:.0f}%.</p>")
    for cluster in x.clusters:
        parts.append(f"<p class='note'>Cluster of {len(cluster)}: {', '.join(e(student) for student in cluster)}</p>")
    for anchor, o, text in course:
        parts.append(side_by_side(anchor, f"{e(o.student)} and {e(o.source)}: {100 * o.similarity:.0f}% of {e(o.student)}'s code",
                                  (o.student, sources.get(o.student), o.spans), (o.source, text, o.source_spans)))
    for i, p in enumerate(x.pairs, 1):
        parts.append(side_by_side(f"{name}-pair-{i}", f"{e(p.a)} and {e(p.b)}: {100 * p.similarity:.0f}%",
                                  (p.a, sources.get(p.a), p.spans_a), (p.b, sources.get(p.b), p.spans_b)))
    return "".join(parts)


def render(report: SimilarityReport, sources: dict[str, dict[str, str]], reference: dict[str, str],
           base: dict[str, dict[str, str]]) -> str:
    parts = [SIDE_STYLE, "<h1>Similarity</h1><p><b>Evidence for a person to judge; it changes no score.</b></p>",
             f"<p>Listed from {100 * report.threshold:.0f}% of a student's code shared (beyond the starter; between "
             f"students, beyond the reference and the base material too) and {report.min_shared} shared characters of "
             f"code as compared: names as V, F or O, strings as S, no comments or spaces. k {report.k}, window "
             f"{report.window}, {report.seconds:.1f} s. Marked: the shared parts (between two students, only what "
             "the course's own code does not hold). Texts are shown with their line ends as LF.</p>",
             "<ul>" + "".join(f"<li><a href='#{escaped(x.exercise)}'>{escaped(x.exercise)}</a>: {len(x.reference)} "
                              f"reference, {len(x.base)} base, {len(x.pairs)} pairs</li>" for x in report.exercises) + "</ul>"]
    parts += [exercise_section(x, report.threshold, sources.get(x.exercise, {}), reference.get(x.exercise),
                               base.get(x.exercise, {})) for x in report.exercises]
    return page("Similarity", "".join(parts))


def write(report: SimilarityReport, sources: dict[str, dict[str, str]], reference: dict[str, str],
          base: dict[str, dict[str, str]], out: Path) -> Path:
    """out/similarity.html, for the texts `report` was computed from (same keys as `compare`'s)."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / "similarity.html"
    target.write_text(render(report, sources, reference, base), encoding="utf-8")
    return target
