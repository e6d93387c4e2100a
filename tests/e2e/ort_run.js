// Runs models in onnxruntime-node. Reads a JSON job list from the file given:
// [{"model": path, "inputs": {name: {"dims": [...], "type": "float32"|"float16"|"int64", "data": base64}},
//   "fetches": [name, ...] (optional: only these outputs)}]
// and prints one JSON line per job: {"model", "ok", "error", "outputs": {name: {"dims", "type", "data"}}}.
// float32 and float16 outputs carry their raw bytes (base64) so that callers can compare bit
// for bit; other types come with empty data.
const fs = require('fs');
const ort = require('onnxruntime-node');

function toTensor(spec) {
  const buf = Buffer.from(spec.data, 'base64');
  const copy = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);  // aligned
  if (spec.type === 'int64') return new ort.Tensor('int64', new BigInt64Array(copy), spec.dims);
  if (spec.type === 'float16') return new ort.Tensor('float16', new Uint16Array(copy), spec.dims);
  return new ort.Tensor('float32', new Float32Array(copy), spec.dims);
}

(async () => {
  const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  for (const job of jobs) {
    try {
      const session = await ort.InferenceSession.create(job.model);
      const feeds = {};
      for (const [name, spec] of Object.entries(job.inputs)) feeds[name] = toTensor(spec);
      const results = job.fetches ? await session.run(feeds, job.fetches) : await session.run(feeds);
      const outputs = {};
      for (const [name, t] of Object.entries(results)) {
        if (t.type !== 'float32' && t.type !== 'float16') {
          outputs[name] = {dims: t.dims, type: t.type, data: ''};
          continue;
        }
        outputs[name] = {dims: t.dims, type: t.type,
                         data: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64')};
      }
      console.log(JSON.stringify({model: job.model, ok: true, error: '', outputs}));
    } catch (e) {
      console.log(JSON.stringify({model: job.model, ok: false, error: String(e.message || e), outputs: {}}));
    }
  }
})();
