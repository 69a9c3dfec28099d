# lit configuration for onnxc's FileCheck tests (dialect, importer, lowering, codegen).
import os
import lit.formats

config.name = "onnxc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.join(os.path.dirname(__file__), "lit")
config.test_exec_root = os.path.join(config.onnxc_obj_root, "lit")
config.excludes = ["make_model.py"]
config.environment["PATH"] = os.pathsep.join(
    [config.onnxc_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", os.environ["PATH"])])
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(("%make_model", "/usr/bin/python3 " + os.path.join(config.test_source_root, "importer", "make_model.py")))

# A CUDA toolkit (ptxas, fatbinary, libdevice) for the tests that assemble kernels.
_cuda = os.environ.get("CUDA_HOME") or "/usr/local/cuda"
if all(os.path.exists(os.path.join(_cuda, p)) for p in ("bin/ptxas", "bin/fatbinary", "nvvm/libdevice/libdevice.10.bc")):
    config.available_features.add("cuda-toolkit")
    config.environment["CUDA_HOME"] = _cuda
