// ort_time.js - time ONNX Runtime (CPU, fp32) on one model and check its output.
//
//   node ort_time.js ORT_DIR MODEL.onnx IN.bin REF.bin [--threads N] [--warmup N]
//                    [--runs N] [--min-time S]
//
// ORT_DIR holds node_modules/onnxruntime-node (bench/net/run.sh installs it
// there with `npm install --ignore-scripts onnxruntime-node`). IN and REF are
// raw float32; the input is 1x3x224x224 (the size of IN decides: N x 3 x S x S).
// Session: CPU execution provider, intra-op threads N (default 1), one inter-op
// thread, sequential execution, all graph optimizations. Prints the same
// `check ...` and `time ...` lines as harness.c; timing is process.hrtime
// (monotonic) around each awaited session.run; cpu_median_ms from process.cpuUsage
// (the whole process: every thread).
'use strict';
const fs = require('fs');
const path = require('path');

function readF32(file) {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

function argmax(v) {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

async function main() {
  const args = process.argv.slice(2);
  const opt = { threads: 1, warmup: 3, runs: 11, 'min-time': 2 };
  const pos = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith('--')) opt[args[i].slice(2)] = Number(args[++i]);
    else pos.push(args[i]);
  }
  if (pos.length !== 4) {
    console.error('usage: node ort_time.js ORT_DIR MODEL.onnx IN.bin REF.bin [--threads N] ...');
    process.exit(2);
  }
  const [ortDir, model, inFile, refFile] = pos;
  const ort = require(path.resolve(ortDir, 'node_modules', 'onnxruntime-node'));
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: opt.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const x = readF32(inFile);
  const side = Math.round(Math.sqrt(x.length / 3));
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, [1, 3, side, side]) };
  const outName = session.outputNames[0];

  const out = (await session.run(feeds))[outName].data;
  const ref = readF32(refFile);
  let maxAbs = 0, refMax = 0, far = 0;
  for (let i = 0; i < ref.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(out[i] - ref[i]));
    refMax = Math.max(refMax, Math.abs(ref[i]));
  }
  for (let i = 0; i < ref.length; i++) if (!(Math.abs(out[i] - ref[i]) <= 1e-3 * refMax)) far++;
  if (out.length !== ref.length) far = Math.max(far, 1);
  console.log(`check n=${out.length} max_abs=${maxAbs.toPrecision(3)} ref_max=${refMax.toPrecision(4)} ` +
    `rel=${(maxAbs / refMax).toPrecision(3)} far=${far} top1=${argmax(out)} top1_ref=${argmax(ref)}`);

  for (let i = 0; i < opt.warmup; i++) await session.run(feeds);
  const times = [], cpu = [];
  const start = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - start) * 1e-9;
  while (times.length < opt.runs || elapsed() < opt['min-time']) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) * 1e-6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) * 1e-3);
  }
  const total = times.reduce((a, b) => a + b, 0);
  console.log(`time warmup=${opt.warmup} runs=${times.length} median_ms=${median(times).toFixed(4)} ` +
    `min_ms=${Math.min(...times).toFixed(4)} mean_ms=${(total / times.length).toFixed(4)} ` +
    `total_s=${(total * 1e-3).toFixed(3)} cpu_median_ms=${median(cpu).toFixed(4)} threads=${opt.threads}`);
}

main().catch((e) => { console.error('ort_time.js: ' + (e && e.stack || e)); process.exit(1); });
