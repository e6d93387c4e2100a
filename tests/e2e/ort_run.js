// Runs models in onnxruntime-node. Reads a JSON job list from the file given:
// [{"model": path, "inputs": {name: {"dims": [...], "type": T, "data": base64}},
//   "fetches": [name, ...] (optional: only these outputs),
//   "all_outputs": true (optional: every output's data, not only float32 and float16),
//   "options": {...} (optional: session options, e.g. {"graphOptimizationLevel": "disabled"})}]
// T is float32, float16 or int64, or any other numeric type of onnxruntime-node (float64,
// int8, uint8, int16, uint16, int32, uint32, uint64) or bool (one byte each); data holds
// the raw little-endian bytes. A string tensor has "type": "string" and "strings": [...].
// Prints one JSON line per job: {"model", "ok", "error", "outputs": {name: {"dims", "type", "data"}}}.
// float32 and float16 outputs carry their raw bytes (base64) so that callers can compare bit
// for bit; other types come with empty data unless the job asks for all_outputs (strings
// then come as "strings").
const fs = require('fs');
const ort = require('onnxruntime-node');

const ARRAYS = {
  float32: Float32Array, float16: Uint16Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array,
  int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array,
  uint64: BigUint64Array, bool: Uint8Array,
};

function toTensor(spec) {
  if (spec.type === 'string') return new ort.Tensor('string', spec.strings, spec.dims);
  const buf = Buffer.from(spec.data, 'base64');
  const copy = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);  // aligned
  const Ctor = ARRAYS[spec.type];
  if (!Ctor) throw new Error(`ort_run.js cannot feed type ${spec.type}`);
  return new ort.Tensor(spec.type, new Ctor(copy), spec.dims);
}

function fromTensor(t, all) {
  if (t.type === 'string') return {dims: t.dims, type: t.type, data: '', ...(all ? {strings: t.data} : {})};
  if (t.type !== 'float32' && t.type !== 'float16' && !all) return {dims: t.dims, type: t.type, data: ''};
  return {dims: t.dims, type: t.type,
          data: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64')};
}

(async () => {
  const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  for (const job of jobs) {
    try {
      const session = await ort.InferenceSession.create(job.model, job.options || {});
      const feeds = {};
      for (const [name, spec] of Object.entries(job.inputs)) feeds[name] = toTensor(spec);
      const results = job.fetches ? await session.run(feeds, job.fetches) : await session.run(feeds);
      const outputs = {};
      for (const [name, t] of Object.entries(results)) outputs[name] = fromTensor(t, job.all_outputs);
      console.log(JSON.stringify({model: job.model, ok: true, error: '', outputs}));
    } catch (e) {
      console.log(JSON.stringify({model: job.model, ok: false, error: String(e.message || e), outputs: {}}));
    }
  }
})();
