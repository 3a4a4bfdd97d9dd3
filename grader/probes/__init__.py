"""Probes: what the grader asks a child, decided in the trusted grading process.

A probe takes a `Session` (grader.driver) with the child that holds the student's loaded code,
and the inputs the grading process chose; it asks requests through the call interface (call
this with these plain arguments; run the script with these values moved) and returns plain
data made of the answers. It never runs beside student code and hands it nothing that knows an
answer: the judges (grader.checks) compare what it returns with the same probe's result on the
reference solution, or with a truth they compute themselves. A probe whose inputs must be in
place before the file runs says so with `moves(params)`.
"""
from grader.driver import Probe
from grader.probes import common, gd, net, regression, torch_gd

REGISTRY: dict[str, Probe] = {
    **common.PROBES,
    **gd.PROBES,
    **net.PROBES,
    **torch_gd.PROBES,
    **regression.PROBES,
}
