"""MS200–MS232: statement-level rules, about how PyTorch calls are put together (training steps,
data pipelines, device placement, checkpoints, imperative gradients) and run-time hazards.
Detection lives in analysis/patterns.py (the gradient plans in analysis/gradients.py), the fixes
in rewrite/{patterns,training,data,runtime,gradients}.py; what they report and why is here."""

from __future__ import annotations

from .api_rules import MAPPING_INDEX
from .spec import RuleSpec

#: what triggers each rule
DETECTS = {
    "MS200": "A `loss.backward()` followed by `optimizer.step()` in the same loop or function body "
             "(with `zero_grad()` and gradient clipping around it), and `model.train()`/`model.eval()`. "
             "A `loss.backward()` whose optimizer steps elsewhere (every few batches under an `if`, after an "
             "inner loop, in a helper) keeps its gradients for that optimizer, added up as PyTorch adds them, "
             "until its `step()` applies them and its `zero_grad()` drops them.",
    "MS201": "A `torch.utils.data.DataLoader(...)` call.",
    "MS202": "A class deriving from `torch.utils.data.Dataset` or `IterableDataset`.",
    "MS203": "A `for` loop over a name bound to a DataLoader, and `len()` of such a name.",
    "MS204": "`torch.device(...)`, `torch.cuda.is_available()`, and `.to(device)`, `.cuda()`, `.cpu()` moves.",
    "MS205": "`with torch.no_grad():` (and `inference_mode`, `set_grad_enabled(False)`) blocks and decorators.",
    "MS206": "`torch.save(model.state_dict(), path)` and `model.load_state_dict(torch.load(path))`.",
    "MS207": "`model.parameters()` passed to a `torch.optim` optimizer.",
    "MS208": "The target argument of `CrossEntropyLoss`/`NLLLoss` instances and of `F.cross_entropy`/`F.nll_loss`.",
    "MS209": "A tensor (a loss, an output) in an f-string with a format spec: `f'{loss:.4f}'`.",
    "MS210": "A non-zero `weight_decay=` given to an optimizer whose MindSpore counterpart is in `mindspore.nn`.",
    "MS220": "An in-place method (`add_`, `zero_`, `clamp_`, …) called on a slice or a view (`x[0].add_(1)`).",
    "MS221": "An `out=` argument to a PyTorch function.",
    "MS222": "`register_forward_hook` and the other module and tensor hook registrations.",
    "MS223": "`torch.jit` decorators and calls (`script`, `trace`, `save`, `load`, …).",
    "MS224": "`torch.cuda.amp`/`torch.amp` autocast blocks, decorators and GradScaler.",
    "MS225": "`torch.distributed`, `DistributedDataParallel`/`DataParallel` and distributed samplers.",
    "MS226": "`.numpy()` on a tensor that takes part in a gradient (a loss, an output of the training step).",
    "MS227": "A tensor sliced with a step on an axis that may not be its last (`x[:, 0::2]`, `x[..., ::2, :]`).",
    "MS228": "A shift of a tensor (`x << 2`, `1 << t`, `x >>= s`), `|`, `&` or `^` with a number on the left and a "
             "tensor on the right (`8 | t`), `~` of a tensor that is not a comparison's result, `x[index] = value` "
             "with a tensor (not a comparison) as the whole index, and `*` or `/` between a complex tensor and "
             "another operand that may be a real tensor (`torch.fft.fft2(x) * filt`).",
    "MS229": "A layer assigned to an attribute of a child of a model (`model.heads.head = nn.Linear(...)`, "
             "`self.roi_heads.box_predictor = Predictor(...)` outside `__init__`).",
    "MS230": "`y.backward()` (also `y.sum().backward()`, `y.backward(gradient)`, `retain_graph=True`) with "
             "`x.grad` read afterwards in the same function, and the `x.grad` reads and resets "
             "(`x.grad.zero_()`, `x.grad = None`) that go with it; in a file where nothing computes gradients, "
             "`x.grad` reads (None, or what the code assigned to `x.grad`), and `x.grad` read after "
             "`optimizer.zero_grad()` with no backward() between (None: PyTorch 2 sets the gradients to None).",
    "MS231": "`torch.autograd.grad(outputs, inputs, grad_outputs=..., retain_graph=..., create_graph=...)`.",
    "MS232": "`x.requires_grad_()` and `x.requires_grad = True` as statements.",
}

