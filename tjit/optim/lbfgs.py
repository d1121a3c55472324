"""L-BFGS, optionally with a strong-Wolfe line search (torch.optim.LBFGS).

L-BFGS decides on the host after every evaluation (convergence tests, the curvature
condition, line-search brackets), so unlike the other optimizers it cannot be one fused
update.  It follows torch's arithmetic op for op, and realizes the tensors it carries at
each loop boundary: each realization is a small graph whose structure repeats from one
iteration to the next, so after the first iterations the schedule cache runs everything
without compiling.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..api import realize
from ..autograd.grad_mode import enable_grad, no_grad
from ..ops.creation import tensor, zeros
from ..ops.shape import cat
from .optimizer import Optimizer, _to_scalar, check_lr

__all__ = ["LBFGS"]


def _settle(*values) -> None:
    """Realize the tensors among `values` (lists included), so the next iteration's graphs
    start from data instead of growing on this iteration's."""
    flat = []
    for v in values:
        flat.extend(v if isinstance(v, list) else [v])
    realize(*(v for v in flat if isinstance(v, Tensor)))


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimizer of the cubic through two points with their slopes, clipped to `bounds`."""
    xmin_bound, xmax_bound = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = d2_square.sqrt()
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        out = min(max(min_pos, xmin_bound), xmax_bound)
    else:
        out = (xmin_bound + xmax_bound) / 2.0
    _settle(out)
    return out


class _Bracket:
    """The line search's interval: step lengths with their losses, gradients and slopes."""

    def __init__(self, t, f, g, gtd):
        self.t, self.f, self.g, self.gtd = t, f, g, gtd


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """torch's strong-Wolfe line search; returns (loss, flat grad, step, evaluations).

    Losses and step lengths are 0-d tensors of the parameters' dtype here, where torch mixes
    Python floats into tensor arithmetic: a float there would be a constant compiled into
    each comparison's kernel, and a new loss value would mean new code every evaluation."""
    def scalar(v):
        return v if isinstance(v, Tensor) else tensor(float(v), dtype=d.dtype)

    def evaluate(t):
        f_new, g_new = obj_func(x, t, d)
        gtd_new = g_new.dot(d)
        _settle(gtd_new)
        return scalar(f_new), g_new, gtd_new

    d_norm = d.abs().max()
    _settle(d_norm)
    f, t = scalar(f), scalar(t)
    f_new, g_new, gtd_new = evaluate(t)
    ls_func_evals = 1
    t_prev, f_prev, g_prev, gtd_prev = scalar(0), f, g, gtd
    done = False
    ls_iter = 0
    br = None
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            br = _Bracket([t_prev, t], [f_prev, f_new], [g_prev, g_new], [gtd_prev, gtd_new])
            break
        if abs(gtd_new) <= -c2 * gtd:
            br = _Bracket([t], [f_new], [g_new], None)
            done = True
            break
        if gtd_new >= 0:
            br = _Bracket([t_prev, t], [f_prev, f_new], [g_prev, g_new], [gtd_prev, gtd_new])
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new, gtd_new
        f_new, g_new, gtd_new = evaluate(t)
        ls_func_evals += 1
        ls_iter += 1
    if ls_iter == max_ls:
        br = _Bracket([scalar(0), t], [f, f_new], [g, g_new], None)
    return _zoom(evaluate, f, gtd, br, done, ls_iter, ls_func_evals, d_norm, c1, c2, tolerance_change, max_ls)


