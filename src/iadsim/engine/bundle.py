"""A bundle passed by reference: the kernel's two named tuples of arrays behind one pointer.

:data:`~iadsim.engine.state.Static` and :data:`~iadsim.engine.state.State` hold about ninety
arrays each. Passed by value, as numba passes a tuple, every call and every inlined stage
copies or unpacks all of them (hundreds of LLVM values each time), which made the kernel's cold
compile take minutes. :func:`by_ref` stores the tuple once in its caller's stack frame and
gives the stages a pointer to it; ``ref.field`` loads that one field. The tuple stays alive as
long as the frame that made the reference, so a reference must not outlive its caller (the
kernel makes them at the top of a replication, and every stage returns before that frame does).

Interpreted (``NUMBA_DISABLE_JIT=1``), :func:`by_ref` returns the tuple itself.
"""

from __future__ import annotations

import numba
from llvmlite import ir
from numba.core import cgutils, imputils, types
from numba.core.datamodel import models
from numba.core.typing.templates import AttributeTemplate
from numba.extending import (
    infer_getattr,
    intrinsic,
    lower_getattr_generic,
    register_model,
)


class BundleRef(types.Type):
    """A pointer to a named tuple held in a caller's frame."""

    def __init__(self, tuple_type: types.BaseNamedTuple):
        self.tuple_type = tuple_type
        super().__init__(name=f"BundleRef({tuple_type})")

    @property
    def key(self):
        return self.tuple_type


@register_model(BundleRef)
class _BundleRefModel(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        be_type = dmm.lookup(fe_type.tuple_type).get_value_type().as_pointer()
        super().__init__(dmm, fe_type, be_type)


@infer_getattr
class _BundleRefAttribute(AttributeTemplate):
    key = BundleRef

    def generic_resolve(self, typ, attr):
        tt = typ.tuple_type
        if attr in tt.fields:
            return tt.types[tt.fields.index(attr)]
        return None


@lower_getattr_generic(BundleRef)
def _bundle_ref_getattr(context, builder, typ, val, attr):
    tt = typ.tuple_type
    i = tt.fields.index(attr)
    zero = ir.Constant(ir.IntType(32), 0)
    value = builder.load(builder.gep(val, [zero, ir.Constant(ir.IntType(32), i)]))
    # a new reference, as numba expects of an attribute (a no-op without reference counting)
    return imputils.impl_ret_borrowed(context, builder, tt.types[i], value)


@intrinsic
def _to_ref(typingctx, tup):
    if isinstance(tup, BundleRef):  # already a reference
        return tup(tup), lambda context, builder, sig, args: args[0]
    if not isinstance(tup, types.BaseNamedTuple):
        return None

    def codegen(context, builder, sig, args):
        slot = cgutils.alloca_once(builder, context.get_value_type(sig.args[0]))
        builder.store(args[0], slot)
        return slot

    return BundleRef(tup)(tup), codegen


def _identity(bundle):
    return bundle


#: A reference to a named tuple (jit code: valid until the caller returns; interpreted: the
#: tuple itself). An intrinsic, so the tuple is stored in the frame of the function calling it.
by_ref = _identity if numba.config.DISABLE_JIT else _to_ref


@numba.njit
def call(fn, st, sx, *args):
    """``fn(st, sx, *args)`` for a stage ``fn``, with both bundles passed by reference, as the
    kernel passes them: the stage runs the code the kernel runs (compiled and cached once),
    where a call from Python with the tuples would compile another copy for them."""
    return fn(by_ref(st), by_ref(sx), *args)


@numba.njit
def call_st(fn, st, *args):
    """``fn(st, *args)`` for a stage helper of the state alone, the state by reference."""
    return fn(by_ref(st), *args)
