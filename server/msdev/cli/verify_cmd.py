"""`msdev verify`: prove the MindSpore network computes what the PyTorch one did (needs msdev-migrate[verify])."""

from __future__ import annotations

import json
import sys

from .common import EXIT_FINDINGS, EXIT_OK, UserError

#: kept here (not imported from verify/) so `msdev --help` needs no numpy
HELP_TEXT = ("Default tolerances by the PyTorch network's dtype (rtol = atol): fp32 5e-4, fp16 5e-3, "
             "bf16 5e-2, fp64 1e-6; minimum cosine 0.9999 / 0.999 / 0.99 / 0.999999")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "verify", help="run the PyTorch and MindSpore networks on the same inputs and compare outputs",
        description="Build both networks, give MindSpore the PyTorch weights (converted checkpoint or an in-memory "
        "copy through the name map), feed the same seeded inputs in eval mode, and compare the outputs. When they "
        "differ, name the first layer whose outputs diverge. --grad, --train-steps and --train-mode add the "
        "training contract (train-mode outputs, gradients, optimizer steps). Outputs that prove nothing (constant "
        "across the batch, zero, equal to a bias) fail unless --allow-trivial. " + HELP_TEXT + ". "
        "Exit 0: agree; 1: differ or trivial; 2: usage error.")
    p.add_argument("--torch", required=True, metavar="MODULE:FACTORY", help="callable returning the torch.nn.Module")
    p.add_argument("--mindspore", required=True, metavar="MODULE:FACTORY", help="callable returning the mindspore.nn.Cell")
    p.add_argument("--kwargs", default="{}", metavar="JSON", help="keyword arguments passed to both factories")
    p.add_argument("--torch-weights", metavar="X.pth", help="load these weights into the PyTorch network first")
    p.add_argument("--weights", metavar="OUT.ckpt", help="MindSpore weights (.ckpt/.safetensors); default: copy PyTorch's")
    p.add_argument("--map", metavar="MAP.json", help="copy PyTorch's weights through this map instead of the derived one")
    p.add_argument("--input", action="append", required=True, metavar="SHAPE",
                   help="an input shape, e.g. 1,3,224,224 (repeat for several inputs; ':int64[:HIGH]' for integer inputs)")
    p.add_argument("--dtype", default="float32", help="dtype of inputs that name none (default float32)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    p.add_argument("--path", action="append", default=[], metavar="DIR", help="add DIR to sys.path (repeatable)")
    p.add_argument("--rtol", type=float, default=None,
                   help="relative tolerance of allclose (default by dtype: fp32 5e-4, fp16 5e-3, bf16 5e-2)")
    p.add_argument("--atol", type=float, default=None,
                   help="absolute tolerance of allclose, scaled by each value's magnitude (default: same as --rtol)")
    p.add_argument("--min-cosine", type=float, default=None,
                   help="values must also reach this cosine similarity (default fp32 0.9999, fp16 0.999, bf16 0.99)")
    p.add_argument("--grad", action="store_true",
                   help="also compare, in train mode (dropout off), the gradient of sum(outputs * R), R a fixed "
                   "seeded random tensor, with respect to every parameter and floating input; name the first "
                   "diverging parameter in module order")
    p.add_argument("--train-steps", type=int, default=0, metavar="N",
                   help="also run N optimizer steps on both sides from the same weights and data; compare the "
                   "loss of each step and the final weights")
    p.add_argument("--optimizer", default=None, metavar="SPEC",
                   help="optimizer of --train-steps, NAME[:key=value,...] with PyTorch's argument names "
                   "(default sgd:lr=0.001; e.g. sgd:lr=0.01,momentum=0.9 or adam:lr=1e-3,betas=0.9/0.999)")
    p.add_argument("--train-mode", action="store_true",
                   help="also compare train-mode outputs (BatchNorm batch statistics, dropout off); implied by "
                   "--grad and --train-steps")
    p.add_argument("--allow-trivial", action="store_true",
                   help="accept outputs that prove nothing (constant across the batch, zero, or equal to a bias); "
                   "without it they are a failure")
    p.add_argument("--localise", action="store_true", help="compare every layer even when the outputs agree")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    try:
        import numpy  # noqa: F401
    except ImportError:
        raise UserError("msdev verify needs numpy, torch and mindspore: pip install 'msdev-migrate[verify]'") from None
    from ..verify.runner import InputSpec, VerifyError, verify
    from ..weights.mapping import MapError, WeightMap

    try:
        kwargs = json.loads(args.kwargs)
    except json.JSONDecodeError as exc:
        raise UserError(f"--kwargs is not valid JSON: {exc}") from None
    if not isinstance(kwargs, dict):
        raise UserError("--kwargs must be a JSON object")
    if args.weights and args.map:
        raise UserError("--weights and --map exclude each other (the map is for copying PyTorch's weights)")
    try:
        inputs = [InputSpec.parse(s, args.dtype) for s in args.input]
        wmap = WeightMap.load(args.map) if args.map else None
        report = verify(args.torch, args.mindspore, inputs, kwargs=kwargs, torch_weights=args.torch_weights,
                        weights=args.weights, wmap=wmap, seed=args.seed, paths=args.path, rtol=args.rtol,
                        atol=args.atol, min_cosine=args.min_cosine, localise_always=args.localise,
                        grad=args.grad, train_mode=args.train_mode, train_steps=args.train_steps,
                        optimizer=args.optimizer, allow_trivial=args.allow_trivial)
    except (VerifyError, MapError) as exc:
        raise UserError(str(exc)) from None
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        _print(report)
    return EXIT_OK if report.passed else EXIT_FINDINGS


def _print(report) -> None:
    from rich.console import Console

    c = Console()
    c.print(f"weights: {report.weights_source}")
    if report.missing:
        c.print(f"[red]MindSpore parameters without a weight ({len(report.missing)}):[/red] {', '.join(report.missing[:10])}")
    if report.unexpected:
        c.print(f"[yellow]weights MindSpore has no parameter for ({len(report.unexpected)}):[/yellow] "
                f"{', '.join(report.unexpected[:10])}")
    for i, o in enumerate(report.outputs):
        shape = list(o.shape_a) if o.same_shape else f"{list(o.shape_a)} vs {list(o.shape_b)}"
        c.print(f"output {i}: shape {shape}  allclose(rtol={report.rtol:g}, atol={report.atol:g}) = "
                f"{'yes' if o.allclose else 'no'}  max abs error {o.max_abs:.3g}  cosine {o.cosine:.6f}")
    if report.agree:
        c.print(f"[green]outputs agree[/green] (cosine ≥ {report.min_cosine})")
    else:
        c.print("[red]outputs differ[/red]")
    dv = report.divergence
    if dv:
        where = (f"first diverging layer: [bold]{dv.name}[/bold] ({dv.torch_class} ↔ {dv.mindspore_class}): "
                 f"max abs error {dv.agreement.max_abs:.3g}, cosine {dv.agreement.cosine:.6f}")
        c.print(where)
        if dv.inputs_agreed is False:
            c.print(f"  its inputs already differed: the difference arises in code between "
                    f"{dv.previous or 'the network input'} and {dv.name} (not inside a layer)")
        elif dv.inputs_agreed:
            c.print(f"  its inputs agreed: the layer itself computes differently (weights or arguments)")
    elif not report.agree and report.compared_layers:
        c.print(f"no single layer diverged among {report.compared_layers} compared; the difference arises outside hooked layers")
    for n in report.notes[:10]:
        c.print(f"note: {n}", style="dim")
    if report.training is not None:
        _print_training(c, report.training)
    for reason in report.trivial:
        c.print(f"[yellow]warning: the agreement proves nothing: {reason}[/yellow]"
                + (" (accepted: --allow-trivial)" if report.allow_trivial else ""))
    if report.trivial and not report.allow_trivial:
        c.print("[red]failing because the outputs are trivial[/red] (use --allow-trivial to accept them)")
    c.print("[green]PASS[/green]" if report.passed else "[red]FAIL[/red]")
    sys.stdout.flush()


def _print_params(c, comparison) -> None:
    bad = comparison.diverging
    worst_cos = min((p.cosine for p in comparison.params), default=1.0)
    worst_abs = max((p.max_abs for p in comparison.params), default=0.0)
    line = (f"{comparison.what}: {len(comparison.params)} compared, {len(bad)} diverging; "
            f"lowest cosine {worst_cos:.6f}, largest max abs error {worst_abs:.3g}")
    c.print(line if not bad else f"[red]{line}[/red]")
    if bad:
        first = bad[0]
        c.print(f"  first diverging parameter: [bold]{first.torch_name}[/bold] (MindSpore {first.mindspore_name}): "
                f"max abs error {first.max_abs:.3g}, cosine {first.cosine:.6f}")
        if len(bad) > 1:
            c.print(f"  last diverging parameter (nearest the output): {bad[-1].torch_name}")
    if comparison.skipped:
        c.print(f"  not compared: {', '.join(comparison.skipped[:5])}: {comparison.skip_reason}", style="dim")
    if comparison.unpaired:
        c.print(f"  not compared (no MindSpore counterpart in the name map): {', '.join(comparison.unpaired[:5])}",
                style="dim")


def _print_training(c, tr) -> None:
    if tr.initial_weights is not None:
        _print_params(c, tr.initial_weights)
    for i, o in enumerate(tr.train_outputs):
        c.print(f"train-mode output {i}: allclose {'yes' if o.allclose else 'no'}  max abs error {o.max_abs:.3g}  "
                f"cosine {o.cosine:.6f}")
    if tr.gradients is not None:
        _print_params(c, tr.gradients)
        for i, g in enumerate(tr.input_gradients):
            c.print(f"input {i} gradient: allclose {'yes' if g.allclose else 'no'}  max abs error {g.max_abs:.3g}  "
                    f"cosine {g.cosine:.6f}")
    if tr.optimizer:
        c.print(f"optimizer {tr.optimizer}:")
        for s in tr.steps:
            c.print(f"  step {s.step}: loss PyTorch {s.torch_loss:.6g}  MindSpore {s.mindspore_loss:.6g}"
                    + ("" if s.ok else "  [red]differs[/red]"))
        if tr.final_weights is not None:
            _print_params(c, tr.final_weights)
    for n in tr.notes:
        c.print(f"note: {n}", style="dim")
