"""Make the int8 PP-OCRv4 models the scans' running text is read with
(parsers/formats/ocr/ppocr.py), from the fp32 models inside the rapidocr-onnxruntime wheel.

    .venv/bin/python scripts/quantize_ocr.py [--force]

The models are first made ONNX opset 14 with their constants as initializers (onnxruntime's
quant_pre_process) and their elementwise chains folded (`fold`, exact in fp32): each
convolution's scalar scale and shift, the same after an activation when a pointwise
convolution follows, and x·clip(x+3, 0, 6)/6 as one HardSwish. Then static quantization
(onnxruntime.quantization, QDQ: int8 weights per channel, uint8 activations) of the
convolutions and matrix products only, calibrated with MinMax on the running text of synthetic
scans (fixed seeds, so the same inputs each time): the detector on 4 pages, the recogniser on
60 of their lines, as the reader feeds them. Last, each HardSwish left in fp32 between a
dequantize and a quantize (with the affine block after it) is done on the uint8 values by
onnxruntime's own int8 operators (`int8_activations`). Written to ppocr.model_dir() under a
lock, through a temporary folder renamed into place; scripts/setup.sh runs this. Takes under
a minute on one core.
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parsers.formats.ocr import ppocr  # noqa: E402

SEED = 99  # the calibration scans' reports (the benchmarks use other seeds)
DET_PAGES = 4
REC_LINES = 60
# the detector's side the calibration pages are read at: the reader's own when recipe 4 was
# made (ppocr.DET_SIDE has changed since; pinned so the recipe's models stay the same)
CALIBRATION_DET_SIDE = 1280


class Recording:
    """An onnxruntime session that keeps every input it is given (the calibration data)."""

    def __init__(self, session):
        self.session, self.inputs = session, []

    def get_inputs(self):
        return self.session.get_inputs()

    def get_modelmeta(self):
        return self.session.get_modelmeta()

    def run(self, names, feed):
        self.inputs.append(next(iter(feed.values())))
        return self.session.run(names, feed)


def calibration_inputs(det: Path, rec: Path) -> tuple[list, list]:
    """What the fp32 reader feeds its two models on the running text of synthetic scans."""
    from parsers.formats.ocr.pages import prepare_page
    from synthetic.render_scan import rasterise, render_scan
    from synthetic.report import generate_report

    reader = ppocr.Reader(det, rec, det_side=CALIBRATION_DET_SIDE)
    reader.det, reader.rec = Recording(reader.det), Recording(reader.rec)
    pages = rasterise(render_scan(generate_report(SEED, pages=6), seed=SEED), dpi=300)
    for _, gray in zip(range(DET_PAGES), pages, strict=False):
        reader.lines(prepare_page(gray).rest)  # deskewed, its tables blanked, as a scan's text
    lines = reader.rec.inputs
    step = max(1, len(lines) // REC_LINES)
    return reader.det.inputs, lines[::step][:REC_LINES]


def quantize(src: Path, out: Path, inputs: list, tmp: Path) -> None:
    import onnx
    from onnx import version_converter
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Feed(CalibrationDataReader):
        def __init__(self, name: str):
            self.it = iter([{name: x} for x in inputs])

        def get_next(self):
            return next(self.it, None)

    pre, folded = tmp / f"{src.stem}.pre.onnx", tmp / f"{src.stem}.folded.onnx"
    quant_pre_process(str(src), str(pre), skip_symbolic_shape=True)
    model = fold(version_converter.convert_version(onnx.load(str(pre)), 14))
    onnx.save(model, str(folded))
    name = model.graph.input[0].name
    quantize_static(
        str(folded),
        str(out),
        Feed(name),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        calibrate_method=CalibrationMethod.MinMax,
        # the elementwise ops stay fp32: quantized, each costs a requantising pass of its own
        op_types_to_quantize=["Conv", "MatMul"],
    )
    q = int8_activations(onnx.load(str(out)))
    # keep the source's metadata: the recogniser's dictionary
    onnx.helper.set_model_props(q, {p.key: p.value for p in onnx.load(str(src)).metadata_props})
    onnx.save(q, str(out))


def int8_activations(model):
    """The quantized model with each HardSwish that sits between a DequantizeLinear and
    QuantizeLinear(s) done on the uint8 values (in place): onnxruntime's CPU provider has no
    int8 HardSwish, so it dequantizes, runs HardSigmoid and Mul in fp32 and quantizes again,
    four passes over fp32 tensors round each of the models' ~25 HardSwishes (half the
    recogniser's time). With x = s·(q − z), HardSwish(x) = x · clip(x/6 + 1/2, 0, 1): the
    clip is a QLinearAdd of x (given the scale s/6) and 1/2 into the scale 1/255, where uint8
    saturates at 0 and 1; then one QLinearMul of x and it into the quantizer's scale. A
    learnable affine block after it, a·h + b (a > 0, scalars), goes into that Mul: a into x's
    scale, b into the output's zero point (rounded, so at most half a step off). A Relu
    between the two needs nothing: its quantizer's zero point is 0 and onnxruntime fuses it
    away (as a QLinearLeakyRelu it measured the same).
    Measured (docs/architecture.md): the recogniser −38 %, the detector −30 %, no more wrong
    characters. Hand-written: onnxruntime's quantizer leaves HardSwish in fp32, and its graph
    optimiser fuses only Relu and Clip into a QLinearConv."""
    import numpy as np
    from onnx import helper, numpy_helper

    ms = "com.microsoft"
    graph = _Graph(model)
    g, const, made, users, scalar = graph.g, graph.const, graph.made, graph.users, graph.scalar
    outputs = {o.name for o in g.output}

    def new_const(name, value):
        g.initializer.append(numpy_helper.from_array(value, name))
        return name

    def affine(act):  # act -> ·a -> +b, a > 0: (a, b, [the Mul, the Add]), else (1, 0, [])
        mul = graph.sole(act.output[0], "Mul")
        got = mul and graph.affine(mul)
        if not got or got[1] <= 0:
            return 1.0, 0.0, []
        _, a, b, add = got
        return a, b, [mul, add]

    def per_tensor_uint8(node) -> bool:  # one scale and one uint8 zero point, constants
        if len(node.input) < 3 or scalar(node.input[1]) is None or scalar(node.input[2]) is None:
            return False
        return const[node.input[2]].dtype == np.uint8

    dropped, replaced = set(), {}
    for act in g.node:
        dq = made.get(act.input[0]) if act.op_type == "HardSwish" else None
        if dq is None or dq.op_type != "DequantizeLinear" or not per_tensor_uint8(dq):
            continue
        a, b, chain = affine(act)
        last = chain[-1] if chain else act
        qs = users.get(last.output[0], [])
        if not qs or any(n.output[0] in outputs for n in [act, *chain]):
            continue
        if not all(q.op_type == "QuantizeLinear" and per_tensor_uint8(q) for q in qs):
            continue
        zs = [round(scalar(q.input[2])) + round(b / scalar(q.input[1])) for q in qs]
        if not all(0 <= z <= 255 for z in zs):
            continue
        x, s, z = dq.input
        k = act.output[0]
        zero = new_const(f"{k}.zero", np.uint8(0))
        unit = new_const(f"{k}.unit", np.float32(1 / 255))  # [0, 1] in uint8
        sixth = new_const(f"{k}.s6", np.float32(const[s] / 6))
        half = (
            new_const(f"{k}.half", np.uint8(255)),
            new_const(f"{k}.hs", np.float32(0.5 / 255)),
        )
        nodes = [
            helper.make_node(
                "QLinearAdd",
                [x, sixth, z, half[0], half[1], zero, unit, zero],
                [f"{k}.h"],
                domain=ms,
            )
        ]
        sa = new_const(f"{k}.sa", np.float32(const[s] * a))
        for i, (q, zq) in enumerate(zip(qs, zs, strict=True)):
            zq = new_const(f"{k}.z{i}", np.uint8(zq))
            nodes.append(
                helper.make_node(
                    "QLinearMul",
                    [x, sa, z, f"{k}.h", unit, zero, q.input[1], zq],
                    q.output,
                    domain=ms,
                )
            )
        replaced[id(act)] = nodes
        dropped.update(id(n) for n in [*chain, *qs])
    out = []
    for n in g.node:
        out += replaced.get(id(n), [] if id(n) in dropped else [n])
    taken = {i for n in out for i in n.input} | outputs  # dequantizers nothing takes now: gone
    _set_nodes(g, [n for n in out if n.op_type != "DequantizeLinear" or n.output[0] in taken])
    if replaced and not any(o.domain == ms for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid(ms, 1))
    return model


def _set_nodes(g, nodes) -> None:
    """The graph's nodes made `nodes`, and the initializers none of them takes dropped."""
    g.ClearField("node")
    g.node.extend(nodes)
    used = {i for n in nodes for i in n.input}
    kept = [i for i in g.initializer if i.name in used]
    g.ClearField("initializer")
    g.initializer.extend(kept)


