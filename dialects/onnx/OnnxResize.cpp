// Resize: attribute checks, output size from constant scales/sizes (axes, aspect-ratio policy), type inference.
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/OnnxUtils.h"

#include "mlir/IR/Diagnostics.h"

#include <cmath>
#include <cstdio>

using namespace mlir;

namespace onnxc::onnx {

static std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::optional<std::string> computeResizeGeometry(ArrayRef<int64_t> shape, ArrayRef<int64_t> axesIn,
                                                 std::optional<ArrayRef<double>> scales,
                                                 std::optional<ArrayRef<int64_t>> sizes,
                                                 std::optional<ArrayRef<double>> roi, StringRef policy,
                                                 bool cropToRoi, ResizeGeometry &out) {
  int64_t rank = shape.size();
  SmallVector<int64_t> axes;
  if (axesIn.empty())
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  SmallVector<bool> listed(rank, false);
  for (int64_t a : axesIn) {
    auto n = normalizeAxis(a, rank);
    if (!n)
      return "axis " + std::to_string(a) + " is out of range for rank " + std::to_string(rank);
    if (listed[*n])
      return std::string("axes must not repeat");
    listed[*n] = true;
    axes.push_back(*n);
  }
  size_t naxes = axes.size();
  if (scales.has_value() == sizes.has_value())
    return std::string("exactly one of 'scales' and 'sizes' must be given (a non-empty constant)");
  if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller")
    return "unknown keep_aspect_ratio_policy '" + policy.str() + "'";
  if ((scales && scales->size() != naxes) || (sizes && sizes->size() != naxes))
    return std::string(scales ? "scales" : "sizes") + " has " +
           std::to_string(scales ? scales->size() : sizes->size()) + " values, expected " +
           std::to_string(naxes) + " (one per resized axis)";
  out.roiStart.assign(rank, 0.0);
  out.roiEnd.assign(rank, 1.0);
  if (cropToRoi) {
    if (!roi)
      return std::string("tf_crop_and_resize needs the 'roi' input");
    if (roi->size() != 2 * naxes)
      return "roi has " + std::to_string(roi->size()) + " values, expected " + std::to_string(2 * naxes);
    for (size_t i = 0; i < naxes; ++i) {
      out.roiStart[axes[i]] = (*roi)[i];
      out.roiEnd[axes[i]] = (*roi)[naxes + i];
    }
  }
  out.outSizes.assign(shape.begin(), shape.end());
  out.scales.assign(rank, 1.0);
  const double maxSize = 9.0e15; // sizes beyond int64's exact doubles are errors anyway
  if (scales) {
    for (size_t i = 0; i < naxes; ++i) {
      double s = (*scales)[i];
      int64_t d = axes[i];
      if (!(s > 0) || !std::isfinite(s))
        return "scale " + num(s) + " must be positive";
      double extent = cropToRoi ? out.roiEnd[d] - out.roiStart[d] : 1.0;
      double size = std::floor((double)shape[d] * extent * s);
      if (!(size >= 0) || size > maxSize)
        return "scale " + num(s) + " gives a bad size for axis " + std::to_string(d);
      out.scales[d] = s;
      out.outSizes[d] = (int64_t)size;
    }
  } else {
    for (size_t i = 0; i < naxes; ++i) {
      int64_t d = axes[i], n = (*sizes)[i];
      if (n < 0)
        return "size " + std::to_string(n) + " must not be negative";
      if (shape[d] == 0 && n != 0)
        return "cannot resize axis " + std::to_string(d) + " of size 0 to " + std::to_string(n);
      out.outSizes[d] = n;
      out.scales[d] = shape[d] ? (double)n / (double)shape[d] : 1.0;
    }
    if (policy != "stretch") {
      // One scale for every listed axis: the smallest (fits inside) or the largest (covers).
      std::optional<double> s;
      for (int64_t d : axes)
        if (shape[d])
          s = !s ? out.scales[d]
                 : (policy == "not_larger" ? std::min(*s, out.scales[d]) : std::max(*s, out.scales[d]));
      for (int64_t d : axes) {
        if (!s || !shape[d])
          continue;
        double size = std::floor(*s * (double)shape[d] + 0.5);
        if (!(size >= 0) || size > maxSize)
          return "keep_aspect_ratio_policy '" + policy.str() + "' gives a bad size for axis " + std::to_string(d);
        out.scales[d] = *s;
        out.outSizes[d] = (int64_t)size;
      }
    }
  }
  out.resizedLengths.clear();
  for (int64_t d = 0; d < rank; ++d) {
    double len = out.scales[d] * (double)shape[d];
    if (scales && cropToRoi)
      len *= out.roiEnd[d] - out.roiStart[d];
    if (!scales && policy == "stretch") // sizes give the length exactly (n / in * in may not be n)
      len = (double)out.outSizes[d];
    out.resizedLengths.push_back(len);
  }
  return std::nullopt;
}

LogicalResult getResizeGeometry(std::optional<Location> loc, RankedTensorType x, Value roi, Value scales,
                                Value sizes, std::optional<ArrayRef<int64_t>> axes, StringRef coordinateMode,
                                StringRef policy, ResizeGeometry &out) {
  auto given = [](Value v) {
    if (isNone(v))
      return false;
    auto t = dyn_cast<ShapedType>(v.getType());
    return !(t && t.hasStaticShape() && t.getNumElements() == 0);
  };
  std::optional<SmallVector<double>> scaleValues, roiValues;
  std::optional<SmallVector<int64_t>> sizeValues;
  if (given(scales)) {
    scaleValues = getConstantFloats(scales);
    if (!scaleValues)
      return emitNotConstant(loc, scales, "scales", "float tensor");
  }
  if (given(sizes)) {
    SmallVector<int64_t> v;
    if (failed(requireConstantInts(loc, sizes, "sizes", v)))
      return failure();
    sizeValues = std::move(v);
  }
  bool crop = coordinateMode == "tf_crop_and_resize";
  if (crop && given(roi)) {
    roiValues = getConstantFloats(roi);
    if (!roiValues)
      return emitNotConstant(loc, roi, "roi", "float tensor (tf_crop_and_resize reads it)");
  }
  auto opt = [](auto &v) {
    using T = typename std::decay_t<decltype(*v)>::value_type;
    return v ? std::optional<ArrayRef<T>>(ArrayRef<T>(*v)) : std::nullopt;
  };
  if (auto err = computeResizeGeometry(x.getShape(), axes ? *axes : ArrayRef<int64_t>(), opt(scaleValues),
                                       opt(sizeValues), opt(roiValues), policy, crop, out))
    return emitOptionalError(loc, *err);
  return success();
}

} // namespace onnxc::onnx

