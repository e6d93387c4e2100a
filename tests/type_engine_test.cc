#include "lint/type_engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lint/dtype.h"
#include "lint/provenance.h"
#include "tests/test_util.h"

namespace onnxtidy {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::Parse;
using testing::ToInitializer;

// The value named `name` defined in the graph at `path` (last definition wins).
const ValueRecord* Find(const TypedModel& tm, const std::string& path, const std::string& name) {
  const ValueRecord* found = nullptr;
  for (const ValueRecord& v : tm.values) {
    if (v.name == name && tm.graphs[static_cast<size_t>(v.graph)].path == path) found = &v;
  }
  EXPECT_NE(found, nullptr) << path << " has no value '" << name << "'";
  return found;
}

int IdOf(const TypedModel& tm, const ValueRecord* v) { return static_cast<int>(v - tm.values.data()); }

TEST(TypeEngine, SourcesAndProvenance) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,4] x, bfloat16[4,4] W) => (float[1,4] y) {
  c = Constant <value = float[1] {1.0}> ()
  h = Cast <to = 16> (x)
  r = Relu (h)
  y = Add (x, c)
})");
  ToInitializer(m, "W");
  TypedModel tm = AnalyzeTypes(m);
  EXPECT_EQ(Find(tm, "main", "x")->origin, OriginKind::kGraphInput);
  EXPECT_EQ(Find(tm, "main", "W")->origin, OriginKind::kInitializer);
  EXPECT_TRUE(Find(tm, "main", "W")->constant);
  EXPECT_EQ(Find(tm, "main", "W")->type_string(), "tensor(bfloat16)");
  EXPECT_EQ(Find(tm, "main", "c")->origin, OriginKind::kConstantNode);
  EXPECT_TRUE(Find(tm, "main", "c")->constant);
  const ValueRecord* h = Find(tm, "main", "h");
  EXPECT_EQ(h->type_string(), "tensor(bfloat16)");
  EXPECT_EQ(h->origin, OriginKind::kNodeOutput);
  EXPECT_EQ(h->from, -1);  // the Cast's own attribute decided it
  const ValueRecord* r = Find(tm, "main", "r");
  EXPECT_EQ(r->type_string(), "tensor(bfloat16)");
  EXPECT_EQ(r->from, IdOf(tm, h));
  Provenance p = TraceDtype(tm, IdOf(tm, r), "input X");
  EXPECT_EQ(p.origin, "output of Cast #1 (to=bfloat16), via Relu #2");
  ASSERT_EQ(p.chain.size(), 2u);
  EXPECT_EQ(p.chain[1].op_type, "Cast");
}

TEST(TypeEngine, SubgraphsSeeOuterScopeAndGetTheirOwnPaths) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, bfloat16[2] W, bool c) => (float[2] y) {
  y = If (c) <then_branch = t () => (float[2] o) { o = Add (x, x) },
              else_branch = e () => (float[2] o2) { o2 = Identity (W) }>
})");
  TypedModel tm = AnalyzeTypes(m);
  ASSERT_EQ(tm.graphs.size(), 3u);
  EXPECT_EQ(tm.graphs[1].path, "main/#0(If).then_branch");
  EXPECT_EQ(tm.graphs[2].path, "main/#0(If).else_branch");
  EXPECT_EQ(Find(tm, "main/#0(If).else_branch", "o2")->type_string(), "tensor(bfloat16)");
  // The branches disagree: onnx's inference refuses, we take the then-branch's type.
  EXPECT_EQ(Find(tm, "main", "y")->type_string(), "tensor(float)");
  EXPECT_EQ(Find(tm, "main", "y")->from, IdOf(tm, Find(tm, "main/#0(If).then_branch", "o")));
}

