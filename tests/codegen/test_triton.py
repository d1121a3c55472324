"""Triton code generation: Kernel IR from real tjit graphs -> Triton source, which must
(1) compile ahead of time to PTX and cubin for sm_90 with no GPU, and (2) compute, under
TRITON_INTERPRET=1 on numpy arrays, what the CPU (LLVM) backend computes."""

import numpy as np
import pytest

import tjit
from tjit.codegen.triton import compile as tcompile
from tjit.codegen.triton import emit, interpret
from tjit.plan_runner import _mix
from tjit.ir.graph import RandKey

R = np.random.default_rng(0)


@pytest.fixture(scope="module", autouse=True)
def triton_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRITON_CACHE_DIR", str(tmp_path_factory.mktemp("triton_cache")))
        yield


def f32(*shape, scale=1.0):
    return tjit.tensor((R.standard_normal(shape) * scale).astype(np.float32))


# -- graphs ---------------------------------------------------------------------------------
# each builder returns the tensors to realize; built lazily so every test gets fresh graphs

def pointwise():
    x = f32(6, 50, scale=0.5)  # sin(exp(2x + 1)) amplifies 1-ulp differences of exp at large x
    return [(x * 2 + 1).exp().sin() * x + x.tanh()]


def softmax():
    x = f32(5, 40)
    e = (x - x.amax(-1, keepdim=True)).exp()
    return [e / e.sum(-1, keepdim=True)]


def sum_axis0():
    return [f32(30, 7).sum(0)]


def layernorm():
    x, w = f32(6, 33), f32(33)
    m = x.mean(-1, keepdim=True)
    v = ((x - m) ** 2).mean(-1, keepdim=True)
    return [(x - m) / (v + 1e-5).sqrt() * w]


def matmul_bias_relu():
    x, w, b = f32(20, 24), f32(24, 18), f32(18)
    return [tjit.clamp_min(x @ w + b, 0)]


def bmm_half():
    a, b = f32(2, 16, 32).half(), f32(2, 32, 24).half()
    tjit.realize(a, b)  # fp16 inputs: the tiles go to tl.dot as they are stored
    return [a @ b, tjit.clamp_min(f32(2, 8, 20).half() @ b[:, :20], 0)]


def matvec():
    return [f32(3, 40) @ f32(40)]


def cumsum():
    return [f32(3, 50).cumsum(1), f32(4, 6).cumprod(0)]


def index_add():
    idx = tjit.tensor(np.array([0, 4, 4, 1, 0, 2]))
    return [tjit.zeros(5, 8).index_add(0, idx, f32(6, 8))]


def scatter_amax():
    idx = tjit.tensor(np.array([0, 3, 3, 1, 0, 2, 3]))
    src = f32(7)
    return [tjit.full((4,), -5.0).scatter_reduce(0, idx, src, "amax")]


def views():
    x = f32(8, 6)
    return [x.t() * 2 + x[:, 1::2].sum(1).unsqueeze(0), x[1:7:2].flip(1) + 1]


def padded():
    x = f32(4, 5)
    return [tjit.cat([x, x * 2, x.exp()], 1), tjit.cat([x, x], 0).sum(0)]


def half_types():
    x = f32(7, 9)
    xb = x.bfloat16()
    xh = x.half()
    tjit.realize(xb, xh)
    return [(xb * 3 + 1).exp(), (xh.sigmoid() * xh).sum(1), xb.float() + xh.float()]


