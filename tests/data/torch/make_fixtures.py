#!/usr/bin/python3
"""Exports a tiny GPT-style transformer from PyTorch to ONNX: the fixtures in this folder.

The committed files were made with torch 1.13.1 (Debian python3-torch 1.13.1+dfsg-4, which reports
torch.__version__ == "1.13.0a0"), onnx 1.12.0 and numpy 1.24.2. Regenerate them with

    python3 tests/data/torch/make_fixtures.py

Tests read the committed files and need no torch. The point is torch's real output, not a tidy graph:
the Cast(to=int64) chains that `d // H` leaves in `view`, the Shape/Gather/Unsqueeze/Concat/Reshape
chains of dynamic axes, Erf from exact GELU, LayerNormalization at opset 17 and its decomposition
(Pow, Sqrt, Div) below it. The bfloat16 exports are kept as torch wrote them, ill-typed or not: they
are what onnx-tidy has to find and fix. An export that raises is reported and its file left out.
"""
import collections
import io
import math
import os
import sys
import zipfile

import numpy as np
import onnx
import torch
from onnx import TensorProto, numpy_helper
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OPSETS = (13, 14, 15, 16, 17)
WEIGHTS_BF16_OPSETS = (13, 17)
D_MODEL, HEADS, SEQ, BATCH, MLP = 32, 4, 8, 2, 64
N_BLOCKS = 2


class SelfAttention(nn.Module):
    """Multi-head self-attention written by hand, as GPT-style code does it."""

    def __init__(self):
        super().__init__()
        self.n_head = HEADS
        self.q = nn.Linear(D_MODEL, D_MODEL)
        self.k = nn.Linear(D_MODEL, D_MODEL)
        self.v = nn.Linear(D_MODEL, D_MODEL)
        self.proj = nn.Linear(D_MODEL, D_MODEL)

    def forward(self, x):
        b, t, d = x.size()
        q = self.q(x).view(b, t, self.n_head, d // self.n_head).transpose(1, 2)
        k = self.k(x).view(b, t, self.n_head, d // self.n_head).transpose(1, 2)
        v = self.v(x).view(b, t, self.n_head, d // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = torch.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, d)
        return self.proj(y)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(D_MODEL)
        self.attn = SelfAttention()
        self.ln2 = nn.LayerNorm(D_MODEL)
        self.mlp = nn.Sequential(nn.Linear(D_MODEL, MLP), nn.GELU(), nn.Linear(MLP, D_MODEL))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(D_MODEL, D_MODEL)
        self.blocks = nn.Sequential(*[Block() for _ in range(N_BLOCKS)])
        self.ln_f = nn.LayerNorm(D_MODEL)
        self.out = nn.Linear(D_MODEL, D_MODEL)

    def forward(self, x):
        return self.out(self.ln_f(self.blocks(self.inp(x))))


def make_model():
    torch.manual_seed(0)
    return Model().eval()


def make_input():
    g = torch.Generator().manual_seed(1)
    return torch.randn(BATCH, SEQ, D_MODEL, generator=g, dtype=torch.float32)


def export(module, x, opset):
    """The serialized ONNX model, or raises whatever torch raised."""
    buf = io.BytesIO()
    torch.onnx.export(module, (x,), buf, opset_version=opset, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch", 1: "seq"}, "y": {0: "batch", 1: "seq"}},
                      do_constant_folding=True)
    return buf.getvalue()


def to_bf16_bits(a):
    """float32 array -> uint16 bfloat16 bits, rounding to nearest even (NaN stays a quiet NaN)."""
    u = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    bits = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    return np.where(np.isnan(a), np.uint16(0x7FC0), bits)


def bf16_round(a):
    """float32 array rounded to bfloat16 and back to float32."""
    return (to_bf16_bits(a).astype(np.uint32) << 16).view(np.float32)


def retype_to_bf16(model, names):
    """Rewrites the named float32 initializers as bfloat16, and their graph input declarations too."""
    g = model.graph
    for init in g.initializer:
        if init.name not in names:
            continue
        bits = to_bf16_bits(numpy_helper.to_array(init))
        name, dims = init.name, list(init.dims)
        init.Clear()
        init.name, init.data_type = name, TensorProto.BFLOAT16
        init.dims.extend(dims)
        init.raw_data = bits.astype("<u2").tobytes()
    for vi in list(g.input) + list(g.value_info):
        if vi.name in names and vi.type.HasField("tensor_type"):
            vi.type.tensor_type.elem_type = TensorProto.BFLOAT16


def weight_names(model):
    """Float32 initializers of rank 2 or more: the MatMul/Gemm weights."""
    return {i.name for i in model.graph.initializer if i.data_type == TensorProto.FLOAT and len(i.dims) >= 2}


def weight_names_of(model, modules):
    """The float32 initializers that hold the given modules' Linear weights, found by value (torch
    names folded constants after their consumer, not their module): W, or W transposed for MatMul."""
    wanted = [m.weight.detach().numpy() for mod in modules for m in mod.modules() if isinstance(m, nn.Linear)]
    found = set()
    for init in model.graph.initializer:
        if init.data_type != TensorProto.FLOAT or len(init.dims) != 2:
            continue
        a = numpy_helper.to_array(init)
        if any(a.shape == w.T.shape and np.array_equal(a, w.T) or a.shape == w.shape and np.array_equal(a, w)
               for w in wanted):
            found.add(init.name)
    if len(found) != len(wanted):
        raise SystemExit(f"found {len(found)} of {len(wanted)} weights by value")
    return found


def with_rounded_weights(module, pick):
    """A float32 copy of module whose picked weights (rank 2+) are rounded to bfloat16."""
    copy = make_model()
    copy.load_state_dict(module.state_dict())
    with torch.no_grad():
        for name, p in copy.named_parameters():
            if p.dim() >= 2 and pick(name):
                p.copy_(torch.from_numpy(bf16_round(p.numpy())))
    return copy


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def remove_stale(name):
    path = os.path.join(HERE, name)
    if os.path.exists(path):
        os.remove(path)


def save_npz(name, arrays):
    """np.savez stamps the time into the zip; this writes the same format with a fixed date."""
    with zipfile.ZipFile(os.path.join(HERE, name), "w", zipfile.ZIP_DEFLATED) as z:
        for key in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[key]), allow_pickle=False)
            info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, buf.getvalue())


