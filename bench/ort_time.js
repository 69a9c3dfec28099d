// Times one ONNX model under ONNX Runtime (onnxruntime-node, CPU) and optionally saves its output.
'use strict';

// Usage:
//   node bench/ort_time.js MODEL.onnx INPUT.bin SHAPE THREADS REPEATS [OUTPUT.bin]
// SHAPE is like 1x3x224x224; INPUT.bin holds raw little-endian float32 data.
// Prints `median_us=<v>` (median of REPEATS timed runs after one warm-up) and writes
// the first output as raw float32 to OUTPUT.bin when given. onnxruntime-node is
// looked up from bench/node_modules (npm install --prefix bench ...).

const fs = require('fs');
const path = require('path');

function die(msg) {
  process.stderr.write(`ort_time: error: ${msg}\n`);
  process.exit(1);
}

function loadOrt() {
  const candidates = [path.join(__dirname, 'node_modules', 'onnxruntime-node'),
                      'onnxruntime-node'];
  for (const c of candidates) {
    try {
      return require(c);
    } catch (e) {
      if (e.code !== 'MODULE_NOT_FOUND') throw e;
    }
  }
  die('onnxruntime-node not found; run: ' +
      'npm install --prefix bench --ignore-scripts onnxruntime-node@1.30.0');
}

function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv.length < 5 || argv.length > 6) {
    die('usage: ort_time.js MODEL.onnx INPUT.bin SHAPE THREADS REPEATS [OUTPUT.bin]');
  }
  const [modelPath, inputPath, shapeStr, threadsStr, repeatsStr, outPath] = argv;
  const shape = shapeStr.split('x').map((d) => Number.parseInt(d, 10));
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) die(`bad shape '${shapeStr}'`);
  const threads = Number.parseInt(threadsStr, 10);
  const repeats = Number.parseInt(repeatsStr, 10);
  if (!(threads >= 1)) die(`bad thread count '${threadsStr}'`);
  if (!(repeats >= 1)) die(`bad repeat count '${repeatsStr}'`);

  const ort = loadOrt();
  const count = shape.reduce((a, b) => a * b, 1);
  const buf = fs.readFileSync(inputPath);
  if (buf.length !== count * 4) {
    die(`${inputPath}: ${buf.length} bytes, expected ${count * 4} for float32 ${shapeStr}`);
  }
  // Copy into an aligned Float32Array (the Buffer may start at an odd offset).
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = buf.readFloatLE(i * 4);

  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const feeds = {};
  feeds[session.inputNames[0]] = new ort.Tensor('float32', data, shape);

  let results = await session.run(feeds);  // warm-up
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    results = await session.run(feeds);
    const t1 = process.hrtime.bigint();
    times.push(Number(t1 - t0) / 1000.0);
  }
  process.stdout.write(`median_us=${median(times).toFixed(1)}\n`);

  if (outPath) {
    const out = results[session.outputNames[0]];
    const od = out.data;
    const ob = Buffer.alloc(od.length * 4);
    for (let i = 0; i < od.length; i++) ob.writeFloatLE(od[i], i * 4);
    fs.writeFileSync(outPath, ob);
    process.stderr.write(`ort_time: output ${out.dims.join('x')} -> ${outPath}\n`);
  }
}

main().catch((e) => die(e && e.stack ? e.stack : String(e)));