#: (PyTorch before, MindSpore after) for each rule
EXAMPLES = {
    "MS200": ("optimizer.zero_grad()\nloss = loss_fn(model(x), y)\nloss.backward()\noptimizer.step()",
              "def forward_fn(x, y):\n    loss = loss_fn(model(x), y)\n    return loss\n"
              "grad_fn = mindspore.value_and_grad(forward_fn, None, optimizer.parameters)\n"
              "loss, grads = grad_fn(x, y)\noptimizer(grads)"),
    "MS201": ("loader = DataLoader(ds, batch_size=32, shuffle=True)",
              "loader = GeneratorDataset(ds, column_names=['x', 'y'], shuffle=True).batch(32)"),
    "MS202": ("class Pairs(Dataset):\n    ...", "class Pairs:\n    ..."),
    "MS203": ("for x, y in loader:\n    ...", "for x, y in loader.create_tuple_iterator():\n    ..."),
    "MS204": ("model = Net().to(device)", "model = Net()  # placed by mindspore.set_context(device_target=...)"),
    "MS205": ("with torch.no_grad():\n    out = model(x)", "out = model(x)"),
    "MS206": ("torch.save(model.state_dict(), 'm.pt')", "mindspore.save_checkpoint(model, 'm.ckpt')"),
    "MS207": ("opt = torch.optim.SGD(model.parameters(), lr=0.1)",
              "opt = nn.SGD(model.trainable_params(), learning_rate=0.1)"),
    "MS208": ("loss = criterion(logits, labels)", "loss = criterion(logits, labels.astype(mindspore.int32))"),
    "MS209": ("print(f'{loss:.4f}')", "print(f'{loss.item():.4f}')"),
    "MS210": ("opt = torch.optim.Adam(params, weight_decay=1e-4)",
              "opt = nn.Adam([{'params': params, 'weight_decay': 1e-4}])"),
    "MS220": ("x[0].add_(1)", "x[0] = x[0] + 1"),
    "MS221": ("torch.add(a, b, out=c)", "c = mindspore.ops.add(a, b)"),
    "MS222": ("h = model.register_forward_hook(fn)", "h = model.register_forward_hook(fn)  # PyNative mode only"),
    "MS223": ("@torch.jit.script\ndef f(x):\n    ...", "def f(x):\n    ..."),
    "MS224": ("with torch.cuda.amp.autocast():\n    out = model(x)", "out = model(x)"),
    "MS225": ("model = DistributedDataParallel(model)",
              "mindspore.communication.init()  # and set_auto_parallel_context(parallel_mode=...)"),
    "MS226": ("value = loss.numpy()", "value = loss.asnumpy()"),
    "MS227": ("x0 = x[:, 0::2, 0::2, :]",
              "x0 = stepped_slice(stepped_slice(x, 2, 1), 2, 2)  # stepped_slice gathers every 2nd position"),
    "MS228": ("bits = (codes << 4) | 1\nflipped = ~codes",
              "bits = shift(codes, 4, True) | 1  # ops.bitwise_left_shift, dtypes promoted as PyTorch does\n"
              "flipped = invert(codes)  # bitwise on integers, logical on bools"),
    "MS229": ("model.heads.head = nn.Linear(768, 10)",
              "model.heads.head = nn.Dense(768, 10); path_names(model)  # renames model's parameters after their paths"),
    "MS230": ("x = torch.ones(3, requires_grad=True)\ny = (x * x).sum()\ny.backward()\nprint(x.grad)",
              "x = mindspore.ops.ones(3)\ndef y_fn(x):\n    y = (x * x).sum()\n    return y\n"
              "x_grad = mindspore.grad(y_fn, 0)(x)\nprint(x_grad)"),
    "MS231": ("y = x ** 3\ng, = torch.autograd.grad(y.sum(), x)",
              "def forward_fn(x):\n    y = x ** 3\n    return (y.sum())\n"
              "forward_grads = mindspore.grad(forward_fn, 0)(x)\ng, = (forward_grads,)"),
    "MS232": ("x.requires_grad_()", "# removed: mindspore.grad differentiates the function's inputs"),
}