TEST(TypeEngine, LoopBodyInputsAreTypedByTheLoop) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (int64 n, bool c, bfloat16[2] v0) => (bfloat16[2] v) {
  v = Loop (n, c, v0) <body = b (i, cond, acc) => (cond_out, acc_out) {
    cond_out = Identity (cond)
    acc_out = Add (acc, acc)
  }>
})");
  TypedModel tm = AnalyzeTypes(m);
  const std::string body = "main/#0(Loop).body";
  EXPECT_EQ(Find(tm, body, "i")->type_string(), "tensor(int64)");
  EXPECT_EQ(Find(tm, body, "i")->origin, OriginKind::kSubgraphInput);
  EXPECT_EQ(Find(tm, body, "cond")->type_string(), "tensor(bool)");
  EXPECT_EQ(Find(tm, body, "acc")->type_string(), "tensor(bfloat16)");
  EXPECT_EQ(Find(tm, body, "acc_out")->type_string(), "tensor(bfloat16)");
  EXPECT_EQ(Find(tm, "main", "v")->type_string(), "tensor(bfloat16)");
  EXPECT_EQ(Find(tm, "main", "v")->from, IdOf(tm, Find(tm, body, "acc_out")));
}

TEST(TypeEngine, FunctionsAreInstantiatedPerCallSite) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (float[2] x, bfloat16[2] b) => (float[2] y, bfloat16[2] z) {
  y = local.Double (x)
  z = local.Double (b)
}
<domain: "local", opset_import: ["" : 17]>
Double (a) => (r) {
  r = Add (a, a)
})");
  TypedModel tm = AnalyzeTypes(m);
  EXPECT_EQ(Find(tm, "main/#0(Double).function", "r")->type_string(), "tensor(float)");
  EXPECT_EQ(Find(tm, "main/#1(Double).function", "r")->type_string(), "tensor(bfloat16)");
  EXPECT_EQ(Find(tm, "main", "y")->type_string(), "tensor(float)");
  EXPECT_EQ(Find(tm, "main", "z")->type_string(), "tensor(bfloat16)");
  // The dtype of 'z' leads back through the function body to the caller's input.
  Provenance p = TraceDtype(tm, IdOf(tm, Find(tm, "main", "z")), "");
  EXPECT_EQ(p.chain.back().how, "graph input 'b'");
}

TEST(TypeEngine, RecursiveAndExplodingFunctionCallsAreCutWithANotice) {
  // F calls itself twice: followed, it would never end (and doubles at every level).
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (float[2] x) => (float[2] y) { y = local.F (x) }
<domain: "local", opset_import: ["" : 17, "local" : 1]>
F (a) => (b) { t = local.F (a) b = local.F (t) })");
  TypedModel tm = AnalyzeTypes(m);
  EXPECT_EQ(tm.graphs.size(), 2u);  // main, and F's one instance
  EXPECT_THAT(tm.notices, ::testing::Contains(::testing::HasSubstr("'local.F' calls itself")));

  // No recursion, but each of 24 functions calls the next twice: 2^24 calls.
  std::string text = R"(<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (float[2] x) => (float[2] y) { y = local.F0 (x) })";
  for (int i = 0; i < 24; ++i) {
    const std::string next = "local.F" + std::to_string(i + 1);
    text += "\n<domain: \"local\", opset_import: [\"\" : 17, \"local\" : 1]>\nF" + std::to_string(i) +
            " (a) => (b) { t = " + next + " (a) b = " + next + " (t) }";
  }
  text += "\n<domain: \"local\", opset_import: [\"\" : 17]>\nF24 (a) => (b) { b = Relu (a) }";
  TypedModel wide = AnalyzeTypes(Parse(text));
  EXPECT_LT(wide.nodes.size(), 300000u);
  EXPECT_THAT(wide.notices, ::testing::Contains(::testing::HasSubstr("further calls are not followed")));
}

TEST(TypeEngine, FunctionAttributeReferencesUseTheCallersValue) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (float[2] x) => (bfloat16[2] y) {
  y = local.CastTo <to = 16> (x)
}
<domain: "local", opset_import: ["" : 17]>
CastTo <to> (a) => (r) {
  r = Cast <to : int = @to> (a)
})");
  TypedModel tm = AnalyzeTypes(m);
  EXPECT_EQ(Find(tm, "main", "y")->type_string(), "tensor(bfloat16)");
}

