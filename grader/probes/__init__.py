"""Probes: the grader's code that runs in the sandboxed child, next to student code.

A probe takes the loaded student code (a `Context`) and inputs chosen by the grading process,
calls the student's functions, and returns plain data. It never sees an expected value: the
judges in the trusted parent compare what it returns with the same probe's result on the
reference solution.
"""
from grader.probes import common, gd, net, regression, torch_gd

REGISTRY = {
    **common.PROBES,
    **gd.PROBES,
    **net.PROBES,
    **torch_gd.PROBES,
    **regression.PROBES,
}
SETUPS = {**torch_gd.SETUPS}
