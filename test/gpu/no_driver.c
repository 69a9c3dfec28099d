/* Links a CUDA model with only libonnxc_cuda_rt (no CUDA library) and checks the error code NAME_run returns without a usable driver. */
/*
 * Build: cc -std=c99 -DONNXC_MODEL=name -DONNXC_MODEL_HEADER="\"name.h\"" -I<runtime include>
 *           no_driver.c name.o libonnxc_cuda_rt.a -ldl -lpthread
 * Usage: no_driver EXPECTED_CODE  (5: no driver, 6: no device, ...)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onnxc/runtime.h>
#include ONNXC_MODEL_HEADER

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

int main(int argc, char **argv) {
  const onnxc_model_info *info = CAT(ONNXC_MODEL, _info)();
  static char buffers[64][16];
  void *inputs[32], *outputs[32];
  int i, expected, load, run, run_async;
  if (argc != 2)
    return 2;
  expected = atoi(argv[1]);
  if (info->workspace_align < 256 || info->num_inputs > 32 || info->num_outputs > 32)
    return 3;
  for (i = 0; i < info->num_inputs; ++i)
    inputs[i] = buffers[i];
  for (i = 0; i < info->num_outputs; ++i)
    outputs[i] = buffers[32 + i];
  /* A NULL input is refused before the driver is touched. */
  if (info->num_inputs > 0 &&
      CAT(ONNXC_MODEL, _run)(NULL, outputs, buffers[63]) != ONNXC_ERR_NULL_INPUT)
    return 4;
  load = CAT(ONNXC_MODEL, _load)();
  /* 256-byte aligned fake workspace: never dereferenced, loading fails first. */
  run = CAT(ONNXC_MODEL, _run)((const void *const *)inputs, outputs, (void *)(size_t)4096);
  run_async = CAT(ONNXC_MODEL, _run_async)((const void *const *)inputs, outputs, (void *)(size_t)4096, NULL);
  CAT(ONNXC_MODEL, _unload)();
  printf("load=%d run=%d run_async=%d: %s (%s)\n", load, run, run_async, onnxc_error_string(run),
         onnxc_cuda_last_error());
  if (load != expected || run != expected || run_async != expected || !*onnxc_cuda_last_error() ||
      !strcmp(onnxc_error_string(run), onnxc_error_string(-1)))
    return 1;
  return 0;
}