TEST(TypeEngine, UnknownStaysUnknownAndValueInfoFillsIn) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17, "custom" : 1]>
g (float[2] x) => (float[2] y) {
  u = custom.Mystery (x)
  k = custom.Known (x)
  r = Relu (u)
  y = Add (x, k)
})");
  auto* vi = m.mutable_graph()->add_value_info();
  vi->set_name("k");
  *vi->mutable_type() = TensorType(kFloat16);
  TypedModel tm = AnalyzeTypes(m);
  EXPECT_FALSE(Find(tm, "main", "u")->Known());
  EXPECT_FALSE(Find(tm, "main", "r")->Known());
  EXPECT_EQ(Find(tm, "main", "k")->origin, OriginKind::kValueInfo);
  EXPECT_EQ(Find(tm, "main", "k")->type_string(), "tensor(float16)");
}

TEST(TypeEngine, AConflictKeepsTheActivationsType) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2,2] x, bfloat16[2,2] W, float[2,2] V) => (float[2,2] y) {
  h = Cast <to = 16> (x)
  a = MatMul (W, x)
  b = MatMul (h, V)
  y = Identity (a)
})");
  ToInitializer(m, "W");
  ToInitializer(m, "V");
  TypedModel tm = AnalyzeTypes(m);
  EXPECT_EQ(Find(tm, "main", "a")->type_string(), "tensor(float)");  // W is a weight, x flows
  EXPECT_EQ(Find(tm, "main", "b")->type_string(), "tensor(bfloat16)");
}

TEST(TypeEngine, NewerOpsetsAreCheckedWithANotice) {
  onnx::ModelProto m = Parse(R"(<ir_version: 10, opset_import: ["" : 21]>
g (float[2] x) => (float[2] y) { y = Relu (x) })");
  TypedModel tm = AnalyzeTypes(m);
  ASSERT_EQ(tm.notices.size(), 1u);
  EXPECT_NE(tm.notices[0].find("ai.onnx opset 21"), std::string::npos) << tm.notices[0];
  EXPECT_NE(tm.notices[0].find("IR version 10"), std::string::npos) << tm.notices[0];
  EXPECT_EQ(Find(tm, "main", "y")->type_string(), "tensor(float)");
  ASSERT_NE(tm.nodes[0].schema, nullptr);
}

TEST(TypeEngine, AttributeDrivenOutputTypes) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, int64[1] shape, float16[2] like) => (float[2] y) {
  z = ConstantOfShape <value = int32[1] {7}> (shape)
  d = ConstantOfShape (shape)
  c = CastLike (x, like)
  e = EyeLike <dtype = 16> (x)
  y = Identity (x)
})");
  TypedModel tm = AnalyzeTypes(m);
  EXPECT_EQ(Find(tm, "main", "z")->type_string(), "tensor(int32)");
  EXPECT_EQ(Find(tm, "main", "d")->type_string(), "tensor(float)");  // the default value
  EXPECT_EQ(Find(tm, "main", "c")->type_string(), "tensor(float16)");
  EXPECT_EQ(Find(tm, "main", "c")->from, IdOf(tm, Find(tm, "main", "like")));
  EXPECT_EQ(Find(tm, "main", "e")->type_string(), "tensor(bfloat16)");
}

