"""backward() and grad(): walk the tape back from the outputs, call each node's rule, sum
the gradients that meet at a node, accumulate into leaves.

The gradients are lazy tensors: nothing is computed here.  Realizing them schedules the
backward pass (and whatever part of the forward pass it still needs) into fused kernels
like any other graph.
"""
from __future__ import annotations

from numbers import Number

from .. import _prim
from .._tensor import Tensor
from .anomaly_mode import check_gradients
from .grad_mode import set_grad_enabled
from .graph import AccumulateGrad, Node, accumulate, gradient_edge


def _tensors(x, what: str) -> tuple:
    if isinstance(x, Tensor):
        return (x,)
    if x is None:
        return ()
    out = tuple(x)
    for t in out:
        if not isinstance(t, Tensor) and t is not None:
            raise TypeError(f"{what} must be Tensors, got {type(t).__name__}")
    return out


def _root_edges(outputs: tuple) -> list:
    edges = []
    for i, t in enumerate(outputs):
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        edges.append(gradient_edge(t))
    return edges


def _root_grads(outputs: tuple, grads: tuple, create_graph: bool) -> list:
    """The seed gradients: given ones (checked against the outputs' shapes), or 1 for a
    single-element output."""
    if len(grads) != len(outputs):
        if grads:
            raise RuntimeError(f"grad_tensors should have the same length as tensors, got {len(grads)} and "
                               f"{len(outputs)}")
        grads = (None,) * len(outputs)
    out = []
    for i, (t, g) in enumerate(zip(outputs, grads)):
        if g is None:
            if t.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = _prim.const(1, t.dtype, tuple(t.shape))
        elif isinstance(g, Number):
            g = _prim.const(g, t.dtype, tuple(t.shape))
        elif tuple(g.shape) != tuple(t.shape):
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {_size(g.shape)} and "
                               f"output[{i}] has a shape of {_size(t.shape)}.")
        out.append(_prim.cast(g, t.dtype) if create_graph else Tensor._from_node(_prim.cast(g, t.dtype)._node))
    return out


def _size(shape) -> str:
    return f"torch.Size({list(shape)})"


def _graph_order(roots: list) -> list:
    """Nodes reachable from `roots`, each after every node it feeds (DFS postorder)."""
    order, seen = [], set()
    stack = [(n, False) for n in roots]
    while stack:
        n, done = stack.pop()
        if done:
            order.append(n)
            continue
        if id(n) in seen:
            continue
        seen.add(id(n))
        stack.append((n, True))
        stack.extend((e[0], False) for e in n._edges if e is not None and id(e[0]) not in seen)
    return order


def _run_pre_hooks(n: Node, grads: list, create_graph: bool) -> list:
    """Tensor hooks (may replace the gradient), retain_grad, then the node's pre-hooks."""
    for nr, fn in list(n._tensor_pre_hooks.values()):
        if grads[nr] is not None:
            r = fn(grads[nr])
            if r is not None:
                grads[nr] = r
    for nr, ref in (n._retain or {}).items():
        t = ref()
        if t is not None and grads[nr] is not None:
            g = grads[nr]
            if t._grad is None:
                t._grad = g if create_graph else Tensor._from_node(g._node)
            else:
                t._grad = t._grad + g
    for fn in list(n._pre_hooks.values()):
        r = fn(tuple(grads))
        if r is not None:
            grads = list(r)
    return grads