using namespace onnxc::onnx;

LogicalResult ResizeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc, Adaptor a,
                                         SmallVectorImpl<Type> &types) {
  RankedTensorType t;
  if (failed(requireStaticType(loc, a.getX(), "X", t)))
    return failure();
  StringRef mode = a.getMode(), ct = a.getCoordinateTransformationMode(), nearest = a.getNearestMode();
  if (mode != "nearest" && mode != "linear" && mode != "cubic")
    return emitOptionalError(loc, "unknown mode '", mode, "' (nearest, linear or cubic)");
  static const StringRef ctModes[] = {"half_pixel",    "half_pixel_symmetric", "pytorch_half_pixel",
                                      "align_corners", "asymmetric",           "tf_crop_and_resize",
                                      "tf_half_pixel_for_nn"};
  static const StringRef nearestModes[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
  if (!llvm::is_contained(ctModes, ct))
    return emitOptionalError(loc, "unknown coordinate_transformation_mode '", ct, "'");
  if (!llvm::is_contained(nearestModes, nearest))
    return emitOptionalError(loc, "unknown nearest_mode '", nearest, "'");
  if (mode != "nearest" && !isa<FloatType>(t.getElementType()))
    return emitOptionalError(loc, "mode '", mode, "' needs a floating-point input (onnxc resizes ",
                             t.getElementType(), " with mode 'nearest' only)");
  ResizeGeometry g;
  if (failed(getResizeGeometry(loc, t, a.getRoi(), a.getScales(), a.getSizes(), a.getAxes(), ct,
                               a.getKeepAspectRatioPolicy(), g)))
    return failure();
  if (!checkedProduct(g.outSizes))
    return emitOptionalError(loc, "result element count overflows");
  types.push_back(t.clone(g.outSizes));
  return success();
}