TEST(TypeEngine, SparseAndExternalInitializersNeedNoBytes) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) { y = Add (x, s) })");
  auto* st = m.mutable_graph()->add_sparse_initializer();
  st->add_dims(2);
  st->mutable_values()->set_name("s");
  st->mutable_values()->set_data_type(kBfloat16);
  auto* ext = m.mutable_graph()->add_initializer();
  ext->set_name("w_ext");
  ext->set_data_type(kFloat16);
  ext->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* loc = ext->add_external_data();
  loc->set_key("location");
  loc->set_value("does-not-exist.bin");
  TypedModel tm = AnalyzeTypes(m);
  EXPECT_EQ(Find(tm, "main", "s")->origin, OriginKind::kSparseInitializer);
  EXPECT_EQ(Find(tm, "main", "s")->type_string(), "tensor(bfloat16)");
  EXPECT_EQ(Find(tm, "main", "w_ext")->type_string(), "tensor(float16)");
}

TEST(TypeEngine, UndefinedNamesAreUnknownNotFatal) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) { y = Add (x, nowhere) })");
  TypedModel tm = AnalyzeTypes(m);
  EXPECT_EQ(tm.values[static_cast<size_t>(tm.nodes[0].inputs[1])].origin, OriginKind::kUndefined);
  EXPECT_EQ(Find(tm, "main", "y")->type_string(), "tensor(float)");
  EXPECT_TRUE(tm.graphs[0].order.sorted);  // a name nothing produces is not waited for
}

// The node at file position `index` of the graph at `path`.
const NodeRecord& NodeAt(const TypedModel& tm, const std::string& path, int index) {
  for (const GraphRecord& g : tm.graphs) {
    if (g.path != path) continue;
    const NodeRecord& n = tm.nodes[static_cast<size_t>(g.nodes[static_cast<size_t>(index)])];
    EXPECT_EQ(n.index, index);
    return n;
  }
  ADD_FAILURE() << "no graph " << path;
  return tm.nodes[0];
}

const ValueRecord& Input(const TypedModel& tm, const NodeRecord& n, int slot) {
  return tm.values[static_cast<size_t>(n.inputs[static_cast<size_t>(slot)])];
}

TEST(TypeEngine, UnsortedNodesAreVisitedInDependencyOrderAndKeepTheirPositions) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,4] x, bfloat16[4,2] W) => (float[1,2] y) {
  y = Relu (h)
  h = MatMul (a, W)
  a = Relu (x)
})");
  ToInitializer(m, "W");
  TypedModel tm = AnalyzeTypes(m);
  const GraphRecord& main = tm.graphs[0];
  EXPECT_THAT(main.order.visit, ElementsAre(2, 1, 0));
  EXPECT_EQ(main.order.stuck, 0);
  // nodes[i] is the node at file position i, whatever the visiting order.
  EXPECT_EQ(NodeAt(tm, "main", 1).op_type(), "MatMul");
  const NodeRecord& matmul = NodeAt(tm, "main", 1);
  EXPECT_EQ(Input(tm, matmul, 0).type_string(), "tensor(float)");  // 'a', computed after it in the file
  ASSERT_EQ(matmul.bindings.size(), 1u);
  EXPECT_TRUE(matmul.bindings[0].conflict);
  EXPECT_EQ(Input(tm, NodeAt(tm, "main", 0), 0).type_string(), "tensor(float)");
  EXPECT_EQ(Find(tm, "main", "y")->type_string(), "tensor(float)");
}

TEST(TypeEngine, ASortedGraphIsVisitedInFileOrder) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) {
  a = Relu (x)
  b = Neg (x)
  y = Add (a, b)
})");
  TypedModel tm = AnalyzeTypes(m);
  EXPECT_TRUE(tm.graphs[0].order.sorted);
  EXPECT_THAT(tm.graphs[0].order.visit, IsEmpty());
  EXPECT_THAT(tm.graphs[0].nodes, ElementsAre(0, 1, 2));
}

