// onnxc-opt: mlir-opt with the onnx dialect and every onnxc pass, for lit tests.
#include "compiler/Pipeline.h"

#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  onnxc::registerAllOnnxc(registry);
  onnxc::registerOnnxcPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(argc, argv, "onnxc optimizer driver\n", registry));
}
