"""`msdev verify`: prove the MindSpore network computes what the PyTorch one did (needs msdev-migrate[verify])."""

from __future__ import annotations

import json
import sys

from .common import EXIT_FINDINGS, EXIT_OK, UserError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "verify", help="run the PyTorch and MindSpore networks on the same inputs and compare outputs",
        description="Build both networks, give MindSpore the PyTorch weights (converted checkpoint or an in-memory "
        "copy through the name map), feed the same seeded inputs in eval mode, and compare the outputs. When they "
        "differ, name the first layer whose outputs diverge. Exit 0: agree; 1: differ; 2: usage error.")
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
    p.add_argument("--rtol", type=float, default=1e-3, help="relative tolerance of allclose (default 1e-3)")
    p.add_argument("--atol", type=float, default=1e-4, help="absolute tolerance of allclose (default 1e-4)")
    p.add_argument("--min-cosine", type=float, default=0.9999,
                   help="outputs must also have at least this cosine similarity (default 0.9999)")
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
                        atol=args.atol, min_cosine=args.min_cosine, localise_always=args.localise)
    except (VerifyError, MapError) as exc:
        raise UserError(str(exc)) from None
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        _print(report)
    return EXIT_OK if report.agree else EXIT_FINDINGS


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
    sys.stdout.flush()
