// Unit tests for the target seam: what resolveTarget derives per alias, and the facts' round trip through the module.
#include "target/TargetInfo.h"

#include "mlir/Dialect/DLTI/DLTI.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"

#include <gtest/gtest.h>

using namespace onnxc;

namespace {
TargetInfo resolve(const std::string &name, const std::string &mcpu = "", const std::string &mattr = "") {
  std::string error;
  std::optional<TargetInfo> t = resolveTarget(name, mcpu, mattr, error);
  EXPECT_TRUE(t.has_value()) << error;
  return t ? *t : TargetInfo();
}
} // namespace

TEST(TargetInfo, CortexM4IsScalarBareMetalHardFloat) {
  TargetInfo t = resolve("cortex-m4");
  EXPECT_EQ(t.triple, "thumbv7em-unknown-none-eabihf");
  EXPECT_EQ(t.cpu, "cortex-m4");
  EXPECT_EQ(t.vectorBits, 0);
  EXPECT_EQ(t.vectorRegisters, 32);
  EXPECT_EQ(t.maxAccumulators(), 16);
  EXPECT_EQ(t.indexBits, 32);
  EXPECT_EQ(t.pointerBits, 32);
  EXPECT_FALSE(t.hasThreads);
  EXPECT_FALSE(t.pic);
  EXPECT_TRUE(t.compactCode);
  EXPECT_FALSE(t.hardwareF64);
  EXPECT_EQ(t.floatAbi, FloatAbi::Hard);
}

TEST(TargetInfo, CortexM7HasDoublePrecision) {
  TargetInfo t = resolve("cortex-m7");
  EXPECT_EQ(t.vectorBits, 0);
  EXPECT_TRUE(t.hardwareF64);
}

TEST(TargetInfo, CortexM55HasHelium) {
  TargetInfo t = resolve("cortex-m55");
  EXPECT_EQ(t.triple, "thumbv8.1m.main-unknown-none-eabihf");
  EXPECT_EQ(t.vectorBits, 128);
  EXPECT_EQ(t.vectorRegisters, 8);
  EXPECT_EQ(t.maxAccumulators(), 4);
  EXPECT_EQ(t.indexBits, 32);
}

TEST(TargetInfo, HostedTargets) {
  TargetInfo avx512 = resolve("x86_64", "skylake-avx512");
  EXPECT_EQ(avx512.vectorBits, 512);
  EXPECT_EQ(avx512.maxAccumulators(), 24);
  EXPECT_EQ(avx512.indexBits, 64);
  EXPECT_TRUE(avx512.hasThreads);
  EXPECT_TRUE(avx512.pic);
  EXPECT_EQ(resolve("x86_64", "haswell").vectorBits, 256);
  TargetInfo neon = resolve("aarch64");
  EXPECT_EQ(neon.vectorBits, 128);
  EXPECT_EQ(neon.triple, "aarch64-unknown-linux-gnu");
}

TEST(TargetInfo, ErrorsNameTheFlag) {
  std::string error;
  EXPECT_FALSE(resolveTarget("vax", "", "", error));
  EXPECT_NE(error.find("unknown --target 'vax'"), std::string::npos);
  EXPECT_NE(error.find("cortex-m55"), std::string::npos);
  EXPECT_FALSE(resolveTarget("cortex-m4", "", "+mve.fp", error));
  EXPECT_NE(error.find("--mattr '+mve.fp'"), std::string::npos);
  EXPECT_FALSE(resolveTarget("cortex-m4", "", "mve", error));
  EXPECT_NE(error.find("+name or -name"), std::string::npos);
  EXPECT_FALSE(resolveTarget("aarch64", "pentium", "", error));
  EXPECT_NE(error.find("--mcpu 'pentium'"), std::string::npos);
  // Turning a feature off on a fixed core is allowed.
  EXPECT_TRUE(resolveTarget("cortex-m4", "", "-dsp", error)) << error;
}

TEST(TargetInfo, FactsRoundTripThroughTheModule) {
  mlir::MLIRContext ctx;
  mlir::OpBuilder b(&ctx);
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::ModuleOp::create(b.getUnknownLoc());
  TargetInfo t = resolve("cortex-m55");
  attachTarget(*module, t);
  TargetInfo back = targetOf(*module);
  EXPECT_EQ(back.name, "cortex-m55");
  EXPECT_EQ(back.triple, t.triple);
  EXPECT_EQ(back.vectorBits, 128);
  EXPECT_EQ(back.vectorRegisters, 8);
  EXPECT_EQ(back.indexBits, 32);
  EXPECT_FALSE(back.hasThreads);
  EXPECT_TRUE(back.compactCode);
  // The DLTI spec gives `index` the target's width.
  EXPECT_EQ(mlir::DataLayout(*module).getTypeSizeInBits(b.getIndexType()), 32u);
}