def chained_int64_casts(graph):
    """Cast(to=int64) nodes whose input is the output of another Cast(to=int64)."""
    def to_int64(n):
        return n.op_type == "Cast" and any(a.name == "to" and a.i == TensorProto.INT64 for a in n.attribute)
    made_by = {o: n for n in graph.node for o in n.output}
    return sum(1 for n in graph.node
               if to_int64(n) and n.input[0] in made_by and to_int64(made_by[n.input[0]]))


def describe(name):
    """Prints what a written file holds and whether onnx's full checker accepts it."""
    path = os.path.join(HERE, name)
    m = onnx.load(path)
    ops = collections.Counter(n.op_type for n in m.graph.node)
    types = collections.Counter(TensorProto.DataType.Name(i.data_type) for i in m.graph.initializer)
    try:
        onnx.checker.check_model(m, full_check=True)
        verdict = "ok"
    except Exception as e:  # the checker raises several kinds; the first line is the finding
        verdict = "FAILS: " + (str(e).strip().splitlines() or [type(e).__name__])[0]
    print(f"{name}  {os.path.getsize(path)} bytes  opset {m.opset_import[0].version}")
    print(f"  checker: {verdict}")
    print(f"  Cast: {ops.get('Cast', 0)}, Cast(to=int64) after Cast(to=int64): {chained_int64_casts(m.graph)}")
    print("  ops: " + ", ".join(f"{k} {v}" for k, v in sorted(ops.items())))
    print("  initializers: " + ", ".join(f"{k} {v}" for k, v in sorted(types.items())))


def main():
    print(f"torch {torch.__version__}, onnx {onnx.__version__}, numpy {np.__version__}")
    f32 = make_model()
    x = make_input()
    bf16 = make_model().to(torch.bfloat16)
    written, failed = [], []

    f32_bytes = {}
    for opset in OPSETS:
        f32_bytes[opset] = export(f32, x, opset)
        write(f"block_f32_opset{opset}.onnx", f32_bytes[opset])
        written.append(f"block_f32_opset{opset}.onnx")

    for opset in OPSETS:
        name = f"block_bf16_opset{opset}.onnx"
        try:
            data = export(bf16, x.to(torch.bfloat16), opset)
        except Exception as e:  # recorded, not worked around: torch's failure is the finding
            remove_stale(name)
            failed.append((name, f"{type(e).__name__}: {(str(e).strip().splitlines() or [''])[0]}"))
            continue
        write(name, data)
        written.append(name)

    for opset in WEIGHTS_BF16_OPSETS:
        m = onnx.load_from_string(f32_bytes[opset])
        retype_to_bf16(m, weight_names(m))
        write(f"block_f32_weights_bf16_opset{opset}.onnx", m.SerializeToString())
        written.append(f"block_f32_weights_bf16_opset{opset}.onnx")

    m = onnx.load_from_string(f32_bytes[17])
    retype_to_bf16(m, weight_names_of(m, [f32.blocks[0]]))
    write("block_f32_partial_bf16_opset17.onnx", m.SerializeToString())
    written.append("block_f32_partial_bf16_opset17.onnx")

    with torch.no_grad():
        refs = {
            "x": x.numpy(),
            "y": f32(x).numpy(),
            "y_weights_bf16": with_rounded_weights(f32, lambda n: True)(x).numpy(),
            "y_partial_bf16": with_rounded_weights(f32, lambda n: n.startswith("blocks.0."))(x).numpy(),
            "x_bf16": x.to(torch.bfloat16).float().numpy(),
        }
        try:
            refs["y_bf16"] = bf16(x.to(torch.bfloat16)).float().numpy()
        except RuntimeError as e:
            print(f"torch cannot run the bfloat16 module on CPU: {str(e).splitlines()[0]}")
    save_npz("references.npz", refs)

    for name in written:
        describe(name)
    for name, why in failed:
        print(f"{name}  NOT WRITTEN: torch.onnx.export raised {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
