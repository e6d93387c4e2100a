// onnxruntime 1.30's CPU execution provider: its kernel registrations for the
// floating-point types, from onnxruntime's documented registrations
// (docs/OperatorKernels.md, "Operators implemented by CPUExecutionProvider",
// domain ai.onnx), checked against the real runtime by tests/e2e/ort_target_test.py.
// Where 1.30 itself has more than the documented table said, the runtime won: Clip-13
// bfloat16, Cos double, LeakyRelu-16 and PRelu-16 double.
//
// Two behaviours of the runtime beyond the registrations are modelled:
// - float16 runs wherever a float kernel exists: onnxruntime's InsertCastTransformer
//   casts float16 nodes without a float16 CPU kernel to float32;
// - LayerNormalization-17 without a kernel for its type is replaced by its ONNX
//   function body, which computes in stash_type (float32 by default) between Casts.
// Types other than bfloat16/float16/float/double, and ops not listed, are not judged.
#include <map>
#include <sstream>

#include "lint/dtype.h"
#include "lint/target.h"

namespace onnxtidy {
namespace {

// op, first and last op version (0: open), then "PARAM=types" with b=bfloat16,
// h=float16, f=float, d=double.
const char* const kKernels = R"(
Abs 6 0 T=fd
Acos 7 0 T=f
Acosh 9 0 T=f
Add 7 0 T=fd
ArgMax 1 0 T=fd
ArgMin 1 0 T=fd
Asin 7 0 T=f
Asinh 9 0 T=f
Atan 7 0 T=f
Atanh 9 0 T=f
AveragePool 7 0 T=f
BatchNormalization 7 14 T=fd U=fd
BatchNormalization 15 0 T=fd T1=fd T2=fd
BlackmanWindow 17 0 T2=fd
Cast 6 0 T1=bhfd T2=bhfd
Ceil 6 0 T=fd
Celu 12 0 T=f
Clip 6 11 T=f
Clip 12 12 T=hfd
Clip 13 0 T=bhfd
Compress 9 0 T=bhfd
Concat 4 0 T=bhfd
ConstantOfShape 9 0 T2=bhfd
Conv 1 0 T=f
ConvTranspose 1 0 T=f
Cos 7 0 T=fd
Cosh 9 0 T=f
CumSum 11 0 T=fd
DFT 17 0 T1=fd
DepthToSpace 1 0 T=fd
Det 11 0 T=f
Div 7 0 T=fd
Dropout 7 11 T=hfd
Dropout 12 0 T=fd T1=fd
Einsum 12 0 T=fd
Elu 6 0 T=f
Equal 7 0 T=fd
Erf 9 0 T=f
Exp 6 0 T=fd
Expand 8 0 T=hfd
EyeLike 9 0 T1=fd T2=fd
Flatten 1 0 T=bhfd
Floor 6 0 T=fd
GRU 7 0 T=fd
Gather 1 0 T=bhfd
GatherElements 11 0 T=bhfd
GatherND 11 0 T=bhfd
Gemm 7 0 T=fd
GlobalAveragePool 1 0 T=f
GlobalLpPool 2 0 T=f
GlobalMaxPool 1 0 T=f
Greater 7 0 T=fd
GreaterOrEqual 12 0 T=fd
GridSample 16 19 T1=f T2=f
HammingWindow 17 0 T2=fd
HannWindow 17 0 T2=fd
HardSigmoid 6 0 T=f
Hardmax 1 0 T=f
Identity 1 13 T=bhfd
Identity 14 0 V=bhfd
InstanceNormalization 6 0 T=f
IsInf 10 19 T1=fd
IsNaN 9 19 T1=hfd
LRN 1 0 T=f
LSTM 7 0 T=fd
LayerNormalization 17 0 T=hfd U=f
LeakyRelu 6 15 T=f
LeakyRelu 16 0 T=fd
Less 7 0 T=fd
LessOrEqual 12 0 T=fd
Log 6 0 T=fd
LogSoftmax 1 0 T=fd
LpNormalization 1 0 T=fd
LpPool 2 0 T=f
MatMul 1 0 T=fd
Max 6 7 T=f
Max 8 11 T=fd
Max 12 0 T=hfd
MaxPool 1 7 T=f
MaxPool 8 0 T=fd
MaxRoiPool 1 0 T=f
MaxUnpool 9 0 T1=f
Mean 6 0 T=f
MeanVarianceNormalization 1 0 T=f
Min 6 7 T=f
Min 8 11 T=fd
Min 12 0 T=hfd
Mod 10 0 T=hfd
Mul 7 0 T=fd
Multinomial 7 0 T1=f
Neg 6 0 T=fd
NonZero 9 0 T=f
OneHot 9 0 T1=f T2=f T3=f
PRelu 7 15 T=f
PRelu 16 0 T=fd
Pad 2 0 T=fd
Pow 7 11 T=fd
Pow 12 0 T=fd T1=fd
QuantizeLinear 10 18 T1=f
RNN 7 0 T=f
RandomNormal 1 0 T=fd
RandomNormalLike 1 0 T1=bhfd T2=fd
RandomUniform 1 0 T=fd
RandomUniformLike 1 0 T1=bhfd T2=fd
Range 11 0 T=fd
Reciprocal 6 0 T=fd
ReduceL1 1 0 T=fd
ReduceL2 1 0 T=fd
ReduceLogSum 1 0 T=fd
ReduceLogSumExp 1 0 T=fd
ReduceMax 1 0 T=fd
ReduceMean 1 0 T=fd
ReduceMin 1 0 T=fd
ReduceProd 1 0 T=fd
ReduceSum 1 0 T=fd
ReduceSumSquare 1 0 T=fd
Relu 6 0 T=fd
Reshape 1 0 T=bhfd
Resize 10 10 T=f
Resize 11 0 T1=f
ReverseSequence 10 0 T=bhfd
RoiAlign 10 0 T1=fd
Round 11 0 T=hfd
STFT 17 0 T1=fd
Scatter 9 10 T=bhfd
ScatterElements 11 0 T=bhfd
ScatterND 11 0 T=bhfd
Selu 6 0 T=f
Shape 1 0 T=bhfd
Shrink 9 0 T=bhfd
Sigmoid 6 0 T=fd
Sign 9 0 T=bhfd
Sin 7 0 T=fd
Sinh 9 0 T=f
Size 1 0 T=fd
Slice 1 0 T=bhfd
Softmax 1 0 T=fd
Softplus 1 0 T=f
Softsign 1 0 T=f
SpaceToDepth 1 0 T=fd
Split 2 0 T=bhfd
Sqrt 6 0 T=fd
Squeeze 1 0 T=bhfd
Sub 7 0 T=fd
Sum 6 0 T=fd
Tan 7 0 T=f
Tanh 6 0 T=fd
ThresholdedRelu 1 0 T=f
Tile 6 0 T=fd
TopK 1 0 T=fd
Transpose 1 0 T=bhfd
Trilu 14 0 T=fd
Unique 11 0 T=fd
Unsqueeze 1 0 T=bhfd
Upsample 7 9 T=f
Where 9 0 T=fd
)";

struct KernelRange {
  int first = 0;
  int last = 0;                               // 0: open-ended
  std::map<std::string, std::string> params;  // param -> type letters
};

int32_t FromLetter(char c) {
  switch (c) {
    case 'b': return kBfloat16;
    case 'h': return kFloat16;
    case 'f': return kFloat;
    case 'd': return kDouble;
    default: return kUndefined;
  }
}

std::map<std::string, std::vector<KernelRange>> ParseTable() {
  std::map<std::string, std::vector<KernelRange>> table;
  std::istringstream lines(kKernels);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string op;
    KernelRange r;
    if (!(fields >> op >> r.first >> r.last)) continue;
    std::string param;
    while (fields >> param) {
      auto eq = param.find('=');
      r.params[param.substr(0, eq)] = param.substr(eq + 1);
    }
    table[op].push_back(std::move(r));
  }
  return table;
}