def integers():
    a = tjit.tensor(R.integers(-50, 50, (6, 7)))
    b = tjit.tensor(R.integers(1, 9, (6, 7)) * np.where(R.random((6, 7)) < 0.5, -1, 1))
    c = tjit.tensor(R.integers(0, 200, (6, 7)).astype(np.uint8))
    return [a // b, tjit.fmod(a, b), a % b, (a * b).abs().amax(1),
            (a > 0).sum(1), c // 7 + c, a.int() * 3 - b.int(), tjit.where(a > b, a, b) ** 2]


def rand():
    tjit.manual_seed(7)
    return [tjit.rand(3, 40), tjit.randn(5, 9)]


def gather():
    x = f32(5, 9)
    idx = tjit.tensor(R.integers(0, 9, (5, 3)))
    return [x.gather(1, idx) * 2]


def nan_max():
    x = np.ones((3, 5), np.float32)
    x[1, 2] = np.nan
    t = tjit.tensor(x)
    return [t.amax(1), t.amin(0), tjit.maximum(t, t * 2)]


def float64():
    x = tjit.tensor(R.standard_normal((4, 6)))
    return [(x.exp() + x.atan()).sum(1), x.log1p().expm1() / x.cos()]


def bools():
    x, y = f32(5, 6), f32(5, 6)
    return [((x > 0) & (y < 0)) | (x > 1), (x > 0).any(1), (x > y).all(0)]


def scalars():
    x = f32(5, 7)
    return [x.sum(), x - x.mean(), tjit.tensor(2.5) * 3]


def matmul64():  # no tl.dot: the reduce skeleton computes it
    return [tjit.tensor(R.standard_normal((5, 9))) @ tjit.tensor(R.standard_normal((9, 4)))]


def scatter_more():
    idx = tjit.tensor(np.array([0, 3, 3, 1, 0, 2, 3]))
    i16 = tjit.tensor(R.integers(-100, 100, (7, 3)).astype(np.int16))
    return [tjit.ones(4).scatter_reduce(0, idx, f32(7), "prod"),
            tjit.zeros(4, 3, dtype=tjit.int16).index_add(0, idx, i16),
            tjit.zeros(4, 3).index_copy(0, tjit.tensor(np.array([2, 0])), f32(2, 3))]


def unary_binary():
    x = f32(6, 8)
    return [x.round() + x.trunc(), (x * 3).fmod(1.5), x.abs().pow(1.5) + x.atan2(x + 0.5), x.erf() * x.sigmoid(),
            x.abs().rsqrt() + x.reciprocal(), x.floor_divide(0.7), x.logsumexp(1), x.var(0), x.argmax(1)]


def strided_int():
    a = tjit.tensor(R.integers(-9, 9, (6, 8)).astype(np.int32))
    return [a.t()[1:5] * 7 // 3, a.sum(0), a.cumsum(1), a.amax(0), a.prod(1)]


def cat_pieces():  # each piece is its own kernel storing at an offset into one buffer
    xs = [f32(3, i + 1) for i in range(6)]
    return [tjit.cat([x * 2 for x in xs], 1), tjit.stack([x[:, 0].exp() for x in xs], 0)]


CASES = [cat_pieces, pointwise, softmax, sum_axis0, layernorm, matmul_bias_relu, bmm_half, matvec, matmul64, cumsum, index_add,
         scatter_amax, scatter_more, views, padded, half_types, integers, strided_int, unary_binary, rand, gather,
         nan_max, float64, bools, scalars]
# enough to compile every kernel kind and template ahead of time (each compile costs 0.2-1 s)
AOT = [cat_pieces, pointwise, softmax, layernorm, matmul_bias_relu, bmm_half, matmul64, cumsum, index_add, scatter_amax, rand,
       half_types]


# -- running a schedule in the interpreter ------------------------------------------------------

def _arg(a, values):
    if isinstance(a, RandKey):
        return np.array([_mix(a.seed), a.offset], dtype=np.int64)
    if id(a) in values:
        return values[id(a)]
    buf = a.storage
    return buf.array.copy()


def run_schedule(tensors, launch) -> list:
    """Realize `tensors` with the generated Triton kernels; `launch(tk, arrays)` runs one
    kernel on flat host arrays (the output first, written in place)."""
    values = {}
    for item in tjit.debug.schedule(*tensors).items:
        assert item.kind == "kernel", item
        outs = []
        for node in [item.output] + item.more_outputs:  # a multi-output kernel writes several
            out = values.get(id(node))  # a scatter updates the buffer its copy kernel wrote
            outs.append(out if out is not None else np.zeros(node.numel, node.dtype.np))
        out_it, in_it = iter(outs), iter([_arg(a, values) for a in item.inputs])
        launch(emit.generate(item.kernel),
               [next(out_it) if a.kind in ("out", "inout") else next(in_it) for a in item.kernel.args])
        for node, out in zip([item.output] + item.more_outputs, outs):
            values[id(node)] = out
    return [values[id(t._node)].reshape(t.shape) for t in tensors]


def run_interpreted(tensors) -> list:
    return run_schedule(tensors, interpret.run)


def as_float(a: np.ndarray, dtype) -> np.ndarray:
    if dtype == tjit.bfloat16:
        return (a.astype(np.uint32) << 16).view(np.float32)
    return a


def assert_matches_cpu(tensors, got):
    for t, g in zip(tensors, got):
        ref = t.float().numpy() if t.dtype == tjit.bfloat16 else t.numpy()
        g = as_float(g, t.dtype)
        assert g.shape == ref.shape and g.dtype == ref.dtype, (g.dtype, ref.dtype)
        if t.dtype in (tjit.float16, tjit.bfloat16):
            np.testing.assert_allclose(g, ref, rtol=1e-2, atol=1e-2)
        elif t.dtype.is_floating_point:
            np.testing.assert_allclose(g, ref, rtol=2e-5, atol=2e-5, equal_nan=True)
        else:
            np.testing.assert_array_equal(g, ref)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__)
def test_interpreter_matches_cpu(case):
    tensors = case()
    assert_matches_cpu(tensors, run_interpreted(tensors))


def test_rand_bits_identical_to_cpu():
    tjit.manual_seed(3)
    t = tjit.rand(4, 33)
    (got,) = run_interpreted([t])
    np.testing.assert_array_equal(got, t.numpy())


@pytest.mark.parametrize("case", AOT, ids=lambda c: c.__name__)
def test_aot_sm90(case):
    for item in tjit.debug.schedule(*case()).items:
        tk = emit.generate(item.kernel)
        compiled = tcompile.compile_aot(tk)
        assert {"ptx", "cubin"} <= set(compiled.asm)
        assert ".target sm_90" in compiled.asm["ptx"]
        assert compiled.asm["cubin"][:4] == b"\x7fELF"
        md = tcompile.launch_metadata(compiled, tk)
        assert md["name"] == tk.fn_name and md["num_warps"] == tk.num_warps
        assert md["scratch_params"] >= 0 and md["global_scratch_size"] == 0


def test_templates_chosen():
    """Each kernel kind gets its template: tl.dot for a plain A @ B, atomics for scatter-add,
    a scan over chunks with a carry, chunked reduce loops."""
    src = {f.__name__: [emit.kernel_source(it.kernel) for it in tjit.debug.schedule(*f()).items]
           for f in (matmul_bias_relu, bmm_half, matmul64, index_add, scatter_amax, cumsum, softmax)}
    assert 'tl.dot(a_tile, b_tile, acc0, input_precision="ieee")' in src["matmul_bias_relu"][0]
    assert all("tl.dot(a_tile, b_tile, acc0)" in s for s in src["bmm_half"])  # fp16 tiles go in as fp16
    assert "tl.dot" not in src["matmul64"][0] and "for r_start in range(0, 9, BLOCK_R):" in src["matmul64"][0]
    assert any("tl.atomic_add(" in s for s in src["index_add"])
    assert any("tl.debug_barrier()" in s for s in src["scatter_amax"])  # no float atomic max
    assert any("tl.associative_scan(chunk, 1, _add)" in s for s in src["cumsum"])
    assert src["softmax"][0].count("for r_start in range(0, 40, BLOCK_R):") == 2


def test_int64_indices_for_huge_shapes():
    t = tjit.full((2 ** 31 + 16,), 2.0) * tjit.arange(2 ** 31 + 16)
    tk = emit.generate(tjit.debug.schedule(t).items[0].kernel)
    assert "tl.program_id(0).to(tl.int64)" in tk.source
    assert tk.grid() == (-(-(2 ** 31 + 16) // tk.constexprs["BLOCK"]),)
    assert "cubin" in tcompile.compile_aot(tk).asm


def test_index_floor_division_of_negative_numerators():
    """Index Div/Mod are floor operations; Triton's // and % truncate, so a numerator that may
    be negative is shifted first (atoms built directly: the simplifier would rewrite them)."""
    from tjit.ir import symbolic as sym
    from tjit.ir.dtype import int64
    from tjit.ir.kernel import K, Kernel, KArg, KVal, Store
    i = sym.var("i", 12)
    num = i * 2 - 9
    values = [sym.lin(sym.Div(num, 4)), sym.lin(sym.Mod(num, 4))]
    stores = [Store(0, i + 12 * j, KVal(K.INDEX, int64, (), e)) for j, e in enumerate(values)]
    kernel = Kernel("floor_index", "elementwise", [KArg("out", int64, "out", 24)], list(sym.variables(i)), [], [],
                    stores)
    out = np.zeros(24, np.int64)
    interpret.run(emit.generate(kernel), [out])
    n = np.arange(12) * 2 - 9
    np.testing.assert_array_equal(out, np.concatenate([n // 4, n % 4]))


def test_every_elementwise_op_has_a_triton_entry():
    from tjit.ir.ops import ELEMENTWISE, Op
    assert ELEMENTWISE - {Op.CAST} <= set(emit.OPS)


def test_engine_dump_uses_kernel_source(capsys, monkeypatch):
    monkeypatch.setenv("TJIT_DUMP", "triton")
    x = f32(3, 17)
    (x * 3.25 - 7.75).numpy()  # a graph no other test compiles: the engine caches plans
    out = capsys.readouterr()
    assert "@triton.jit" in out.out + out.err


def _launch_on_gpu(tk, arrays):
    """Compile ahead of time, load the cubin with the ctypes driver layer, launch."""
    from tjit.runtime import cuda
    compiled = tcompile.compile_aot(tk)
    md = tcompile.launch_metadata(compiled, tk)
    fn = cuda.Function(compiled.asm["cubin"], md["name"], md["shared"])
    bufs = [cuda.DeviceBuffer(a.nbytes) for a in arrays]
    for b, a in zip(bufs, arrays):
        b.upload(a)
    fn.launch(tk.grid(), md["num_warps"], [b.data_ptr() for b in bufs], scratch=md["scratch_params"])
    cuda.synchronize()
    bufs[0].download(arrays[0])
    for b in bufs:
        b.free()
    fn.unload()


@pytest.mark.gpu
@pytest.mark.parametrize("case", [pointwise, softmax, matmul_bias_relu, bmm_half, cumsum, index_add, rand],
                         ids=lambda c: c.__name__)
def test_cubin_runs_on_gpu(case):
    from tjit.runtime import cuda
    if not cuda.is_available():
        pytest.skip("no CUDA GPU")
    cuda.use_device(0)
    tensors = case()
    assert_matches_cpu(tensors, run_schedule(tensors, _launch_on_gpu))