class _Graph:
    """A model's graph with its constants, the node that makes each tensor and the nodes that
    take it (as the graph was when made), and the patterns `fold` and `int8_activations`
    both look for."""

    def __init__(self, model):
        from onnx import numpy_helper

        self.g = model.graph
        self.const = {i.name: numpy_helper.to_array(i) for i in self.g.initializer}
        self.made = {o: n for n in self.g.node for o in n.output}
        self.users: dict[str, list] = {}
        for n in self.g.node:
            for i in n.input:
                self.users.setdefault(i, []).append(n)

    def scalar(self, name) -> float | None:
        v = self.const.get(name)
        return float(v.reshape(-1)[0]) if v is not None and v.size == 1 else None

    def sole(self, name, op):
        """The one node that takes `name`, if it is an `op`."""
        got = self.users.get(name, [])
        return got[0] if len(got) == 1 and got[0].op_type == op else None

    def affine(self, mul):
        """Mul(x, s) -> Add(., b), s and b scalars: (x, s, b, the Add), or None."""
        ks = [i for i in mul.input if self.scalar(i) is not None]
        add = self.sole(mul.output[0], "Add") if mul.op_type == "Mul" and len(ks) == 1 else None
        bs = [i for i in add.input if self.scalar(i) is not None] if add else []
        if len(bs) != 1:
            return None
        x = next(i for i in mul.input if i != ks[0])
        return x, self.scalar(ks[0]), self.scalar(bs[0]), add


