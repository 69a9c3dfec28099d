// onnx dialect: resampling ops (Resize, and Upsample, which the importer rewrites to it).
#ifndef ONNXC_ONNX_RESIZE_TD
#define ONNXC_ONNX_RESIZE_TD

include "dialects/onnx/OnnxBase.td"

def ONNX_ResizeOp : ONNX_InferOp<"Resize", 4> {
  let summary = "nearest, linear or cubic resampling (opset 19 form)";
  let description = [{
    The output size comes from constant `scales` (floor(input * scale)) or
    `sizes` (with keep_aspect_ratio_policy) on `axes` (default: all axes); an
    empty `scales` or `roi` counts as missing. `roi` (constant) is read only by
    tf_crop_and_resize. Resize-10 and Upsample become the asymmetric / floor
    form; `tf_half_pixel_for_nn` is kept for Resize-11 models.

    ```mlir
    %y = onnx.Resize(%x, %none, %scales, %none) {mode = "linear"} : (tensor<1x1x2x2xf32>, none, tensor<4xf32>, none) -> tensor<1x1x4x4xf32>
    ```
  }];
  let arguments = (ins AnyTensor:$X, ONNX_OptTensor:$roi, ONNX_OptTensor:$scales,
                   ONNX_OptTensor:$sizes,
                   DefaultValuedAttr<I64Attr, "0">:$antialias,
                   OptionalAttr<DenseI64ArrayAttr>:$axes,
                   DefaultValuedStrAttr<StrAttr, "half_pixel">:$coordinate_transformation_mode,
                   DefaultValuedAttr<F32Attr, "-0.75">:$cubic_coeff_a,
                   DefaultValuedAttr<I64Attr, "0">:$exclude_outside,
                   DefaultValuedAttr<F32Attr, "0.0">:$extrapolation_value,
                   DefaultValuedStrAttr<StrAttr, "stretch">:$keep_aspect_ratio_policy,
                   DefaultValuedStrAttr<StrAttr, "nearest">:$mode,
                   DefaultValuedStrAttr<StrAttr, "round_prefer_floor">:$nearest_mode);
  let results = (outs AnyTensor:$Y);
}

#endif // ONNXC_ONNX_RESIZE_TD