std::string Describe(const std::string& letters) {
  std::string out;
  for (const char* order = "dfhb"; *order; ++order) {
    if (letters.find(*order) == std::string::npos) continue;
    out += (out.empty() ? "" : ", ") + DtypeName(FromLetter(*order));
  }
  return out.empty() ? "none of the floating-point types" : out;
}

bool StashIsFloat(const NodeRecord& node) {
  const onnx::AttributeProto* stash = FindAttribute(*node.proto, "stash_type");
  return stash == nullptr || stash->i() == kFloat;  // the default stash_type is float
}

class OnnxruntimeCpu final : public Target {
 public:
  const std::string& name() const override {
    static const std::string kName = "onnxruntime-cpu";
    return kName;
  }
  const std::string& description() const override {
    static const std::string kText = "onnxruntime 1.30, CPU execution provider";
    return kText;
  }

  KernelVerdict Check(const NodeRecord& node, const std::string& param, int32_t type) const override {
    KernelVerdict v;
    if (!node.domain.empty() || node.schema == nullptr || !IsFloatingPoint(type) || DtypeBits(type) < 16) return v;
    static const auto table = ParseTable();
    auto op = table.find(node.op_type());
    if (op == table.end()) return v;
    const int version = node.schema->SinceVersion();
    for (const KernelRange& r : op->second) {
      if (version < r.first || (r.last != 0 && version > r.last)) continue;
      auto p = r.params.find(param);
      if (p == r.params.end()) return v;
      v.judged = true;
      v.available = Describe(p->second);
      auto has = [&](char c) { return p->second.find(c) != std::string::npos; };
      const char letter = type == kBfloat16 ? 'b' : type == kFloat16 ? 'h' : type == kFloat ? 'f' : 'd';
      v.supported = has(letter);
      // Clip in bfloat16 runs as ONNX's function body, whose Where takes bfloat16 only
      // from Where-16: with min or max given, a model below opset 16 fails to load
      // ("Type 'tensor(bfloat16)' of input parameter ... of operator (Where) ... is invalid").
      if (v.supported && type == kBfloat16 && node.op_type() == "Clip" && node.opset < 16 && node.inputs.size() > 1) {
        v.supported = false;
        v.available += " (bfloat16 only from opset 16, through its function body)";
      }
      if (!v.supported && type == kFloat16 && has('f')) {
        v.supported = true;
        v.note = "runs in float32 between Casts that onnxruntime inserts";
      }
      if (!v.supported && node.op_type() == "LayerNormalization" && StashIsFloat(node)) {
        v.supported = true;
        v.note = "onnxruntime runs ONNX's function body, which computes in float32 (stash_type)";
      }
      return v;
    }
    // The op is listed but no kernel covers this version of it.
    v.judged = true;
    v.supported = false;
    v.available = "no kernel for " + node.op_type() + "-" + std::to_string(version);
    return v;
  }
};

}  // namespace

const Target& OnnxruntimeCpuTarget() {
  static const OnnxruntimeCpu kTarget;
  return kTarget;
}

}  // namespace onnxtidy