def _zoom(evaluate, f, gtd, br, done, ls_iter, ls_func_evals, d_norm, c1, c2, tolerance_change, max_ls):
    """Second phase: shrink the bracket until the strong Wolfe conditions hold."""
    insuf_progress = False
    low, high = (0, 1) if br.f[0] <= br.f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(br.t[1] - br.t[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(br.t[0], br.f[0], br.gtd[0], br.t[1], br.f[1], br.gtd[1])
        hi_t, lo_t = max(br.t), min(br.t)
        eps = 0.1 * (hi_t - lo_t)
        if min(hi_t - t, t - lo_t) < eps:
            if insuf_progress or t >= hi_t or t <= lo_t:
                t = hi_t - eps if abs(t - hi_t) < abs(t - lo_t) else lo_t + eps
                _settle(t)
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new, gtd_new = evaluate(t)
        ls_func_evals += 1
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= br.f[low]:
            br.t[high], br.f[high], br.g[high], br.gtd[high] = t, f_new, g_new, gtd_new
            low, high = (0, 1) if br.f[0] <= br.f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (br.t[high] - br.t[low]) >= 0:
                br.t[high], br.f[high], br.g[high], br.gtd[high] = br.t[low], br.f[low], br.g[low], br.gtd[low]
            br.t[low], br.f[low], br.g[low], br.gtd[low] = t, f_new, g_new, gtd_new
    return br.f[low], br.g[low], br.t[low], ls_func_evals


class LBFGS(Optimizer):
    """torch.optim.LBFGS: one param group; `step(closure)` runs up to max_iter iterations."""

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def _gather_flat_grad(self) -> Tensor:
        views = [zeros(p.numel(), dtype=p.dtype) if p.grad is None else p.grad.reshape(-1) for p in self._params]
        flat = cat(views, 0)
        _settle(flat)
        return flat

    def _add_grad(self, step_size, update: Tensor) -> None:
        """params += step_size * update (update is the flat concatenation)."""
        offset, values = 0, []
        for p in self._params:
            n = p.numel()
            t = step_size.to(p.dtype) if isinstance(step_size, Tensor) else tensor(float(step_size), dtype=p.dtype)
            values.append(p + update[offset:offset + n].view_as(p) * t)
            offset += n
        self._set_param(values)

    def _clone_param(self) -> list:
        xs = [p.clone() for p in self._params]
        _settle(xs)
        return xs

    def _set_param(self, params_data) -> None:
        """Realize the new values first, then write them (see Optimizer._commit)."""
        _settle(params_data)
        for p, data in zip(self._params, params_data):
            p.copy_(data)

    def _directional_evaluate(self, closure, x, t, d):
        """Loss and flat gradient at x + t*d; the parameters are restored to x afterwards."""
        self._add_grad(t, d)
        loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    def _direction(self, state: dict, flat_grad: Tensor, d, t, history_size: int):
        """Record the last step's curvature pair and run the two-loop recursion: the new
        search direction -H g.  Each loop iteration is realized on its own, so one iteration's
        kernels serve every history length."""
        y = flat_grad - state["prev_flat_grad"]
        s = d * t
        ys = y.dot(s)
        _settle(y, s, ys)
        old_dirs, old_stps, ro = state["old_dirs"], state["old_stps"], state["ro"]
        if ys > 1e-10:
            if len(old_dirs) == history_size:
                old_dirs.pop(0)
                old_stps.pop(0)
                ro.pop(0)
            old_dirs.append(y)
            old_stps.append(s)
            ro.append(1.0 / ys)
            state["H_diag"] = ys / y.dot(y)
            _settle(ro, state["H_diag"])
        if "al" not in state:
            state["al"] = [None] * history_size
        al = state["al"]
        q = -flat_grad
        for i in range(len(old_dirs) - 1, -1, -1):
            al[i] = old_stps[i].dot(q) * ro[i]
            q = q - old_dirs[i] * al[i]
            _settle(al[i], q)
        r = q * state["H_diag"]
        for i in range(len(old_dirs)):
            be_i = old_dirs[i].dot(r) * ro[i]
            r = r + old_stps[i] * (al[i] - be_i)
            _settle(r)
        return r

    def step(self, closure):
        """Up to max_iter L-BFGS iterations; returns the loss before the first one."""
        with no_grad():
            return self._run(enable_grad()(closure))

    def _run(self, closure):
        group = self.param_groups[0]
        lr = _to_scalar(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if flat_grad.abs().max() <= tolerance_grad:
            return orig_loss
        d, t = state.get("d"), state.get("t")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                state.update(old_dirs=[], old_stps=[], ro=[], H_diag=1)
            else:
                d = self._direction(state, flat_grad, d, t, group["history_size"])
            if state.get("prev_flat_grad") is None:
                state["prev_flat_grad"] = flat_grad.clone()
            else:
                state["prev_flat_grad"].copy_(flat_grad)
            state["prev_loss"] = prev_loss = loss
            t = min(1.0, 1.0 / flat_grad.abs().sum()) * lr if state["n_iter"] == 1 else lr
            gtd = flat_grad.dot(d)
            _settle(d, t, gtd, state["prev_flat_grad"])
            if gtd > -tolerance_change:
                break
            ls_func_evals = 0
            if group["line_search_fn"] is not None:
                if group["line_search_fn"] != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = self._clone_param()

                def obj_func(x, t, d):
                    return self._directional_evaluate(closure, x, t, d)
                loss, flat_grad, t, ls_func_evals = _strong_wolfe(obj_func, x_init, t, d, loss, flat_grad, gtd,
                                                                  max_ls=max_eval - current_evals)
                loss = float(loss)
                self._add_grad(t, d)
                opt_cond = flat_grad.abs().max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                if n_iter != max_iter:
                    loss = float(closure())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = flat_grad.abs().max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if (d * t).abs().max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break
        state["d"], state["t"] = d, t
        return orig_loss