def execute(roots: tuple, root_grads: list, keep_graph: bool, create_graph: bool, targets: list,
            accumulate_leaves: bool) -> dict:
    """Run the backward pass.  `targets` are edges whose incoming gradient is captured and
    returned ({edge: grad}); leaves accumulate into `.grad` when `accumulate_leaves`."""
    edges = _root_edges(roots)
    wanted = {(id(n), nr) for n, nr in targets}
    wanted_nodes = {id(n) for n, _ in targets}
    order = _graph_order([n for n, _ in edges])
    needed = {}
    for n in order:  # a node runs only if some target or leaf lies below it
        needed[id(n)] = (id(n) in wanted_nodes or (accumulate_leaves and isinstance(n, AccumulateGrad))
                         or any(e is not None and needed.get(id(e[0]), False) for e in n._edges))
    pending: dict = {}
    for (n, nr), g in zip(edges, root_grads):
        _add(pending, n, nr, g)
    captured = {}
    with set_grad_enabled(create_graph):
        for n in reversed(order):
            grads = pending.pop(id(n), None)
            if grads is None or not needed[id(n)]:
                continue
            grads = _run_pre_hooks(n, grads, create_graph)
            for nr, g in enumerate(grads):
                if (id(n), nr) in wanted:
                    captured[(id(n), nr)] = g
            if isinstance(n, AccumulateGrad):
                if accumulate_leaves:
                    n.apply(grads, [])
                continue
            needs = [e is not None and needed[id(e[0])] for e in n._edges]
            if not any(needs):
                continue
            if any(g is None for g in grads):
                grads = n._materialize(grads)
            outs = n.apply(grads, needs)
            check_gradients(n, outs)
            for fn in list(n._post_hooks.values()):
                r = fn(tuple(outs), tuple(grads))
                if r is not None:
                    outs = list(r)
            if not keep_graph:
                n.release()
            for e, g, need in zip(n._edges, outs, needs):
                if need and g is not None:
                    _add(pending, e[0], e[1], g)
    return captured


def _add(pending: dict, n: Node, nr: int, g: Tensor) -> None:
    slot = pending.get(id(n))
    if slot is None:
        slot = pending[id(n)] = [None] * n.n_outputs
    slot[nr] = g if slot[nr] is None else slot[nr] + g


# -- the public entry points -------------------------------------------------------------
def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
             inputs=None, retain_variables=None) -> None:
    """Accumulate d(tensors)/d(leaf) into every leaf's .grad (or only into `inputs`').
    `grad_variables` and `retain_variables` are the pre-0.4 names."""
    if grad_variables is not None:
        grad_tensors = grad_variables
    if retain_variables is not None and retain_graph is None:
        retain_graph = retain_variables
    outputs = _tensors(tensors, "tensors")
    grads = _root_grads(outputs, _grad_tuple(grad_tensors), create_graph)
    keep = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        execute(outputs, grads, keep, create_graph, [], True)
        return
    inputs = _tensors(inputs, "inputs")
    if not inputs:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    edges = [_input_edge(t) for t in inputs]
    captured = execute(outputs, grads, keep, create_graph, edges, False)
    with set_grad_enabled(create_graph):
        for t, (n, nr) in zip(inputs, edges):
            g = captured.get((id(n), nr))
            if g is not None:
                accumulate(t, g)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False) -> tuple:
    """d(outputs)/d(inputs) (vector-Jacobian product with grad_outputs), without touching .grad."""
    if is_grads_batched:
        raise NotImplementedError("tjit.autograd.grad: is_grads_batched=True is not supported")
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, but got: "
                         "allow_unused=False.")
    if isinstance(inputs, dict):  # named inputs give named gradients
        names = list(inputs)
        grads = grad(outputs, [inputs[k] for k in names], grad_outputs, retain_graph, create_graph,
                     allow_unused=allow_unused, materialize_grads=materialize_grads)
        return dict(zip(names, grads))
    outputs = _tensors(outputs, "outputs")
    inputs_t = _tensors(inputs, "inputs")
    grads = _root_grads(outputs, _grad_tuple(grad_outputs), create_graph)
    edges = [_input_edge(t) for t in inputs_t]
    keep = create_graph if retain_graph is None else retain_graph
    captured = execute(outputs, grads, keep, create_graph, edges, False)
    result = []
    for i, (t, (n, nr)) in enumerate(zip(inputs_t, edges)):
        g = captured.get((id(n), nr))
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
            if materialize_grads:
                g = _prim.const(0, t.dtype, tuple(t.shape))
        elif not create_graph and g.requires_grad:
            g = Tensor._from_node(g._node)
        result.append(g)
    return tuple(result)


def _grad_tuple(grads) -> tuple:
    if grads is None:
        return ()
    if isinstance(grads, (Tensor, Number)):
        return (grads,)
    return tuple(grads)


def _input_edge(t: Tensor) -> tuple:
    if not t.requires_grad:
        raise RuntimeError("One of the differentiated Tensors does not require grad")
    return gradient_edge(t)
