"""Shared constructs (out=, factory keywords, Tensor.type, annotations, training mode, named tuples, ...):
each golden fixture's converted functions run on MindSpore 2.10 with PyTorch blocked from import
(in a separate process) and return what the PyTorch original returns."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("mindspore")
pytestmark = pytest.mark.frameworks

from tests.convert.both_frameworks import mindspore_results, mismatches, torch_results  # noqa: E402

_rng = np.random.default_rng(0)
A = _rng.standard_normal((2, 3)).astype(np.float32)
B = _rng.standard_normal((2, 3)).astype(np.float32)
X4 = _rng.standard_normal((4, 3)).astype(np.float32)  # a batch for batch statistics
IMG = _rng.standard_normal((2, 3, 4, 4)).astype(np.float32)

#: fixture → [(function, inputs)]; numpy arrays become tensors of either framework
CASES = {
    "autograd_class_methods": [
        ("clamped", [A]),
        ("clamped_grad", [A]),
        ("losses", [A, np.abs(B) / 3]),
        ("loss_grad", [A, np.abs(B) / 3]),
    ],
    "autograd_defining_module": [
        ("halves_mean", [A]),
    ],
    "getattr_function_by_name": [
        ("windowed", [_rng.standard_normal((3, 7)).astype(np.float32)]),
        ("spectral", [_rng.standard_normal((2, 3, 8)).astype(np.float32)]),
    ],
    "independent_subclass": [
        ("densities", [_rng.standard_normal((5, 4)).astype(np.float32)]),
    ],
    "clip_read_grads": [
        ("clipped_norm", [X4]),
        ("clipped_value", [X4]),
    ],
    "unbatched_layers": [
        ("convolutions", [IMG]),
        ("recurrent", [_rng.standard_normal((5, 3)).astype(np.float32)]),
    ],
    "conv_padding_modes": [
        ("stem", [_rng.standard_normal((2, 2, 6, 5)).astype(np.float32)]),
        ("unbatched", [_rng.standard_normal((2, 2, 6, 5)).astype(np.float32)]),
        ("sequence", [_rng.standard_normal((2, 2, 6, 5)).astype(np.float32)]),
        ("volume", [_rng.standard_normal((2, 2, 6, 5)).astype(np.float32)]),
    ],
    "sequential_training_mode": [
        ("flags", [X4[:, :3]]),
        ("frozen_buffers", [X4[:, :3]]),
    ],
    "forward_by_name": [
        ("flags", [A]),
        ("device_kinds", [A, B]),
    ],
    "torch_star_imports": [
        ("blocked", [IMG]),
        ("spread", [A]),
    ],
    "builtin_dtypes": [
        ("typed", [A]),
    ],
    "buffer_alias": [
        ("blocked", [_rng.standard_normal((3, 4)).astype(np.float32)]),
        ("cached", [_rng.standard_normal((3, 4)).astype(np.float32)]),
    ],
    "mask_index_tail": [
        ("masked_rows", [_rng.standard_normal((5, 2, 8)).astype(np.float32),
                         _rng.standard_normal((5, 2)).astype(np.float32)]),
    ],
    "reduction_dim_lists": [
        ("spread", [IMG]),
        ("norms", [IMG[0]]),
    ],
    "overridden_reset_parameters": [
        ("projected", [A]),
    ],
    "try_submodule_import": [
        ("spectrum", [X4]),
        ("roundtrip", [X4]),
    ],
    "numpy_index": [
        ("symmetric_pad", [IMG, 2]),
        ("wrap_pad", [IMG, 1, 2]),
        ("halves", [X4.T.copy()]),
        ("reflect_padded", [IMG]),
        ("lower_triangular", [X4]),
        ("first_of_each", [X4, np.array([2, 0, 2, 1], np.int64)]),
    ],
    "sequential_element_layers": [
        ("block", [IMG]),
    ],
    "pytorch_keyword_names": [
        ("solved", [_rng.standard_normal((3, 3)).astype(np.float32), _rng.standard_normal((3, 2)).astype(np.float32)]),
        ("looked_up", [_rng.standard_normal((3, 3)).astype(np.float32)]),
    ],
    "call_forms_sampled": [
        ("unreduced_ranking", [_rng.standard_normal(3).astype(np.float32), _rng.standard_normal(3).astype(np.float32)]),
        ("summed_to", [_rng.standard_normal((2, 3, 4)).astype(np.float32)]),
        ("statistics", []),
        ("own_statistics", []),
        ("cells_without_state", [_rng.standard_normal((2, 3)).astype(np.float32)]),
        ("unbatched_instance_norms", [_rng.standard_normal((3, 6)).astype(np.float32)]),
        ("inline_losses", [_rng.standard_normal((3, 4)).astype(np.float32)]),
        ("unbatched_pools", [_rng.standard_normal((2, 4, 6)).astype(np.float32)]),
        ("rounded_in_place", [_rng.standard_normal((2, 3)).astype(np.float32)]),
        ("shapes_pytorch_accepts", [_rng.standard_normal((2, 6, 4)).astype(np.float32)]),
        ("lazy_parameters", [_rng.standard_normal((4, 5)).astype(np.float32)]),
    ],
    "special_polynomial_degrees": [
        ("polynomials", [_rng.uniform(-0.9, 0.9, (2, 3)).astype(np.float32)]),
    ],
    "module_list_appended_none": [
        ("skipped", [A]),
        ("factory_none", [A]),
    ],
    "torch_functional_alias": [
        ("head", [A, B.T.copy()[:3, :2].T.copy()]),
        ("spread", [A, B[:1]]),
    ],
    "optimizer_type_test": [
        ("kinds", [A]),
    ],
    "conv1d_kernel_layout": [
        ("filtered", [_rng.standard_normal((2, 1, 12)).astype(np.float32)]),
    ],
    "conv1d_own_weight": [
        ("causal", [_rng.standard_normal((2, 3, 11)).astype(np.float32)]),
    ],
    "tensor_like_classes": [
        ("filled", [X4]),
        ("product", [_rng.standard_normal((4, 2, 2)).astype(np.float32)]),
        ("width", [X4]),
    ],
    "untyped_value_flow": [
        ("divided", [A, B + 3.0]),
        ("dot_after_update", [A, B]),
        ("spread", [A]),
        ("joined_both", [A, B]),
    ],
    "parameter_data_writes": [
        ("averaged", [A]),
    ],
    "import_fallback_binding": [
        ("normed", [_rng.standard_normal((1, 2, 5)).astype(np.float32)]),
    ],
    "sdpa_backends_read": [("chosen", [A]), ("prioritised", [A])],
    "view_inplace": [
        ("transposed", [A]),
        ("permuted", [np.abs(IMG[0])]),
        ("rebound", [A]),
        ("indexed", [X4]),
        ("loop_rows", [X4]),
        ("enumerated_rows", [X4]),
        ("indexed_rows", [A]),
        ("chained_views", [A]),
    ],
    "sparse_layouts": [("layouts", [A])],
    "layout_types": [("kinds", [])],
    "distributed_sampler": [
        ("shares", [np.arange(10, dtype=np.float32)]),
        ("loaded", [np.arange(7, dtype=np.float32)]),
    ],
    "matrix_distributions": [
        ("wishart", [np.array([[3.0, 0.2], [0.2, 1.5]], np.float32), np.array([[2.0, 0.5], [0.5, 1.0]], np.float32)]),
        ("lkj", [np.array([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [0.0, 0.6, 0.8]], np.float32)]),
        ("checks", [np.array([[[2.0, 0.5], [0.5, 1.0]], [[1.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [0.6, 0.8]]], np.float32)]),
    ],
    "gradient_checks": [
        ("checks", [np.array([0.5, 1.5, -0.3])]),
        ("two_inputs", [np.array([[0.5, 1.0], [0.2, -0.4]]), np.array([[1.5, 0.3], [0.7, 0.9]])]),
        ("wrong", [np.array([0.5, -1.0])]),
    ],
    "corr_cholesky_transform": [
        ("factor", [_rng.standard_normal((2, 6)).astype(np.float32)]),
        ("factor", [_rng.standard_normal(3)]),
        ("shapes", []),
    ],
    "profiler_blocks": [
        ("profiled", [A]),
        ("scheduled", [A]),
        ("exported", [A]),
        ("handled", [A]),
        ("doubled", [A]),
    ],
    "inplace_function_forms": [
        ("put_by_keyword", [np.ones((5, 3), np.float32)]),
        ("resized", [np.arange(6, dtype=np.float32)]),
        ("cached_block", [A]),
    ],
    "tensor_operators": [
        ("shifts", [np.array([1, -8, 5, 0], dtype=np.int64)]),
        ("shifts", [np.array([1, -8, 5, 0], dtype=np.int32)]),
        ("inverted", [np.array([1, -8, 5, 0], dtype=np.int64)]),
        ("inverted", [np.array([1, -8, 5, 0], dtype=np.int16)]),
        ("reflected_bitwise", [np.array([1, -8, 5, 0], dtype=np.int64)]),
        ("top_candidates", [np.array([0.5, 0.1, 0.9], dtype=np.float32), 2]),
        ("window_masks", [4, 7, 3]),
        ("window_masks", [2, 5, 1]),
        ("graph_masks", [7]),
        ("top_candidates", [np.zeros(0, dtype=np.float32), 0]),
        ("level_writes", [np.array([0, 2, 0, 2], dtype=np.int64), A[:1].repeat(4, 0) + np.arange(4.0, dtype=np.float32)[:, None]]),
    ],
    "feature_test_in_no_grad": [
        ("next_after", [A, B]),
        ("attention", [_rng.standard_normal((2, 4, 8)).astype(np.float32)] * 3),
    ],
    "autograd_function_out_input": [
        ("stitched", [A, B]),
    ],
    "uint8_masks": [
        ("forward_scores", [_rng.standard_normal((3, 2, 4)).astype(np.float32), np.array([[1, 1], [1, 0], [0, 1]], np.uint8)]),
        ("masked", [_rng.standard_normal((3, 2, 4)).astype(np.float32), 1]),
    ],
    "untyped_tensor_calls": [
        ("stable_logits", [X4, 0.5]),
        ("spread", [X4]),
        ("masked_self", [_rng.standard_normal((3, 3)).astype(np.float32)]),
        ("sizes", [X4, 1]),
        ("tiled", [A, 3, (2, 2)]),
        ("unpacked", [np.abs(X4[:, :2]).copy()]),
        ("trainable", [A, B]),
    ],
    "dtype_text": [("spelled", [A])],
    "autograd_grad_parameters": [("fast_weights", [X4[:, :3]])],
    "apply_init_by_class_name": [
        ("by_name", [_rng.standard_normal((2, 3, 4, 4)).astype(np.float32)]),
        ("by_type", [_rng.standard_normal((2, 3, 4, 4)).astype(np.float32)]),
    ],
    "rnn_param_order_packed": [
        ("stacked", [_rng.standard_normal((2, 3, 4)).astype(np.float32)]),
        ("packed", [_rng.standard_normal((2, 3, 4)).astype(np.float32)]),
        ("unbatched", [_rng.standard_normal((2, 3, 4)).astype(np.float32)]),
    ],
    "size_keyword_factories": [("shapes", [A])],
    "optimizer_passed_to_helper": [
        ("scheduled", [X4[:, :3]]),
        ("bare_batchnorm", [X4]),
        ("clipped", [A]),
    ],
    "complex_real_products": [
        ("lowpass", [IMG, _rng.standard_normal((3, 3)).astype(np.float32)]),
        ("normalised", [IMG, IMG[:1]]),
    ],
    "function_references": [
        ("downsample", [IMG, [1, 0]]),
        ("downsample", [IMG[:, :, None].repeat(4, 2), 0]),
        ("activate", [A, "relu"]),
        ("activate", [A, "softmax"]),
        ("activate", [A, "normalize"]),
        ("extreme_per_row", [X4, "min"]),
        ("extreme_per_row", [X4, "max"]),
    ],
    "class_called_helpers": [
        ("sparsemax", [A * 3]),
        ("sizes", [X4]),
    ],
    "gradients_module_level": [
        ("module_values", []),
    ],
    "script_late_import": [
        ("run", [A]),
    ],
    "add_module_union": [
        ("run", [A * 4]),
    ],
    "pool_subclass_same": [
        ("run", [_rng.standard_normal((2, 3, 11, 10)).astype(np.float32)]),
    ],
    "pool_subclass_stride_none": [
        ("run", [_rng.standard_normal((2, 3, 7, 6)).astype(np.float32)]),
    ],
    "pool_class_passed": [
        ("run", [_rng.standard_normal((2, 3, 17, 16)).astype(np.float32)]),
    ],
    "attention_half_precision": [
        ("half_attention", [_rng.standard_normal((2, 2, 5, 8)).astype(np.float32),
                            _rng.standard_normal((2, 2, 5, 5)).astype(np.float32)]),
    ],
    "non_leaf_gradients": [
        ("module_values", []),
    ],
    "non_leaf_gradients_leaf": [
        ("through_reshape", []),
        ("through_integer_index", [A]),
    ],
    "fused_layers": [
        ("fused_conv", [_rng.standard_normal((2, 3, 5, 5)).astype(np.float32), _rng.standard_normal((4, 3, 3, 3)).astype(np.float32),
                        _rng.standard_normal(4).astype(np.float32), _rng.standard_normal(4).astype(np.float32),
                        _rng.standard_normal(4).astype(np.float32), _rng.uniform(0.5, 2, 4).astype(np.float32)]),
        ("fused_linear", [A, _rng.standard_normal((4, 3)).astype(np.float32), _rng.standard_normal(4).astype(np.float32),
                          _rng.standard_normal(4).astype(np.float32), _rng.standard_normal(4).astype(np.float32),
                          _rng.uniform(0.5, 2, 4).astype(np.float32)]),
        ("resized", [A]),
    ],
    "spectral_norm_removed": [
        ("removed", [A]),
    ],
    "stack_dataset": [
        ("stacked", [A]),
    ],
    "clip_with_total_norm": [
        ("clipped", [A, B, 1.0]),
        ("clipped", [A, B, 100.0]),
    ],
    "map2_elementwise": [
        ("mapped", [A, B, B[0]]),
    ],
    "grad_mode_aliases": [
        ("switched", [A]),
        ("flags", []),
        ("blocks", [A]),
    ],
    "scheduler_subclass": [
        ("epochs", [0]),
        ("epochs", [3]),
    ],
    "unread_gradients": [
        ("module_values", []),
    ],
    "constraint_base": [
        ("checked", [A]),
    ],
    "distribution_transforms": [
        ("chained", [A]),
        ("stick_breaking", [A]),
        ("per_slice", [A]),
        ("affine_over_events", [X4]),
        ("user_transform", [A + 2]),
        ("transformed_density", [np.array([1.2, 2.5, 1.9], dtype=np.float32)]),
        ("custom_distribution", [np.abs(A[0]) + 0.5, np.abs(B[0])]),
        ("registered_kl", [A[1]]),
        ("constraint_events", [A]),
    ],
    "torch_call_forms": [
        ("positional_dtype", [A]),
        ("out_buffers", [A]),
        ("spread", [A]),
        ("spread_variance", [X4, False]),
        ("spread_variance", [X4, True]),
        ("sorted_search", [A * 2 + 2]),
        ("mantissa", [A]),
        ("contractions", [A]),
        ("one_bound_random", []),
        ("forked_draws", []),
        ("distinct_rows", [X4]),
        ("vector_norms", [A]),
        ("scattered", [A]),
        ("keyword_dicts", [X4]),
        ("spread_with_dtype", [A]),
        ("default_place", []),
        ("numpy_keywords", [A]),
    ],
    "broadcast_shapes_lu": [
        ("shapes", []),
        ("factors", [np.stack([X4[:3], X4[1:]])]),
        ("factors_with_infos", [np.stack([X4[:3], X4[1:]])]),
    ],
    "checkpoint_no_parameters": [
        ("round_trip", [A]),
    ],
    "instance_norm_running_stats": [
        ("train_then_eval_1d", [IMG[:, :, 0]]),
        ("train_then_eval_2d", [IMG]),
        ("without_statistics", [IMG]),
    ],
    "float64_only_float32_kernels": [
        ("activations", [A]),
        ("float32_unchanged", [A]),
        ("type_test", []),
    ],
    "inplace_layers": [
        ("positional_flag", [A]),
        ("keyword_flag", [A]),
        ("flag_off", [A]),
        ("in_a_module", [A]),
    ],
    "spectral_norm_layers": [
        ("one_step", [B, A[1, :2] + 1, A[0], A]),
        ("three_steps_keywords", [B, A[1, :2] + 1, A[0], A]),
        ("eval_keeps_vectors", [B, A[1, :2] + 1, A[0], A]),
        ("checkpoint_keys", []),
    ],
    "max_pool1d_indices": [
        ("literal_true", [IMG[0]]),
        ("positional_true", [IMG[0]]),
        ("flag_variable", [IMG[0], True]),
        ("flag_variable", [IMG[0], False]),
        ("values_only", [IMG[0]]),
    ],
    "rrelu_modes": [
        ("functional_default", [A]),
        ("functional_bounds", [A]),
        ("layer_in_eval_mode", [A]),
        ("training_slopes_within_bounds", [A]),
    ],
    "size_numel": [
        ("counts", [IMG]),
        ("flat_features", [IMG]),
    ],
    "loss_targets": [
        ("probability_targets", [A]),
        ("index_targets", [A]),
        ("held_loss", [A]),
    ],
    "random_fill_dtypes": [
        ("filled", [0.25]),
        ("normal_filled", [0.5]),
        ("drawn_indices", [np.array([0.1, 0.2, 0.7], dtype=np.float32)]),
        ("bounded_ints", [np.zeros((2, 3), np.float64)]),
    ],
    "complex_magnitude": [
        ("spectrum", [np.array([1., -2., 3., 4., 0.5], dtype=np.float32)]),
    ],
    "conv_transpose_output_padding": [
        ("upsampled", [IMG[:, :2]]),
        ("decoder_block", [IMG[:, :2]]),
        ("upsampled_1d", [IMG[:, :2, 0]]),
    ],
    "embedding_from_pretrained": [
        ("looked_up", [X4, np.array([[0, 1], [3, 2]], dtype=np.int64)]),
    ],
    "out_argument": [
        ("into_local", [A, B]),
        ("into_argument", [A, B, np.zeros((2, 3), np.float32)]),
        ("into_slice", [A]),
        ("chained", [A, B]),
        ("inside_expression", [A, B]),
        ("into_tuple", [A]),
        ("into_fresh", [A]),
        ("into_global", [A]),
        ("into_global", [B]),  # the module's tensor keeps what the first call wrote
        ("fresh_buffer", [A, B]),
        ("into_list", [A]),
        ("into_shared_pair", [A]),
        ("into_other_dtypes", [A, B]),
        ("into_named_pair", [A]),
        ("several_into_expression", [A]),
    ],
    "composed_torch_functions": [
        ("pooled", [X4[:, :2].repeat(2, 0), np.array([0, 2, 0, 1, 2, 0, 2, 1])]),
        ("densified", [A[0, :].repeat(2)[:4]]),
        ("solved", [np.abs(X4[:3]), A.T]),
        ("spectrum", [_rng.standard_normal(32).astype(np.float32)]),
        ("activations", [A]),
        ("pieces", [X4]),
        ("compressed_rows", [A[0, :].repeat(2)[:4]]),
        ("leading_factors", [np.outer(A[0], B[1]).astype(np.float32) + np.outer(A[1], A[0]).astype(np.float32)]),
    ],
    "annotations": [
        ("forward", [A, B, 1]),
        ("forward", [A, B, 2, 0.5, True, A[0]]),
        ("shape_of", [A]),
        ("scaled", [A]),
        ("gathered", [A]),
    ],
    "legacy_types": [
        ("casts", [A]),
        ("constructors", [3]),
        ("constructors", [[1, 2]]),
        ("limits", [A]),
        ("brain_float_limits", []),
        ("constants", [A]),
        ("unpacked", [[2, 3], [[5, 6, 7]]]),
        ("unpacked", [[], [[[1, 2], [3, 4]]]]),
        ("plain_constructor", [np.array([[1, 2]], np.int64), 4]),
        ("plain_constructor", [A, 1]),
    ],
    "grad_mode_values": [
        ("kept_in_a_name", [A]),
    ],
    "data_loading": [
        ("single_items", [A]),
        ("pairs", [X4]),
        ("split_sizes", [A]),
        ("subset", [X4]),
        ("sampled", [X4]),
    ],
    "data_samplers": [
        ("batches", [X4 * 3 + np.arange(3, dtype=np.float32)]),
        ("doubled_items", [A]),
        ("collated", [X4]),
        ("shuffled", [X4]),
        ("custom_samplers", [X4]),
    ],
    "norm_settings": [("settings", [IMG])],
    "parameter_containers": [
        ("mixed", [X4]),
        ("summed", [A]),
        ("nested", [_rng.standard_normal(3).astype(np.float32)]),
    ],
    "training_mode": [
        ("module_level", [X4]),
        ("user_cell", [X4]),
        ("subclass", [X4]),
        ("evaluated", [X4]),
        ("built_in_function", [X4]),
        ("held_modules", [X4]),
    ],
    "named_tuples": [
        ("maxima", [A]),
        ("minima", [A]),
        ("sorting", [A]),
        ("top", [A]),
        ("running", [A]),
        ("chained", [A]),
        ("chained", [IMG]),
        ("extremes", [A]),
    ],
    "float_promotion": [
        ("int_inputs", [np.array([1, 2, 3], np.int64)]),
        ("keeps_float64", [A]),
        ("bool_inputs", [np.array([True, False])]),
        ("int_literals", [A, B]),
    ],
    "semantics": [
        ("reductions", [A]),
        ("losses", [A, B]),
        ("division", [np.array([7, -7, 6, -5]), np.array([2, 2, -4, 3])]),
        ("division", [np.array([7.5, -7.0, 6.0, -5.0], np.float32), np.array([2.0, 2.0, -4.0, 3.0], np.float32)]),
        ("inplace", [A[0]]),
        ("inplace_forms", [A]),
        ("inplace_argument", [A]),
    ],
    "call_variety": [
        ("outs", [A, B]),
        ("types", [A, B]),
        ("scalars", [A]),
    ],
    "checks_and_lists": [
        ("checked", [A]),
        ("optimizer_step", [A, B]),
        ("pairwise", [A, B]),
        ("positions", [A]),
        ("compiled", [A]),
    ],
    "saved_objects": [
        ("round_trip", [A]),
        ("weights_round_trip", [A]),
    ],
    "tensor_dicts": [
        ("flagged_values", [A]),
    ],
    "star_sizes": [
        ("spread", [_rng.standard_normal((2, 12)).astype(np.float32)]),
    ],
    "quantizable_float": [
        ("quantizable", [_rng.standard_normal((2, 3, 4, 4)).astype(np.float32)]),
    ],
    "named_children": [
        ("conv_norm", [_rng.standard_normal((2, 4, 3, 3)).astype(np.float32)]),
    ],
    "forwarded_padding": [
        ("branches", [_rng.standard_normal((2, 3, 5, 6)).astype(np.float32)]),
    ],
    "lazy_and_pooling_layers": [
        ("lazy_norms", [IMG]),
        ("alpha_kept_or_dropped", [A]),
        ("uneven_pools", [IMG]),
        ("fixed_fractional", [_rng.standard_normal((2, 3, 7, 8)).astype(np.float32),
                             _rng.uniform(0.1, 0.9, (2, 3, 2)).astype(np.float32)]),
        ("volume_response_norm", [IMG]),
        ("exact_l1", [A, B]),
    ],
    "onnx_export_check": [
        ("pool", [_rng.standard_normal((1, 1, 4, 4)).astype(np.float32)]),
    ],
    "conv_dilation": [
        ("dilated", [_rng.standard_normal((1, 2, 9, 9)).astype(np.float32)]),
    ],
    "module_dict_values": [
        ("features", [_rng.standard_normal((2, 3, 5, 5)).astype(np.float32)]),
    ],
    "norm_subclasses": [
        ("subclass", [A]),
        ("subclass_2d", [_rng.standard_normal((2, 4, 3, 5)).astype(np.float32)]),
        ("runtime_affine", [_rng.standard_normal((2, 4, 3, 5)).astype(np.float32)]),
        ("group_subclass", [_rng.standard_normal((2, 4, 3, 5)).astype(np.float32)]),
    ],
    "device_type": [
        ("device_kind", [A]),
        ("device_object_kind", [A]),
    ],
    "layer_class_alias": [
        ("default_norm_layer", [A]),
    ],
    "branch_bound_layer_class": [
        ("default_norm", [IMG[:, :3]]),
        ("given_norm", [IMG[:, :3]]),
        ("chosen_activation", [A, True]),
        ("chosen_activation", [A, False]),
        ("same_on_both_paths", [A, True]),
    ],
    "interpolate_size_or_factor": [
        ("resize", [IMG, True, 1.5]),
        ("resize", [IMG, False, 1.5]),
        ("resize", [IMG, False, 2]),
        ("by_factor", [IMG, True]),
    ],
    "tensor_tuple_results": [
        ("coords_grid", [IMG]),
        ("halves", [X4]),
    ],
    "forward_container_arguments": [
        ("pyramid", [A, B]),
    ],
    "templated_layer_class": [
        ("instance_norm_class", [_rng.standard_normal((2, 4, 3, 5)).astype(np.float32)]),
        ("instance_norm_partial", [_rng.standard_normal((2, 4, 3, 5)).astype(np.float32)]),
        ("upsample_class", [IMG]),
    ],
    "held_out_networks": [
        ("tied_init", [np.array([[0, 3, 6], [2, 2, 1]], np.int64)]),
        ("attention_pool", [_rng.standard_normal((2, 4, 2, 3)).astype(np.float32)]),
        ("optional_buffer", [A]),
        ("keyword_attention", [_rng.standard_normal((3, 2, 4)).astype(np.float32),
                               _rng.standard_normal((3, 2, 4)).astype(np.float32)]),
        ("mapped_heads", [_rng.standard_normal((2, 8, 3)).astype(np.float32)]),
        ("scaled_logits", [A, B]),
        ("chained_layer", [_rng.standard_normal((2, 4, 2, 3)).astype(np.float32)]),
        ("fused_kernel", [A]),
    ],
    "isinstance_self_attribute": [
        ("norm_weight_init", [_rng.standard_normal((2, 3, 4, 4)).astype(np.float32)]),
        ("statistics_init", [_rng.standard_normal((2, 3, 4, 4)).astype(np.float32)]),
    ],
    "reset_parameters": [
        ("conv_init", [_rng.standard_normal((2, 3, 5, 5)).astype(np.float32)]),
        ("norm_reset", [_rng.standard_normal((4, 3, 2, 2)).astype(np.float32)]),
        ("norm_without_shift", [_rng.standard_normal((2, 3, 5)).astype(np.float32)]),
    ],
    "kernel_casts": [
        ("bools", [np.array([[True, False, True], [False, False, True]]), np.array([[True, True, False], [False, True, True]])]),
        ("ints", [np.array([[3, -2, 5], [1, 4, 0]], np.int64), np.array([[1, 2], [0, -1], [3, 1]], np.int64)]),
        ("float64s", [A, B[:, :2]]),
        ("zero_d", [np.array(1.5, np.float32)]),
        ("floats", [A, B[:, :2]]),
    ],
    "zoo_timm_ops": [
        ("stage_counts", [[48, 48, 96, 96, 96, 240]]),
        ("unique_forms", [np.array([[3, 1, 2], [1, 3, 0]], np.int64)]),
        ("unique_forms", [np.array([1.5, -2.0, 1.5, 0.0], np.float32)]),
        ("block_counts", [3]),
        ("flip_forms", [_rng.standard_normal((2, 3, 4)).astype(np.float32)]),
        ("branch_resize", [_rng.standard_normal((2, 3, 10, 9)).astype(np.float32)]),
        ("init_from_range", [4000]),
        ("reset_narrowed", [_rng.standard_normal((4, 3, 2, 2)).astype(np.float32)]),
    ],
    "factory_keywords": [
        ("factories", [4]),
        ("random_shapes", []),
        ("dtype_positional", [A]),
    ],
    "einops_calls": [
        ("patches", [IMG]),
        ("patches", [np.arange(96).reshape(2, 3, 4, 4)]),
        ("heads", [_rng.standard_normal((2, 5, 8)).astype(np.float32)]),
        ("tokens", [_rng.standard_normal((1, 1, 8)).astype(np.float32),
                    _rng.standard_normal((2, 5, 8)).astype(np.float32)]),
        ("pooled", [IMG]),
        ("flattened", [IMG]),
        ("grown", [A]),
        ("layers", [IMG]),
        ("shapes", [IMG]),
        ("packed", [IMG]),
        ("attended", [_rng.standard_normal((2, 2, 3, 4)).astype(np.float32),
                      _rng.standard_normal((2, 2, 5, 4)).astype(np.float32)]),
    ],
    "vision_layers": [
        ("unfolded", [IMG]),
        ("norm_reset", [A]),
        ("masked", [X4]),
        ("branches", [A]),
        ("weighted_tokens", [_rng.standard_normal((2, 5, 4)).astype(np.float32)]),
    ],
    "star_forwarding": [
        ("scaled_sum", [A, A[::-1].copy()]),
        ("contraction", [A, A[::-1].copy()]),
        ("layer_from_options", [A]),
    ],
    "kwargs_renamed_keys": [
        ("cumulative", [A]),
        ("swapped", [A]),
        ("probabilities", [A, {"dim": 0}]),
        ("chunks", [A]),
        ("layer", [A]),
        ("spread", [A]),
        ("loss_from_dict", [A]),
        ("zeros_from_dict", []),
    ],
    "spectral_parametrization": [
        ("linear", [A]),
        ("keywords_in_eval", [A]),
        ("transposed", [np.repeat(A[:, None, :, None], 2, axis=1)]),
    ],
    "parametrized_layers": [
        ("normalized", [A.reshape(3, 2)[:, :1].repeat(4, 1)]),
        ("weight_normalised", [_rng.standard_normal((2, 2, 5)).astype(np.float32)]),
    ],
    "buffers_and_lists": [
        ("prompt", [_rng.standard_normal((2, 3, 2)).astype(np.float32), np.array([[0, 1, -1], [1, 1, 0]])]),
        ("stacked", [A, np.arange(6).reshape(2, 3)]),
        ("stages", [A]),
    ],
    "argument_transforms": [
        ("mlp", [A]),
        ("pooled", [IMG]),
    ],
    "checkpoint_roundtrip": [
        ("roundtrip", [IMG]),
    ],
    "rnn_language_model": [
        ("lstm", [np.array([[1, 5], [3, 0], [11, 7], [2, 2]])]),
        ("gru_tied", [np.array([[1, 5], [3, 0], [11, 7], [2, 2]])]),
    ],
    "tied_module_dict": [
        ("logits", [_rng.integers(0, 16, (2, 8))]),
        ("tied", []),
    ],
    "trailing_comment_init": [("gate_and_stack", [IMG])],
    "floor_division_forms": [
        ("floored", [A * 3]),
        ("kept_forms", [A, B + 3]),
        ("in_place", [A * 5]),
    ],
    "quantile_forms": [
        ("quartiles", [X4]),
        ("interpolations", [X4]),
        ("whole", [A]),
        ("with_gaps", [X4]),
    ],
    "sparse_metadata": [
        ("coo_parts", [X4]),
        ("csr_parts", [X4]),
        ("csc_parts", [X4]),
        ("pointer_steps", [X4]),
        ("flipped_flags", [A]),
    ],
    "tensor_method_forms": [
        ("bracketed_receivers", [X4, _rng.standard_normal((4, 3)).astype(np.float32)]),
        ("norms", [B]),
        ("norms", [X4]),
        ("nan_sums", [X4]),
        ("pseudo_inverse", [X4]),
        ("histograms", [_rng.standard_normal(40).astype(np.float32), _rng.uniform(0, 1, 40).astype(np.float32)]),
        ("running_sums", [X4]),
        ("random_streams", [X4]),
        ("nan_aware_min", [X4, _rng.standard_normal((4, 3)).astype(np.float32) * 2]),
        ("keyword_operands", [X4, _rng.standard_normal((4, 3)).astype(np.float32)]),
        ("receiver_runs_once", [X4]),
        ("tiled", [A]),
        ("spreads", [X4, False]),
        ("spreads", [X4, True]),
        ("scattered", [X4, _rng.standard_normal((4, 3)).astype(np.float32)]),
        ("narrowed_and_gathered", [X4]),
        ("distinct_and_quantiles", [X4]),
        ("differences", [X4]),
        ("positions_and_shifts", [X4, True]),
        ("positions_and_shifts", [X4, False]),
        ("signs_copied", [X4]),
    ],
    "inplace_chain": [
        ("chained_statement", [A, B]),
        ("chained_value", [A]),
        ("chained_with_keyword", [A, B]),
        ("chained_on_slices", [X4, X4[::-1].copy()]),
    ],
    "aten_view_writes": [
        ("keypoints_decoded", [_rng.standard_normal((2, 9, 4)).astype(np.float32),
                               _rng.standard_normal((3, 4)).astype(np.float32)]),
        ("view_read_afterwards", [X4]),
        ("masked_points_shifted", [X4 * 2, A[0], np.array([-1, 0, -1, 2])]),
        ("view_of_a_temporary", [X4]),
        ("chained_views", [_rng.standard_normal((3, 4, 2)).astype(np.float32), A[0, :2]]),
    ],
    "aten_names": [
        ("aten_calls", [X4, np.array([[0, 2], [1, 1], [2, 0], [1, 2]]), X4 > 0, X4 < 0.5]),
        ("public_bindings", [X4, _rng.standard_normal(6).astype(np.float32)]),
    ],
    "vmap_and_losses": [
        ("per_sample", [X4, _rng.standard_normal((3, 2)).astype(np.float32)]),
        ("aten_losses", [X4, X4[::-1].copy(), -X4]),
    ],
    "tensor_method_overloads": [
        ("split_by_keyword", [np.arange(24, dtype=np.float32).reshape(2, 3, 4)]),
        ("distances", [A, B]),
        ("every_dim", [np.round(X4)]),
        ("cholesky_factors", [np.arange(9, dtype=np.float32).reshape(3, 3) / 4 - 1]),
        ("certain_draws", [A]),
        ("put_by_index", [X4]),
        ("filled_in_place", [X4]),
        ("factored", [np.stack([X4[:3], X4[1:]])]),
        ("integer_kinds", [A[0] * 3, B[1] * 3]),
        ("folded_by_index", [X4, -X4[::-1] * 2]),
        ("written_back", [X4, np.abs(X4)]),
        ("reductions_and_products", [X4, A[0]]),
        ("masks_and_whole_positions", [X4]),
        ("single_variables_and_dtypes", [X4]),
        ("bool_extremes", [X4]),
        ("signal_back", [np.linspace(-1, 1, 30, dtype=np.float32).reshape(5, 6), np.cos(np.arange(30, dtype=np.float32)).reshape(5, 6)]),
    ],
    "loss_forms": [
        ("cosine_embedding_broadcast", [A[:1, :], B[:1, :]]),
        ("bce_forms", [np.clip(np.abs(A) / 3, 0.05, 0.95).astype(np.float32), (B > 0).astype(np.float32)]),
        ("poisson_full", [A, np.abs(B)]),
        ("losses_through_star", [A, B]),
    ],
    "reflection_pads": [
        ("reflection_pads", [_rng.standard_normal((2, 3, 5)).astype(np.float32),
                             _rng.standard_normal((1, 2, 4, 5)).astype(np.float32),
                             _rng.standard_normal((1, 2, 3, 4, 5)).astype(np.float32)]),
    ],
    "adaptive_pool_forms": [
        ("adaptive_max_3d", [_rng.standard_normal((1, 2, 2, 3, 4)).astype(np.float32)]),
        ("functional_adaptive_max_3d", [_rng.standard_normal((1, 2, 2, 3, 4)).astype(np.float32)]),
    ],
}


def _kind(array: np.ndarray) -> str:
    return "bool" if array.dtype == np.bool_ else np.dtype(array.dtype).kind.replace("u", "i")


def assert_same(expected, got, where: str) -> None:
    if isinstance(expected, tuple) and len(expected) == 2 and expected[0] == "tensor":
        assert isinstance(got, tuple) and len(got) == 2 and got[0] == "tensor", f"{where}: {got!r} is not a tensor"
        e, g = np.asarray(expected[1]), np.asarray(got[1])
        assert e.shape == g.shape, f"{where}: shape {g.shape}, PyTorch {e.shape}"
        assert _kind(e) == _kind(g), f"{where}: dtype {g.dtype}, PyTorch {e.dtype}"
        if _kind(e) in ("i", "bool"):
            np.testing.assert_array_equal(g, e, err_msg=where)
        else:
            np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5, err_msg=where)
    elif isinstance(expected, (tuple, list)):
        assert type(got) is type(expected) and len(got) == len(expected), f"{where}: {got!r} vs {expected!r}"
        for i, (e, g) in enumerate(zip(expected, got)):
            assert_same(e, g, f"{where}[{i}]")
    elif isinstance(expected, dict):
        assert isinstance(got, dict) and got.keys() == expected.keys(), f"{where}: keys differ"
        for k in expected:
            assert_same(expected[k], got[k], f"{where}[{k!r}]")
    elif isinstance(expected, float):
        assert isinstance(got, (int, float)) and got == pytest.approx(expected, rel=1e-4, abs=1e-5), where
    else:
        assert got == expected and type(got) is type(expected), f"{where}: {got!r}, PyTorch {expected!r}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_converted_construct_matches_pytorch(case, tmp_path):
    calls = CASES[case]
    failures = mismatches(calls, torch_results(case, calls), mindspore_results(case, calls, tmp_path), assert_same)
    assert not failures, "\n".join(failures)
