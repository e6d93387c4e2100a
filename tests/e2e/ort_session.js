// Creates an onnxruntime-node session for each model path given; prints one JSON line
// per model: {"path", "ok", "error"}. Graph optimizations are off so that the kernel
// registry, not a rewrite, decides.
const ort = require('onnxruntime-node');

(async () => {
  for (const path of process.argv.slice(2)) {
    try {
      await ort.InferenceSession.create(path, {graphOptimizationLevel: 'disabled'});
      console.log(JSON.stringify({path, ok: true, error: ''}));
    } catch (e) {
      console.log(JSON.stringify({path, ok: false, error: String(e.message || e)}));
    }
  }
})();