def fold(model):
    """The model with its elementwise chains folded away, in place (see the module's note).
    Hand-written because no optimiser we have does it: onnxruntime's Conv-Mul/Conv-Add fusions
    do not take the one-element constants these models carry, and nothing fuses HardSwish."""
    import numpy as np
    from onnx import helper, numpy_helper

    graph = _Graph(model)
    g, const, users = graph.g, graph.const, graph.users
    scalar, sole, affine = graph.scalar, graph.sole, graph.affine

    def set_conv(conv, x, w, b):
        names = [f"{conv.output[0]}.w{len(const)}", f"{conv.output[0]}.b{len(const)}"]
        for nm, v in zip(names, (w, b), strict=True):
            const[nm] = v.astype(np.float32)
            g.initializer.append(numpy_helper.from_array(const[nm], nm))
        conv.input[:] = [x, *names]

    def weights(conv):
        w = const[conv.input[1]]
        return w, const[conv.input[2]] if len(conv.input) > 2 else np.zeros(w.shape[0])

    dropped, replaced = set(), {}
    for n in list(g.node):  # Conv -> ·s -> +b: scale and shift the convolution's own output
        got = n.op_type == "Conv" and sole(n.output[0], "Mul")
        got = got and affine(got)
        if got and got[0] == n.output[0]:
            _, s, b, add = got
            w, bias = weights(n)
            set_conv(n, n.input[0], w * s, bias * s + b)
            dropped.update([id(users[n.output[0]][0]), id(add)])
            n.output[0] = add.output[0]  # the convolution now gives what the Add gave
    for n in list(g.node):  # ·s -> +b -> 1×1 convolutions, unpadded, ungrouped: into them
        got = n.op_type == "Mul" and id(n) not in dropped and affine(n)
        convs = users.get(got[3].output[0], []) if got else []
        if not convs or not all(_pointwise(c, const) for c in convs):
            continue
        x, s, b, add = got
        for c in convs:
            w, bias = weights(c)
            set_conv(c, x, w * s, bias + b * w.sum(axis=(1, 2, 3)))
        dropped.update([id(n), id(add)])
    for n in list(g.node):  # x -> +3 -> clip(0, 6) -> ·x -> /6: HardSwish(x)
        if n.op_type != "Add" or id(n) in dropped or len(n.input) != 2:
            continue
        xs = [i for i in n.input if scalar(i) != 3.0]
        clip = len(xs) == 1 and sole(n.output[0], "Clip")
        if not clip or [scalar(i) for i in clip.input[1:]] != [0.0, 6.0]:
            continue
        mul = sole(clip.output[0], "Mul")
        div = mul and set(mul.input) == {xs[0], clip.output[0]} and sole(mul.output[0], "Div")
        if div and div.input[0] == mul.output[0] and scalar(div.input[1]) == 6.0:
            dropped.update([id(n), id(clip), id(mul)])
            replaced[id(div)] = helper.make_node("HardSwish", xs, list(div.output))
    _set_nodes(g, [replaced.get(id(n), n) for n in g.node if id(n) not in dropped])
    return model


def _pointwise(conv, const) -> bool:
    """A 1×1 convolution with no padding and one group (a shift of its input folds exactly)."""
    from onnx import helper

    if conv.op_type != "Conv" or conv.input[1] not in const:
        return False
    attrs = {a.name: helper.get_attribute_value(a) for a in conv.attribute}
    return (
        const[conv.input[1]].shape[2:] == (1, 1)
        and not any(attrs.get("pads", []))
        and attrs.get("group", 1) == 1
    )


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force", action="store_true", help="remake the models even if present")
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)  # the quantiser's advice to pre-process: done above
    target = ppocr.model_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another setup making them at the same time waits
        if ppocr.available() and not args.force:
            print(f"int8 OCR models present in {target}")
            return
        det, rec = ppocr.wheel_models()
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".quantize-") as tmp:
            work = Path(tmp)
            det_in, rec_in = calibration_inputs(det, rec)
            (work / "out").mkdir()
            quantize(det, work / "out" / ppocr.DET_MODEL, det_in, work)
            quantize(rec, work / "out" / ppocr.REC_MODEL, rec_in, work)
            if target.exists():
                shutil.rmtree(target)
            (work / "out").rename(target)
        print(f"int8 OCR models written to {target} ({len(det_in)} pages, {len(rec_in)} lines)")


if __name__ == "__main__":
    main()