#: what msdev's fix does, or what a person must do
FIXES = {
    "MS200": "The step becomes `forward_fn` + `mindspore.value_and_grad` + `optimizer(grads)`; a step with "
             "other statements between backward and step, or `backward(...)` with arguments, is left to a person.",
    "MS201": "Rewritten to GeneratorDataset + batch when the dataset's columns are known; a sampler or "
             "batch sampler is handed to GeneratorDataset; collate_fn and worker options are reported, not "
             "converted.",
    "MS202": "The base class is dropped.",
    "MS203": "The loop iterates `create_tuple_iterator()`; `len()` becomes `get_dataset_size()`.",
    "MS204": "Device moves are removed, `torch.device` becomes the target name and "
             "`torch.cuda.is_available()` a context comparison; moves with other arguments stay.",
    "MS205": "The `with` line is removed and its body dedented, or the decorator dropped; "
             "`set_grad_enabled(<expression>)` stays for a person.",
    "MS206": "Rewritten to save_checkpoint / load_param_into_net(load_checkpoint(...)) for the plain forms.",
    "MS207": "`parameters()` becomes `trainable_params()`.",
    "MS208": "The target gets `.astype(mindspore.int32)`.",
    "MS209": "The formatted value gets `.item()`.",
    "MS210": "No automatic fix: pass parameter groups with their own `weight_decay` to keep PyTorch's behaviour.",
    "MS220": "Written as an indexed assignment where the receiver is a plain subscript; views are left to a person.",
    "MS221": "No automatic fix: assign the result, and check code that relied on the shared buffer.",
    "MS222": "No automatic fix: keep the hook in PyNative mode or move its work into `construct`.",
    "MS223": "`script`/`ignore`/`unused`/`export`/`interface` decorators are dropped; `trace`/`freeze` give the "
             "function or module back; `save`/`load` need `mindspore.export`/`load` by hand.",
    "MS224": "autocast blocks and decorators are removed (float32); GradScaler needs mindspore.amp by hand.",
    "MS225": "No automatic fix: rewrite with mindspore.communication.",
    "MS226": "`.numpy()` becomes `.asnumpy()`.",
    "MS227": "Each step becomes a gather of every step-th position along its axis (a small function written "
             "into the converted file); the rest of the index stays a plain slice. Indices holding names or "
             "expressions (which may be tensor indices) are left as they are.",
    "MS228": "Shifts become `ops.bitwise_left_shift`/`ops.bitwise_right_shift` (an augmented shift assigns the "
             "result back); the operands of a reflected `|`, `&`, `^` swap; `~` becomes a small function written "
             "into the converted file that complements integers and negates bools; `x[index] = value` becomes `setitem(x, "
             "index, value)`, which skips the write when the index is an empty integer tensor; a complex product or "
             "quotient becomes `complex_arithmetic(a, b, divide)`, which casts a real tensor operand to the complex "
             "one's dtype before the operator.",
    "MS229": "The assignment is followed (on the same line) by `path_names(root)`, a small function written into the "
             "converted file that names every parameter of the root Cell after its path (`update_parameters_name`). "
             "In a class's `__init__` one such call at its end covers them all.",
    "MS230": "The statements from the leaves to the loss become a local function; `mindspore.grad` gives the "
             "gradients, bound to `x_grad` variables that replace the `x.grad` reads (added up when PyTorch "
             "would accumulate). Left to a person, with the reason: `backward(inputs=...)`, `create_graph=True`, "
             "control flow leaving the computation, a leaf reassigned in it, no `.grad` read afterwards.",
    "MS231": "The computation of `outputs` becomes a local function and the call the tuple `mindspore.grad` "
             "returns; `grad_outputs` weights the outputs. A gradient taken with `create_graph=True` that a later "
             "gradient (or backward()) depends on is taken again inside that gradient's function (nested "
             "`mindspore.grad`). Several outputs and `is_grads_batched` are left to a person.",
    "MS232": "The statement is removed (`pass` when it is alone in its block).",
}

