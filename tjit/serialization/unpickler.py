"""A data-only pickle interpreter for ``data.pkl`` (never imports, never calls user code).

Only the globals in :data:`allowlist.ALLOWED_GLOBALS` can be referenced; any other global
raises ``pickle.UnpicklingError`` naming it. REDUCE only calls the allow-list's stand-ins,
BUILD only updates the ``__dict__`` of an ``OrderedDict``/``Counter``, APPEND(S) only targets
lists, SETITEM(S) only dicts. Any other opcode raises ``pickle.UnpicklingError``.
"""

from __future__ import annotations

import pickle
import struct
from collections import Counter, OrderedDict
from pickle import UnpicklingError

from .allowlist import ALLOWED_GLOBALS, CALLABLE, PARAMETER, UNSUPPORTED_TORCH_NAMES, make_parameter

_BLOCKED_MODULES = {"sys", "os", "posix", "nt", "subprocess", "importlib", "shutil"}
_MODULE_RENAMES = {"__builtin__": "builtins", "copy_reg": "copyreg", "UserDict": "collections"}

_OPNAME = {getattr(pickle, n)[0]: n for n in dir(pickle)
           if n.isupper() and isinstance(getattr(pickle, n), bytes) and len(getattr(pickle, n)) == 1}


def _utf8(b):
    return str(b, "utf-8", "surrogatepass")


# opcodes pushing one fixed-size number: struct format of the operand
_NUMBERS = {"BININT": "<i", "BININT1": "<B", "BININT2": "<H", "BINFLOAT": ">d"}
# opcodes pushing a length-prefixed payload: (struct format of the length, payload type)
_SIZED = {
    "BINUNICODE": ("<I", _utf8), "SHORT_BINUNICODE": ("<B", _utf8), "BINUNICODE8": ("<Q", _utf8),
    "SHORT_BINSTRING": ("<B", bytes), "BINSTRING": ("<i", bytes),
    "SHORT_BINBYTES": ("<B", bytes), "BINBYTES": ("<I", bytes), "BINBYTES8": ("<Q", bytes),
    "BYTEARRAY8": ("<Q", bytearray),
}
# memo opcodes: struct format of the memo index
_MEMO_GET = {"BINGET": "<B", "LONG_BINGET": "<I"}
_MEMO_PUT = {"BINPUT": "<B", "LONG_BINPUT": "<I"}
_DICTS = (dict, OrderedDict, Counter)


def _check_dict(d, op: str):
    if type(d) not in _DICTS:
        raise UnpicklingError(f"can only {op} on dicts, got {type(d).__name__}")
    return d


def _set_pairs(d, items, op: str) -> None:
    if len(items) % 2:
        raise UnpicklingError(f"odd number of items for {op}")
    for i in range(0, len(items), 2):
        d[items[i]] = items[i + 1]


def _reduce(func, args):
    """REDUCE: call an allowed stand-in; bad arguments become UnpicklingError."""
    if CALLABLE.get(id(func)) is not func:
        raise UnpicklingError(f"REDUCE of a non-allowed callable {func!r}"[:200])
    if type(args) is not tuple:
        raise UnpicklingError("REDUCE arguments must be a tuple")
    if func is PARAMETER:
        func = make_parameter
    try:
        return func(*args)
    except UnpicklingError:
        raise
    except (TypeError, ValueError, OverflowError) as e:
        raise UnpicklingError(f"bad arguments in pickle for {func!r}: {e}") from e


def _newobj(cls, args):
    if type(args) is not tuple:
        raise UnpicklingError("NEWOBJ arguments must be a tuple")
    if cls is PARAMETER:
        return make_parameter(*args)
    if cls is OrderedDict or cls is Counter:
        return cls()
    raise UnpicklingError(f"NEWOBJ of a non-allowed class {cls!r}"[:200])


def _build(inst, state) -> None:
    if type(inst) not in (OrderedDict, Counter):
        raise UnpicklingError(
            f"BUILD is only supported for OrderedDict, got {type(inst).__name__}")
    if state is None:
        return
    if type(state) is not dict or any(type(k) is not str for k in state):
        raise UnpicklingError("BUILD state must be a dict with str keys")
    inst.__dict__.update(state)


def find_class(module: str, name: str):
    """The allow-list's stand-in for ``module.name``; UnpicklingError for anything else."""
    module = _MODULE_RENAMES.get(module, module)
    full = f"{module}.{name}"
    obj = ALLOWED_GLOBALS.get(full)
    if obj is not None:
        return obj
    if (module.startswith("torch.") or module == "torch") and name in UNSUPPORTED_TORCH_NAMES:
        raise UnpicklingError(
            f"Unsupported global: GLOBAL {full}: this dtype is not supported by tjit")
    hint = " (module is blocked)" if module.split(".")[0] in _BLOCKED_MODULES else ""
    raise UnpicklingError(
        f"Unsupported global: GLOBAL {full} is not allowed by tjit's weights-only "
        f"unpickler{hint}")


