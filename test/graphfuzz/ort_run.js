// Runs many ONNX models under ONNX Runtime (onnxruntime-node, CPU) and writes their outputs as raw files.
'use strict';

// Usage: node ort_run.js [--node-modules DIR] [--opt disabled|basic|extended|all] DIR...
// Each DIR holds model.onnx and inputs.json, a list of {name, type, dims, file[, pfile]}
// (raw little-endian data, file relative to DIR). Writes DIR/ort.json:
// {"outputs": [{name, type, dims, file[, pfile]}]} with the raw outputs beside it (ort_out<i>.bin),
// or {"error": message} when ORT rejects the model or fails to run it. When inputs have a
// pfile (perturbed values) the model runs again on those, giving each output's pfile.
// Directories may also be given one per line on stdin ("-").

const fs = require('fs');
const path = require('path');

const ARRAYS = {
  float32: Float32Array, float64: Float64Array, int64: BigInt64Array, int32: Int32Array,
  int8: Int8Array, uint8: Uint8Array, bool: Uint8Array,
};

function loadOrt(dirs) {
  for (const d of dirs) {
    try {
      return require(path.join(d, 'onnxruntime-node'));
    } catch (e) {
      if (e.code !== 'MODULE_NOT_FOUND') throw e;
    }
  }
  process.stderr.write(`ort_run: error: onnxruntime-node not found in ${dirs.join(', ')}\n`);
  process.exit(2);
}

function readTensor(ort, dir, t, file) {
  const buf = fs.readFileSync(path.join(dir, file));
  const A = ARRAYS[t.type];
  if (!A) throw new Error(`unsupported input type ${t.type}`);
  // Copy into a fresh, aligned array (a Buffer may start at an odd offset).
  const data = new A(buf.length / A.BYTES_PER_ELEMENT);
  new Uint8Array(data.buffer).set(buf);
  return new ort.Tensor(t.type, data, t.dims);
}

async function runOne(ort, dir, opt) {
  const inputs = JSON.parse(fs.readFileSync(path.join(dir, 'inputs.json')));
  const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'), {
    executionProviders: ['cpu'], graphOptimizationLevel: opt,
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', logSeverityLevel: 3,
  });
  const feeds = {};
  for (const t of inputs) feeds[t.name] = readTensor(ort, dir, t, t.file);
  const results = await session.run(feeds);
  const save = (r, file) => {
    fs.writeFileSync(path.join(dir, file), Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength));
    return file;
  };
  const outputs = session.outputNames.map((name, i) => {
    const r = results[name];
    return { name, type: r.type, dims: r.dims.map(Number), file: save(r, `ort_out${i}.bin`) };
  });
  if (inputs.some((t) => t.pfile)) {  // again on the perturbed inputs
    for (const t of inputs) feeds[t.name] = readTensor(ort, dir, t, t.pfile || t.file);
    const perturbed = await session.run(feeds);
    session.outputNames.forEach((name, i) => { outputs[i].pfile = save(perturbed[name], `ort_pout${i}.bin`); });
  }
  if (session.release) await session.release();
  return { outputs };
}

async function main() {
  const argv = process.argv.slice(2);
  const moduleDirs = [];
  let opt = 'all';
  let dirs = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--node-modules') moduleDirs.push(argv[++i]);
    else if (argv[i] === '--opt') opt = argv[++i];
    else if (argv[i] === '-') dirs = dirs.concat(fs.readFileSync(0, 'utf8').split('\n').filter((l) => l));
    else dirs.push(argv[i]);
  }
  moduleDirs.push(path.join(__dirname, '..', '..', 'bench', 'node_modules'));
  const ort = loadOrt(moduleDirs);
  for (const dir of dirs) {
    let result;
    try {
      result = await runOne(ort, dir, opt);
    } catch (e) {
      result = { error: String(e && e.message ? e.message : e).split('\n')[0] };
    }
    fs.writeFileSync(path.join(dir, 'ort.json'), JSON.stringify(result));
  }
}

main().catch((e) => {
  process.stderr.write(`ort_run: error: ${e.stack || e}\n`);
  process.exit(1);
});
