/* kws_demo.c: runs the compiled keyword-spotting CNN on one MFCC frame file and prints its scores. */
#include "kws.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  const onnxc_model_info *info = kws_info();
  static float input[1 * 1 * 49 * 10], scores[12];
  FILE *f;
  void *workspace;
  const void *inputs[1];
  void *outputs[1];
  int i, best = 0, rc;
  if (argc != 2 || !(f = fopen(argv[1], "rb")) || fread(input, sizeof input, 1, f) != 1) {
    fprintf(stderr, "usage: %s INPUT.bin (%d floats)\n", argv[0], (int)(sizeof input / sizeof *input));
    return 1;
  }
  fclose(f);
  workspace = aligned_alloc(info->workspace_align,
                            (kws_WORKSPACE_SIZE + info->workspace_align - 1) / info->workspace_align * info->workspace_align + info->workspace_align);
  inputs[0] = input;
  outputs[0] = scores;
  rc = kws_run(inputs, outputs, workspace);
  if (rc != 0) {
    fprintf(stderr, "kws_run failed: %s\n", onnxc_error_string(rc));
    return 1;
  }
  printf("model '%s': %d input(s), %d output(s), workspace %zu bytes\n", info->name, info->num_inputs,
         info->num_outputs, info->workspace_size);
  for (i = 0; i < 12; ++i) {
    printf("class %2d: %+.5f\n", i, scores[i]);
    if (scores[i] > scores[best])
      best = i;
  }
  printf("predicted class: %d\n", best);
  free(workspace);
  return 0;
}