STATEMENT_RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        code='MS200', name='training-step', label='training step',
        summary='zero_grad/backward/step loop: MindSpore takes gradients with value_and_grad.',
        detects=DETECTS['MS200'],
        why='PyTorch accumulates gradients on tensors (`zero_grad`, `loss.backward()`, `optimizer.step()`). MindSpore computes them functionally: the forward part becomes `forward_fn`, `mindspore.value_and_grad(forward_fn, None, optimizer.parameters, has_aux=...)` gives the loss (and what the loop reads afterwards) with the gradients, and `optimizer(grads)` applies them. `clip_grad_norm_` becomes `ops.clip_by_global_norm` on the gradients; `model.train()`/`model.eval()` become `model.set_train(True/False)`.',
        before=EXAMPLES['MS200'][0], after=EXAMPLES['MS200'][1],
        status='arg-diff', severity='information', fix='some uses',
        fix_detail=FIXES['MS200'],
        official='https://www.mindspore.cn/docs/en/master/api_python/mindspore/mindspore.value_and_grad.html', statement_level=True),
    RuleSpec(
        code='MS201', name='dataloader', label='DataLoader',
        summary='DataLoader becomes a mindspore.dataset.GeneratorDataset with .batch().',
        detects=DETECTS['MS201'],
        why='`DataLoader` becomes `mindspore.dataset.GeneratorDataset(dataset, column_names, shuffle=...)` followed by `.batch(batch_size, drop_remainder=drop_last)`. `num_workers` maps to `num_parallel_workers`. Samplers, `collate_fn`, `pin_memory` and worker options have no direct counterpart and are reported.',
        before=EXAMPLES['MS201'][0], after=EXAMPLES['MS201'][1],
        status='arg-diff', severity='information', fix='some uses',
        fix_detail=FIXES['MS201'],
        official='https://www.mindspore.cn/docs/en/master/api_python/dataset/mindspore.dataset.GeneratorDataset.html', statement_level=True),
    RuleSpec(
        code='MS202', name='dataset-class', label='Dataset class',
        summary='A map-style Dataset class needs no base class in MindSpore.',
        detects=DETECTS['MS202'],
        why='A map-style dataset (`__getitem__` + `__len__`) is used by GeneratorDataset as it is: the `torch.utils.data.Dataset` base class is dropped.',
        before=EXAMPLES['MS202'][0], after=EXAMPLES['MS202'][1],
        status='arg-diff', severity='information', fix='always',
        fix_detail=FIXES['MS202'],
        official='https://www.mindspore.cn/docs/en/master/api_python/dataset/mindspore.dataset.GeneratorDataset.html', statement_level=True),
    RuleSpec(
        code='MS203', name='dataset-iteration', label='dataset iteration',
        summary='Iterate a MindSpore dataset with create_tuple_iterator().',
        detects=DETECTS['MS203'],
        why='A MindSpore dataset is iterated with `create_tuple_iterator()` (tensors per column), and its length is `get_dataset_size()`.',
        before=EXAMPLES['MS203'][0], after=EXAMPLES['MS203'][1],
        status='arg-diff', severity='information', fix='always',
        fix_detail=FIXES['MS203'],
        official='https://www.mindspore.cn/docs/en/master/api_python/dataset/mindspore.dataset.GeneratorDataset.html', statement_level=True),
    RuleSpec(
        code='MS204', name='device-placement', label='device placement',
        summary='MindSpore places tensors by context, not with .to(device)/.cuda().',
        detects=DETECTS['MS204'],
        why="MindSpore places every tensor on the device chosen once by `mindspore.set_context(device_target='CPU'|'GPU'|'Ascend')`: `.to(device)`, `.cuda()` and `.cpu()` are removed, `torch.device(...)` becomes the target name, `torch.cuda.is_available()` compares `mindspore.get_context('device_target')` with 'GPU'.",
        before=EXAMPLES['MS204'][0], after=EXAMPLES['MS204'][1],
        status='arg-diff', severity='information', fix='some uses',
        fix_detail=FIXES['MS204'],
        official='https://www.mindspore.cn/docs/en/master/api_python/mindspore/mindspore.set_context.html', statement_level=True),
    RuleSpec(
        code='MS205', name='no-grad', label='no_grad',
        summary='MindSpore computes no gradients outside value_and_grad: no_grad goes.',
        detects=DETECTS['MS205'],
        why='MindSpore computes gradients only inside `value_and_grad`/`grad`, so evaluation code needs no `torch.no_grad()`: the `with` line is removed (its body dedented) and the decorator dropped.',
        before=EXAMPLES['MS205'][0], after=EXAMPLES['MS205'][1],
        status='arg-diff', severity='information', fix='some uses',
        fix_detail=FIXES['MS205'],
        official='https://www.mindspore.cn/docs/en/master/api_python/mindspore/mindspore.value_and_grad.html', statement_level=True),
    RuleSpec(
        code='MS206', name='checkpoint', label='checkpoint',
        summary='state_dict save/load becomes save_checkpoint/load_checkpoint.',
        detects=DETECTS['MS206'],
        why='`torch.save(model.state_dict(), path)` becomes `mindspore.save_checkpoint(model, path)`; `model.load_state_dict(torch.load(path))` becomes `mindspore.load_param_into_net(model, mindspore.load_checkpoint(path))`. Convert existing PyTorch weight files with `msdev weights convert`.',
        before=EXAMPLES['MS206'][0], after=EXAMPLES['MS206'][1],
        status='arg-diff', severity='information', fix='some uses',
        fix_detail=FIXES['MS206'],
        official='https://www.mindspore.cn/docs/en/master/api_python/mindspore/mindspore.save_checkpoint.html', statement_level=True),
    RuleSpec(
        code='MS207', name='trainable-params', label='trainable params',
        summary='model.parameters() for an optimizer becomes trainable_params().',
        detects=DETECTS['MS207'],
        why='An optimizer takes `model.trainable_params()` in MindSpore (`parameters()` has no counterpart on a Cell).',
        before=EXAMPLES['MS207'][0], after=EXAMPLES['MS207'][1],
        status='renamed', severity='hint', fix='always',
        fix_detail=FIXES['MS207'],
        official='https://www.mindspore.cn/docs/en/master/api_python/nn/mindspore.nn.Cell.html', statement_level=True),
    RuleSpec(
        code='MS208', name='label-dtype', label='label dtype',
        summary="MindSpore's CrossEntropyLoss/NLLLoss want int32 class indices on CPU.",
        detects=DETECTS['MS208'],
        why="On CPU, MindSpore's `CrossEntropyLoss`/`NLLLoss` accept only int32 class indices; PyTorch uses int64. An integer target is cast with `.astype(mindspore.int32)`; a float target (class probabilities) is left as it is.",
        before=EXAMPLES['MS208'][0], after=EXAMPLES['MS208'][1],
        status='default-diff', severity='information', fix='always',
        fix_detail=FIXES['MS208'],
        official='https://www.mindspore.cn/docs/en/master/api_python/nn/mindspore.nn.CrossEntropyLoss.html', statement_level=True),
    RuleSpec(
        code='MS209', name='tensor-format', label='tensor format',
        summary='A MindSpore Tensor cannot be formatted with a format spec: use .item().',
        detects=DETECTS['MS209'],
        why="`f'{t:.4f}'` works on a PyTorch scalar tensor but raises TypeError on a MindSpore Tensor: format `t.item()` instead.",
        before=EXAMPLES['MS209'][0], after=EXAMPLES['MS209'][1],
        status='arg-diff', severity='information', fix='always',
        fix_detail=FIXES['MS209'],
        official='https://www.mindspore.cn/docs/en/master/api_python/mindspore/Tensor/mindspore.Tensor.item.html', statement_level=True),
    RuleSpec(
        code='MS210', name='weight-decay', label='weight decay',
        summary="MindSpore's nn optimizers skip BatchNorm gamma/beta in weight decay.",
        detects=DETECTS['MS210'],
        why="PyTorch decays every parameter given to the optimizer; MindSpore's `mindspore.nn` optimizers skip parameters named gamma/beta (BatchNorm, LayerNorm) unless given as a parameter group with its own `weight_decay`.",
        before=EXAMPLES['MS210'][0], after=EXAMPLES['MS210'][1],
        status='default-diff', severity='information', fix='never',
        fix_detail=FIXES['MS210'],
        official='https://www.mindspore.cn/docs/en/master/api_python/nn/mindspore.nn.Optimizer.html', statement_level=True),
    RuleSpec(
        code='MS220', name='inplace-on-view', label='in-place on view',
        summary='In-place method on a slice or view: MindSpore may update a copy.',
        detects=DETECTS['MS220'],
        why='An in-place method on a slice or view may update a copy in MindSpore and leave the original tensor unchanged. Write it as an indexed assignment (`x[i] = x[i] + y`).',
        before=EXAMPLES['MS220'][0], after=EXAMPLES['MS220'][1],
        status='partial', severity='warning', fix='some uses',
        fix_detail=FIXES['MS220'],
        official='https://www.mindspore.cn/docs/en/master/api_python/mindspore/mindspore.Tensor.html', statement_level=True),
    RuleSpec(
        code='MS221', name='out-argument', label='out= argument',
        summary='out= arguments have no MindSpore counterpart.',
        detects=DETECTS['MS221'],
        why='`out=` has no counterpart in MindSpore: assign the result instead (`y = op(a, b)`), and check code that relied on the shared buffer.',
        before=EXAMPLES['MS221'][0], after=EXAMPLES['MS221'][1],
        status='manual', severity='warning', fix='never',
        fix_detail=FIXES['MS221'],
        official=MAPPING_INDEX, statement_level=True),
    RuleSpec(
        code='MS222', name='module-hook', label='module hook',
        summary='Hooks run in PyNative mode only and are skipped under graph compilation.',
        detects=DETECTS['MS222'],
        why='Cell hooks run only in PyNative mode and are skipped inside `mindspore.jit`/graph mode; `register_full_backward_hook` is `register_backward_hook` in MindSpore.',
        before=EXAMPLES['MS222'][0], after=EXAMPLES['MS222'][1],
        status='partial', severity='warning', fix='never',
        fix_detail=FIXES['MS222'],
        official='https://www.mindspore.cn/docs/en/master/api_python/nn/mindspore.nn.Cell.html', statement_level=True),
    RuleSpec(
        code='MS223', name='torch-jit', label='TorchScript',
        summary='TorchScript has no counterpart: MindSpore compiles with mindspore.jit.',
        detects=DETECTS['MS223'],
        why='TorchScript has no counterpart: eager code runs as it is, `mindspore.jit` compiles a function or Cell. `@torch.jit.script`/`ignore`/`unused`/`export`/`interface` decorators are dropped, `trace`/`freeze` give the function or module back (it runs eagerly); `save`/`load` need `mindspore.export`/`load` by hand.',
        before=EXAMPLES['MS223'][0], after=EXAMPLES['MS223'][1],
        status='unsupported', severity='warning', fix='some uses',
        fix_detail=FIXES['MS223'],
        official='https://www.mindspore.cn/docs/en/master/api_python/mindspore/mindspore.jit.html', statement_level=True),
    RuleSpec(
        code='MS224', name='amp', label='mixed precision',
        summary='torch.cuda.amp: MindSpore uses mindspore.amp (auto_mixed_precision, loss scaling).',
        detects=DETECTS['MS224'],
        why="Automatic mixed precision: `autocast` blocks become plain float32 code (their `with` line is removed); for mixed precision use `mindspore.amp.auto_mixed_precision(net, 'O1')` and `mindspore.amp.DynamicLossScaler` instead of `GradScaler`.",
        before=EXAMPLES['MS224'][0], after=EXAMPLES['MS224'][1],
        status='manual', severity='warning', fix='some uses',
        fix_detail=FIXES['MS224'],
        official='https://www.mindspore.cn/docs/en/master/api_python/mindspore/mindspore.amp.auto_mixed_precision.html', statement_level=True),
    RuleSpec(
        code='MS225', name='distributed', label='distributed',
        summary='DDP/torch.distributed: MindSpore uses mindspore.communication.',
        detects=DETECTS['MS225'],
        why="Distributed training uses `mindspore.communication.init()` and `mindspore.set_auto_parallel_context(parallel_mode=...)`; DDP wrappers go, gradients are reduced by the optimizer's mean reducer. Rewrite by hand.",
        before=EXAMPLES['MS225'][0], after=EXAMPLES['MS225'][1],
        status='manual', severity='warning', fix='never',
        fix_detail=FIXES['MS225'],
        official='https://www.mindspore.cn/docs/en/master/api_python/mindspore/mindspore.communication.init.html', statement_level=True),
    RuleSpec(
        code='MS226', name='numpy-requires-grad', label='numpy on grad tensor',
        summary='.numpy() on a tensor that requires grad: use .asnumpy().',
        detects=DETECTS['MS226'],
        why='`.numpy()` on a tensor that takes part in a gradient fails in PyTorch without `.detach()`; in MindSpore `.asnumpy()` copies any tensor to the host.',
        before=EXAMPLES['MS226'][0], after=EXAMPLES['MS226'][1],
        status='renamed', severity='hint', fix='always',
        fix_detail=FIXES['MS226'],
        official='https://www.mindspore.cn/docs/en/master/api_python/mindspore/Tensor/mindspore.Tensor.asnumpy.html', statement_level=True),
    RuleSpec(
        code='MS227', name='stepped-slice', label='stepped slice',
        summary='x[:, ::2] on a tensor: MindSpore 2.10 cannot differentiate it on CPU; gathered instead.',
        detects=DETECTS['MS227'],
        why='The forward value of a stepped slice is right in MindSpore, but on CPU the gradient kernel of a slice with a step (`StridedSliceGrad`) fails with "input memory out of bounds" on any axis but the last, so a converted Swin or YOLO model cannot be trained. Gathering every step-th position gives the same values, dtype and shape, and its gradient works on every backend.',
        before=EXAMPLES['MS227'][0], after=EXAMPLES['MS227'][1],
        status='arg-diff', severity='hint', fix='always',
        fix_detail=FIXES['MS227'],
        official='https://www.mindspore.cn/docs/en/master/api_python/ops/mindspore.ops.gather.html', statement_level=True),
    RuleSpec(
        code='MS228', name='tensor-operator', label='tensor operator',
        summary='<<, >>, 8 | t, ~ and x[empty index] = v on tensors: missing, different or failing in MindSpore 2.10.',
        detects=DETECTS['MS228'],
        why="MindSpore's Tensor has no `<<`/`>>` operators and no reflected bitwise operators, so such lines stop with a TypeError; its `~` negates any tensor as if it were bool, so `~x` of an int64 tensor silently gives bools where PyTorch gives `-x - 1`; and an indexed write whose index is an empty integer tensor (torchvision's RoI pooler when a level gets no box) raises 'select with an empty condition list' where PyTorch writes nothing. The functions `ops.bitwise_left_shift`, `ops.bitwise_right_shift` and `ops.invert` compute PyTorch's values; the write is skipped when there is nothing to write.",
        before=EXAMPLES['MS228'][0], after=EXAMPLES['MS228'][1],
        status='arg-diff', severity='warning', fix='always',
        fix_detail=FIXES['MS228'],
        official='https://www.mindspore.cn/docs/en/master/api_python/ops/mindspore.ops.bitwise_left_shift.html', statement_level=True),
    RuleSpec(
        code='MS229', name='layer-through-child', label='layer set on a child',
        summary='model.heads.head = layer: MindSpore names its parameters head.*, not heads.head.*; renamed.',
        detects=DETECTS['MS229'],
        why="A MindSpore cell names the parameters of a cell assigned to it after that attribute alone, at assignment time. A layer set on a child of a model (fine-tuning code replacing a head) gets `head.weight` where PyTorch and a checkpoint converted from it say `heads.head.weight`; `load_param_into_net` then leaves the new head unloaded without an error, and `save_checkpoint` writes the short name.",
        before=EXAMPLES['MS229'][0], after=EXAMPLES['MS229'][1],
        status='arg-diff', severity='information', fix='always',
        fix_detail=FIXES['MS229'],
        official='https://www.mindspore.cn/docs/en/master/api_python/nn/mindspore.nn.Cell.html', statement_level=True),
    RuleSpec(
        code='MS230', name='backward-grad', label='backward and .grad',
        summary='backward() then x.grad: MindSpore differentiates a function with mindspore.grad.',
        detects=DETECTS['MS230'],
        why='MindSpore tensors record no graph and store no `.grad`. The computation from the leaves to the loss becomes a local function taking the leaves as arguments; `mindspore.grad(fn, grad_position, weights=...)` returns their gradients, bound to `x_grad` variables that the `x.grad` reads become. Values the rest of the code reads come back as aux outputs; `.detach()` becomes `ops.stop_gradient`, results of a `no_grad` block inside the computation are wrapped in it; `retain_graph` needs nothing (the function runs again for a second gradient); `x.grad.zero_()`/`x.grad = None` act on the variable; a second backward adds to it as PyTorch accumulates.',
        before=EXAMPLES['MS230'][0], after=EXAMPLES['MS230'][1],
        status='arg-diff', severity='information', fix='some uses',
        fix_detail=FIXES['MS230'],
        official='https://www.mindspore.cn/docs/en/master/api_python/mindspore/mindspore.grad.html', statement_level=True),
    RuleSpec(
        code='MS231', name='autograd-grad', label='autograd.grad',
        summary='torch.autograd.grad: mindspore.grad of the function computing the outputs.',
        detects=DETECTS['MS231'],
        why='`torch.autograd.grad(outputs, inputs)` differentiates recorded operations; MindSpore differentiates a function: the statements computing `outputs` from `inputs` become one, and `mindspore.grad(fn, grad_position)` (or `weights=` for parameters) gives the same tuple. `grad_outputs=v` is the gradient of `(outputs * v).sum()`; `retain_graph` and `create_graph` need no counterpart.',
        before=EXAMPLES['MS231'][0], after=EXAMPLES['MS231'][1],
        status='arg-diff', severity='information', fix='some uses',
        fix_detail=FIXES['MS231'],
        official='https://www.mindspore.cn/docs/en/master/api_python/mindspore/mindspore.grad.html', statement_level=True),
    RuleSpec(
        code='MS232', name='requires-grad', label='requires_grad',
        summary='requires_grad on a leaf: MindSpore differentiates function inputs, no flag needed.',
        detects=DETECTS['MS232'],
        why='A MindSpore tensor carries no requires_grad flag for `mindspore.grad`: the tensors a gradient is taken for are the differentiated function\'s inputs (MS230/MS231 make them so). The statement setting the flag is removed.',
        before=EXAMPLES['MS232'][0], after=EXAMPLES['MS232'][1],
        status='renamed', severity='hint', fix='always',
        fix_detail=FIXES['MS232'],
        official='https://www.mindspore.cn/docs/en/master/api_python/mindspore/mindspore.grad.html', statement_level=True),)
