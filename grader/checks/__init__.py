"""Check kinds: inputs and judges, run in the trusted grading process.

Each kind names the probe that runs in the child (grader.probes) and judges its plain result
against the same probe's result on the reference solution."""
from grader.checks import common, gd, net, regression, torch_gd
from grader.checks.base import Kind, ReferenceFailure, Run, Verdict

KINDS: dict[str, Kind] = {
    "api": common.Api(),
    "output": common.Output(),
    "leaves": common.Leaves(),
    "gd.df": gd.Derivative(),
    "gd.grad": gd.Gradient(),
    "gd.descent": gd.Descent(),
    "net.node_str": net.NodeText(),
    "net.graphs": net.Graphs(),
    "net.descent": net.NetDescent(),
    "net.rerun": net.Rerun(),
    "torch.gd_scalar": torch_gd.ScalarDescent(),
    "torch.gd_list": torch_gd.ListDescent(),
    "torch.shifted_start": torch_gd.ShiftedStart(),
    "regression.gd": regression.RegressionDescent(),
    "regression.checkpoint": regression.Checkpoint(),
    "regression.predict": regression.Predict(),
}

__all__ = ["KINDS", "Kind", "ReferenceFailure", "Run", "Verdict"]