TEST(TypeEngine, AmongReadyNodesTheFirstInTheFileGoesFirst) {
  // After 'a', Neg (#0) and Relu (#2) are ready, and Exp (#4) was from the start.
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) {
  c = Neg (a)
  y = Sum (b, c, d)
  b = Relu (a)
  a = Abs (x)
  d = Exp (x)
})");
  TypedModel tm = AnalyzeTypes(m);
  const NodeOrder& order = tm.graphs[0].order;
  EXPECT_FALSE(order.sorted);
  EXPECT_THAT(order.visit, ElementsAre(3, 0, 2, 4, 1));
  EXPECT_EQ(order.reader, 0);
  EXPECT_EQ(order.slot, 0);
  EXPECT_EQ(order.value, "a");
  EXPECT_EQ(order.producer, 3);
  EXPECT_EQ(Find(tm, "main", "y")->type_string(), "tensor(float)");
}

TEST(TypeEngine, OuterReadsOfNestedSubgraphsAreDependencies) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (bool c, float[2] x) => (float[2] y) {
  y = If (c) <
    then_branch = t () => (float[2] r) {
      r = If (c) <
        then_branch = tt () => (float[2] r2) { r2 = Relu (h) },
        else_branch = te () => (float[2] q2) { q2 = Neg (x) }
      >
    },
    else_branch = e () => (float[2] q) { q = Neg (x) }
  >
  h = Abs (x)
})");
  TypedModel tm = AnalyzeTypes(m);
  const NodeOrder& order = tm.graphs[0].order;
  EXPECT_THAT(order.visit, ElementsAre(1, 0));
  EXPECT_EQ(order.reader, 0);
  EXPECT_EQ(order.slot, -1);  // read by a subgraph
  EXPECT_EQ(order.value, "h");
  const ValueRecord& h = Input(tm, NodeAt(tm, "main/#0(If).then_branch/#0(If).then_branch", 0), 0);
  EXPECT_EQ(h.origin, OriginKind::kNodeOutput);
  EXPECT_EQ(h.type_string(), "tensor(float)");
  EXPECT_EQ(Find(tm, "main", "y")->type_string(), "tensor(float)");
}

TEST(TypeEngine, UnsortedSubgraphAndFunctionBodies) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (bool c, float[2] x) => (float[2] y) {
  y = If (c) <
    then_branch = t () => (float[2] r) { r = local.F (s)  s = Neg (x) },
    else_branch = e () => (float[2] q) { q = Neg (x) }
  >
}
<domain: "local", opset_import: ["" : 17]>
F (a) => (o) {
  o = Relu (t)
  t = Neg (a)
})");
  TypedModel tm = AnalyzeTypes(m);
  for (const char* path : {"main/#0(If).then_branch", "main/#0(If).then_branch/#0(F).function"}) {
    const GraphRecord& g = tm.graphs[static_cast<size_t>(NodeAt(tm, path, 0).graph)];
    EXPECT_THAT(g.order.visit, ElementsAre(1, 0)) << path;
    EXPECT_EQ(Input(tm, NodeAt(tm, path, 0), 0).type_string(), "tensor(float)") << path;
  }
  EXPECT_EQ(Find(tm, "main", "y")->type_string(), "tensor(float)");
}

TEST(TypeEngine, ACycleEndsWithItsNodesVisitedLastInFileOrder) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) {
  a = Add (x, b)
  b = Relu (a)
  y = Neg (b)
  z = Abs (x)
  w = Neg (w)
})");
  TypedModel tm = AnalyzeTypes(m);
  const NodeOrder& order = tm.graphs[0].order;
  EXPECT_EQ(order.stuck, 4);
  EXPECT_THAT(order.visit, ElementsAre(3, 0, 1, 2, 4));
  // Nothing is guessed: what the cycle reads before it is computed stays undefined.
  EXPECT_EQ(Input(tm, NodeAt(tm, "main", 0), 1).origin, OriginKind::kUndefined);
  EXPECT_EQ(Input(tm, NodeAt(tm, "main", 4), 0).origin, OriginKind::kUndefined);
  EXPECT_EQ(Input(tm, NodeAt(tm, "main", 1), 0).origin, OriginKind::kNodeOutput);
  EXPECT_EQ(Find(tm, "main", "z")->type_string(), "tensor(float)");
}

}  // namespace
}  // namespace onnxtidy