class RestrictedUnpickler:
    """Interprets protocol 0-5 binary pickles of plain data; see the module docstring."""

    def __init__(self, data: bytes, persistent_load):
        self.data = memoryview(data)
        self.pos = 0
        self.persistent_load = persistent_load

    def read(self, n: int):
        if n < 0 or self.pos + n > len(self.data):
            raise UnpicklingError("pickle data was truncated")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def unpack(self, fmt: str):
        return struct.unpack(fmt, self.read(struct.calcsize(fmt)))[0]

    def readline(self) -> str:
        end = bytes(self.data[self.pos:self.pos + 1024]).find(b"\n")
        if end < 0:
            raise UnpicklingError("pickle data was truncated (GLOBAL)")
        s = bytes(self.data[self.pos:self.pos + end]).decode("utf-8")
        self.pos += end + 1
        return s

    def load(self):
        stack: list = []
        metastack: list = []
        memo: dict = {}
        read, unpack = self.read, self.unpack

        def pop_mark():
            nonlocal stack
            if not metastack:
                raise UnpicklingError("MARK expected")
            items = stack
            stack = metastack.pop()
            return items

        def top():
            if not stack:
                raise UnpicklingError("unpickling stack underflow")
            return stack[-1]

        def pop():
            if not stack:
                raise UnpicklingError("unpickling stack underflow")
            return stack.pop()

        while True:
            key = read(1)[0]
            op = _OPNAME.get(key)
            if op in _NUMBERS:
                stack.append(unpack(_NUMBERS[op]))
            elif op in _SIZED:
                fmt, kind = _SIZED[op]
                stack.append(kind(read(unpack(fmt))))
            elif op in _MEMO_GET:
                idx = unpack(_MEMO_GET[op])
                if idx not in memo:
                    raise UnpicklingError(f"memo key {idx} not found")
                stack.append(memo[idx])
            elif op in _MEMO_PUT:
                memo[unpack(_MEMO_PUT[op])] = top()
            elif op == "MEMOIZE":
                memo[len(memo)] = top()
            elif op == "PROTO":
                proto = read(1)[0]
                if proto > pickle.HIGHEST_PROTOCOL:
                    raise UnpicklingError(f"unsupported pickle protocol {proto}")
            elif op == "FRAME":
                read(8)
            elif op == "STOP":
                return pop()
            elif op == "MARK":
                metastack.append(stack)
                stack = []
            elif op == "POP":
                if stack:
                    stack.pop()
                else:
                    pop_mark()
            elif op == "POP_MARK":
                pop_mark()
            elif op == "DUP":
                stack.append(top())
            elif op == "NONE":
                stack.append(None)
            elif op == "NEWTRUE":
                stack.append(True)
            elif op == "NEWFALSE":
                stack.append(False)
            elif op in ("LONG1", "LONG4"):
                n = read(1)[0] if op == "LONG1" else unpack("<i")
                if n < 0:
                    raise UnpicklingError("LONG4 with negative length")
                stack.append(pickle.decode_long(bytes(read(n))))
            elif op == "EMPTY_TUPLE":
                stack.append(())
            elif op == "TUPLE":
                items = pop_mark()  # (before naming ``stack``: pop_mark rebinds it)
                stack.append(tuple(items))
            elif op in ("TUPLE1", "TUPLE2", "TUPLE3"):
                n = int(op[-1])
                items = [pop() for _ in range(n)]
                stack.append(tuple(reversed(items)))
            elif op == "EMPTY_LIST":
                stack.append([])
            elif op == "LIST":
                items = pop_mark()
                stack.append(items)
            elif op in ("APPEND", "APPENDS"):
                items = [pop()] if op == "APPEND" else pop_mark()
                lst = top()
                if type(lst) is not list:
                    verb = "append to" if op == "APPEND" else "extend"
                    raise UnpicklingError(f"can only {verb} lists, got {type(lst).__name__}")
                lst.extend(items)
            elif op == "EMPTY_DICT":
                stack.append({})
            elif op == "DICT":
                items = pop_mark()
                d = {}
                _set_pairs(d, items, op)
                stack.append(d)
            elif op == "SETITEM":
                v = pop()
                k = pop()
                _check_dict(top(), op)[k] = v
            elif op == "SETITEMS":
                items = pop_mark()
                _set_pairs(_check_dict(top(), op), items, op)
            elif op == "EMPTY_SET":
                stack.append(set())
            elif op == "ADDITEMS":
                items = pop_mark()
                s = top()
                if type(s) is not set:
                    raise UnpicklingError(f"can only ADDITEMS to sets, got {type(s).__name__}")
                s.update(items)
            elif op == "FROZENSET":
                items = pop_mark()
                stack.append(frozenset(items))
            elif op == "GLOBAL":
                module = self.readline()
                name = self.readline()
                stack.append(find_class(module, name))
            elif op == "STACK_GLOBAL":
                name = pop()
                module = pop()
                if type(name) is not str or type(module) is not str:
                    raise UnpicklingError("STACK_GLOBAL requires str module and name")
                stack.append(find_class(module, name))
            elif op == "REDUCE":
                args = pop()
                func = pop()
                stack.append(_reduce(func, args))
            elif op == "NEWOBJ":
                args = pop()
                cls = pop()
                stack.append(_newobj(cls, args))
            elif op == "BUILD":
                state = pop()
                _build(top(), state)
            elif op == "BINPERSID":
                stack.append(self.persistent_load(pop()))
            else:
                raise UnpicklingError(
                    f"unsupported pickle opcode {bytes([key])!r}"
                    + (f" ({op})" if op else "") + " in weights-only checkpoint")
