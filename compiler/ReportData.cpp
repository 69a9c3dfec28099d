// Gathers --report's data: from the ONNX model, from the attributes code generation leaves, and from the object file.
#include "compiler/Report.h"
#include "codegen/common/Kernels.h"

#include "llvm/Object/ObjectFile.h"

#include <onnx/onnx_pb.h>

namespace onnxc {

namespace {
void countNodes(const ::onnx::GraphProto &graph, std::map<std::string, int> &counts) {
  for (const ::onnx::NodeProto &node : graph.node()) {
    ++counts[node.domain().empty() || node.domain() == "ai.onnx" ? node.op_type()
                                                                   : node.domain() + "." + node.op_type()];
    for (const ::onnx::AttributeProto &a : node.attribute()) {
      if (a.has_g())
        countNodes(a.g(), counts);
      for (const ::onnx::GraphProto &g : a.graphs())
        countNodes(g, counts);
    }
  }
}
} // namespace

void describeModel(const ::onnx::ModelProto &model, ReportData &d) {
  d.modelName = model.graph().name();
  d.producer = model.producer_name() + (model.producer_version().empty() ? "" : " " + model.producer_version());
  for (const ::onnx::OperatorSetIdProto &o : model.opset_import())
    d.opsets.push_back({o.domain(), o.version()});
  countNodes(model.graph(), d.nodeCounts);
}

void readCodegenReport(mlir::ModuleOp module, ReportData &d) {
  if (auto kernels = module->getAttrOfType<mlir::ArrayAttr>(codegen::kReportKernelsAttr))
    for (mlir::Attribute a : kernels) {
      auto dict = mlir::cast<mlir::DictionaryAttr>(a);
      ReportKernel k;
      k.name = dict.getAs<mlir::StringAttr>("name").str();
      for (mlir::Attribute n : dict.getAs<mlir::ArrayAttr>("nodes"))
        k.nodes.push_back(mlir::cast<mlir::StringAttr>(n).str());
      k.flops = dict.getAs<mlir::IntegerAttr>("flops").getInt();
      k.bytes = dict.getAs<mlir::IntegerAttr>("bytes").getInt();
      k.tile = dict.getAs<mlir::StringAttr>("tile").str();
      k.vectorized = dict.getAs<mlir::BoolAttr>("vectorized").getValue();
      k.parallel = dict.getAs<mlir::BoolAttr>("parallel").getValue();
      d.kernels.push_back(std::move(k));
    }
  auto buffers = module->getAttrOfType<mlir::DenseI64ArrayAttr>(codegen::kReportBuffersAttr);
  auto names = module->getAttrOfType<mlir::ArrayAttr>(codegen::kReportBufferNamesAttr);
  if (buffers && names && (size_t)buffers.size() == 4 * names.size())
    for (size_t i = 0; i < names.size(); ++i)
      d.buffers.push_back({buffers[4 * i], buffers[4 * i + 1], buffers[4 * i + 2], buffers[4 * i + 3],
                           mlir::cast<mlir::StringAttr>(names[i]).str()});
  if (auto points = module->getAttrOfType<mlir::IntegerAttr>(codegen::kReportPointsAttr))
    d.points = points.getInt();
}

void measureObject(llvm::StringRef object, ReportData &d) {
  auto file = llvm::object::ObjectFile::createObjectFile(llvm::MemoryBufferRef(object, "object"));
  if (!file) {
    llvm::consumeError(file.takeError());
    return;
  }
  for (const llvm::object::SectionRef &section : (*file)->sections()) {
    if (section.isText())
      d.textBytes += section.getSize();
    else if ((section.isData() || section.isBSS() == false) && !section.isText()) {
      llvm::Expected<llvm::StringRef> name = section.getName();
      if (name && (name->starts_with(".rodata") || name->starts_with(".lrodata") || name->starts_with(".data")))
        d.constantBytes += section.getSize();
      else if (!name)
        llvm::consumeError(name.takeError());
    }
  }
}

} // namespace onnxc
