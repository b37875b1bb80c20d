"""MS100–MS107: one rule per mapping status, for single PyTorch API uses found by the finder."""

from __future__ import annotations

from .spec import RuleSpec

MAPPING_INDEX = "https://www.mindspore.cn/docs/en/master/note/api_mapping/pytorch_api_mapping.html"

API_RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        code="MS100", name="identical-api", label="identical",
        summary="Same API in MindSpore; only the namespace changes.",
        detects="A PyTorch function, class or method whose MindSpore counterpart takes the same arguments "
                "with the same meaning.",
        why="Only the import path differs; the call computes the same values once it names the MindSpore API.",
        before="y = torch.abs(x)", after="y = mindspore.ops.abs(x)",
        status="identical", severity="hint", fix="always",
        fix_detail="`msdev convert` and the quick fix rename the callee and add the MindSpore import.",
        official=MAPPING_INDEX),
    RuleSpec(
        code="MS101", name="renamed-api", label="renamed",
        summary="MindSpore has the same API under another name.",
        detects="A PyTorch API whose MindSpore counterpart has a different name but the same arguments.",
        why="The PyTorch name does not exist in MindSpore; calling it raises AttributeError.",
        before="fc = nn.Linear(4, 3)", after="fc = nn.Dense(4, 3)",
        status="renamed", severity="hint", fix="always",
        fix_detail="The callee is renamed; the arguments stay as written.",
        official=MAPPING_INDEX),
    RuleSpec(
        code="MS102", name="default-differs", label="default differs",
        summary="A default value differs in MindSpore.",
        detects="A call that leaves out an argument whose default is not the same in MindSpore.",
        why="The call runs on MindSpore but computes something else, silently: the omitted argument takes "
            "MindSpore's default.",
        before="bn = nn.BatchNorm2d(16)", after="bn = nn.BatchNorm2d(16, momentum=0.9)",
        status="default-diff", severity="information", fix="always",
        fix_detail="The PyTorch default is written out explicitly (converted where the meaning differs, "
                   "as momentum does).",
        official=MAPPING_INDEX),
    RuleSpec(
        code="MS103", name="arguments-differ", label="arguments differ",
        summary="Arguments are renamed, reordered, dropped or transformed.",
        detects="A call whose arguments must change to keep its meaning in MindSpore.",
        why="Passing PyTorch's arguments unchanged fails with a TypeError or, worse, binds a value to "
            "another parameter.",
        before="conv = nn.Conv2d(3, 16, 3, padding=1)",
        after="conv = nn.Conv2d(3, 16, 3, pad_mode='pad', padding=1, has_bias=True)",
        status="arg-diff", severity="information", fix="some uses",
        fix_detail="The arguments are mapped one by one. Some values MindSpore's call has no counterpart for take "
                   "a written-out form instead (say `padding_mode='reflect'`: msdev's convolution pads the input "
                   "itself); a use no form takes is left unconverted with the reason.",
        official=MAPPING_INDEX),
    RuleSpec(
        code="MS104", name="partially-supported", label="partial",
        summary="Only some argument values have a MindSpore counterpart.",
        detects="An API MindSpore supports for some argument values or input types only.",
        why="Uses with the other values fail at run time or compute something different.",
        before="y = torch.nn.functional.interpolate(x, scale_factor=2, mode='bicubic')",
        after="y = mindspore.ops.interpolate(x, scale_factor=2, mode='bicubic')  # check the mode is supported",
        status="partial", severity="warning", fix="some uses",
        fix_detail="Uses within the supported values are rewritten and flagged for review (the fix is not "
                   "marked safe); the others need a person.",
        official=MAPPING_INDEX),
    RuleSpec(
        code="MS105", name="manual-migration", label="manual",
        summary="A counterpart exists but the use must be rewritten by hand.",
        detects="An API whose MindSpore counterpart works differently enough that no mechanical rewrite "
                "keeps its meaning.",
        why="A rename would run but compute something else; the difference note says how to rewrite it.",
        before="torch.backends.cudnn.benchmark = True", after="# set by mindspore.set_context(...) instead",
        status="manual", severity="warning", fix="never",
        fix_detail="No automatic fix: `msdev convert` marks the statement with `# msdev: [UnConvert]` and "
                   "the reason.",
        official=MAPPING_INDEX),
    RuleSpec(
        code="MS106", name="unsupported-api", label="unsupported",
        summary="MindSpore has no counterpart for this API.",
        detects="A PyTorch API MindSpore 2.10 has no counterpart for.",
        why="The converted program cannot run this line on MindSpore: it has to be removed or "
            "re-implemented with other operations.",
        before="torch.cuda.synchronize()", after="# remove, or rebuild from other MindSpore operations",
        status="unsupported", severity="error", fix="never",
        fix_detail="No automatic fix; the finding explains what is missing.",
        official=MAPPING_INDEX),
    RuleSpec(
        code="MS107", name="unknown-api", label="not in database",
        summary="A PyTorch API the mapping database has no entry for.",
        detects="A use the finder resolved to a PyTorch name that msdev's mapping database does not list.",
        why="msdev cannot say what it becomes; it may or may not exist in MindSpore.",
        before="torch._foreach_add_(params, 1.0)", after="# look it up; add a mapping to msdev_mappings.yaml",
        status="unknown", severity="warning", fix="never",
        fix_detail="No automatic fix; a project mapping in `msdev_mappings.yaml` teaches msdev the API.",
        official=MAPPING_INDEX),
)
