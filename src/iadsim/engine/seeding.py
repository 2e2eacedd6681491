"""Per-replication seeding inside numba, bit-identical to numpy's SeedSequence and PCG64.

Replication ``r`` draws from ``Generator(PCG64(SeedSequence(root, spawn_key=(r, k))))``, with
``k`` 0 for the threat stream and 1 for the engagement stream (:mod:`iadsim.engine.chunks`).
Building those objects in Python costs about 20 µs per replication, as much as a small
replication itself. Instead, a chunk keeps one Generator per stream and, before each
replication, :func:`reseed` puts into its PCG64 the state that the construction above would
give:

1. the entropy words: the root seed as little-endian 32-bit words, padded with zeros to the
   pool size (4 words) because a spawn key follows, then the key's words (O'Neill's
   ``seed_seq_fe``, as numpy implements it: ``numpy.random.SeedSequence``);
2. the pool: each word hashed, then every word mixed into every other;
3. four 64-bit words generated from the pool: the PCG64 seed (high, low) and stream (high,
   low); PCG64 then sets ``inc = (stream << 1) | 1``, steps once, adds the seed and steps again
   (O'Neill 2014, "PCG: A Family of Simple Fast Space-Efficient Statistically Good Algorithms
   for Random Number Generation", HMC-CS-2014-0905, sec. 6.3; numpy's ``pcg64_set_seed``).

The state is written through the bit generator's documented ctypes interface
(``PCG64().ctypes.state_address``): a pointer to numpy's ``pcg64_state``, whose first member
points to the 128-bit state and increment (native ``__uint128_t``, little-endian) and whose
second is the cached-32-bit-draw flag, cleared. ``tests/unit/engine/test_seeding.py`` checks the
draws against numpy's own construction, so a change of that layout fails a test, not a result.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

POOL_SIZE = 4
INIT_A = np.uint32(0x43B0D7E5)
MULT_A = np.uint32(0x931E8875)
INIT_B = np.uint32(0x8B51F9DD)
MULT_B = np.uint32(0x58F38DED)
MIX_MULT_L = np.uint32(0xCA01F9DD)
MIX_MULT_R = np.uint32(0x4973F715)
XSHIFT = np.uint32(16)
M32 = (1 << 32) - 1
# PCG's default 128-bit multiplier (O'Neill 2014), as (high, low) 64-bit words
PCG_MULT_HI = np.uint64(2549297995355413924)
PCG_MULT_LO = np.uint64(4865540595714422341)


def uint32_words(value: int) -> np.ndarray:
    """A non-negative integer as little-endian 32-bit words (0 is one word), as
    ``SeedSequence`` takes its entropy."""
    if value < 0:
        raise ValueError("a seed must be non-negative")
    words = []
    while True:
        words.append(value & M32)
        value >>= 32
        if value == 0:
            break
    return np.array(words, dtype=np.uint32)


@intrinsic
def _uint64_ptr(typingctx, address):
    """The address (an integer) as a pointer to uint64, for ``numba.carray``."""
    sig = types.CPointer(types.uint64)(types.uintp)

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], ir.IntType(64).as_pointer())

    return sig, codegen


@numba.njit(cache=True, inline="always")
def _hashmix(value, hash_const):
    """(hashed value, next hash constant)."""
    value = np.uint32(value ^ hash_const)
    hash_const = np.uint32(hash_const * MULT_A)
    value = np.uint32(value * hash_const)
    return np.uint32(value ^ (value >> XSHIFT)), hash_const


@numba.njit(cache=True, inline="always")
def _mix(x, y):
    r = np.uint32(np.uint32(MIX_MULT_L * x) - np.uint32(MIX_MULT_R * y))
    return np.uint32(r ^ (r >> XSHIFT))


@numba.njit(cache=True, inline="always")
def _key_words(value, out, k):
    """Append ``value`` (>= 0) as little-endian 32-bit words to ``out`` from index ``k``."""
    out[k] = np.uint32(value & 0xFFFFFFFF)
    k += 1
    value >>= 32
    while value > 0:
        out[k] = np.uint32(value & 0xFFFFFFFF)
        k += 1
        value >>= 32
    return k


@numba.njit(cache=True)
def seed_words(root_words, replication, stream, scratch):
    """The four 64-bit words ``SeedSequence(root, spawn_key=(replication, stream))
    .generate_state(4, uint64)`` gives, as a tuple; ``scratch`` holds at least
    ``max(len(root_words), 4) + 8`` uint32 words (the entropy, then the pool), so a reseed
    allocates nothing."""
    n_root = root_words.shape[0]
    k = 0
    for i in range(n_root):
        scratch[k] = root_words[i]
        k += 1
    while k < POOL_SIZE:  # a spawn key follows: the run entropy is padded to the pool size
        scratch[k] = np.uint32(0)
        k += 1
    k = _key_words(np.int64(replication), scratch, k)
    k = _key_words(np.int64(stream), scratch, k)
    pool = scratch[k : k + POOL_SIZE]
    hash_const = INIT_A
    for i in range(POOL_SIZE):
        pool[i], hash_const = _hashmix(scratch[i] if i < k else np.uint32(0), hash_const)
    for i_src in range(POOL_SIZE):
        for i_dst in range(POOL_SIZE):
            if i_src != i_dst:
                hashed, hash_const = _hashmix(pool[i_src], hash_const)
                pool[i_dst] = _mix(pool[i_dst], hashed)
    for i_src in range(POOL_SIZE, k):
        for i_dst in range(POOL_SIZE):
            hashed, hash_const = _hashmix(scratch[i_src], hash_const)
            pool[i_dst] = _mix(pool[i_dst], hashed)
    hb = INIT_B
    w0 = w1 = w2 = w3 = np.uint64(0)
    for i in range(8):
        v = np.uint32(pool[i % POOL_SIZE] ^ hb)
        hb = np.uint32(hb * MULT_B)
        v = np.uint32(v * hb)
        v = np.uint64(np.uint32(v ^ (v >> XSHIFT)))
        if i % 2 == 1:
            v <<= np.uint64(32)
        if i < 2:
            w0 |= v
        elif i < 4:
            w1 |= v
        elif i < 6:
            w2 |= v
        else:
            w3 |= v
    return w0, w1, w2, w3


@numba.njit(cache=True, inline="always")
def _mul64(a, b):
    """The 128-bit product of two uint64 as (high, low)."""
    m32 = np.uint64(0xFFFFFFFF)
    s32 = np.uint64(32)
    a_lo, a_hi = a & m32, a >> s32
    b_lo, b_hi = b & m32, b >> s32
    ll = a_lo * b_lo
    lh = a_lo * b_hi
    hl = a_hi * b_lo
    hh = a_hi * b_hi
    mid = (ll >> s32) + (lh & m32) + (hl & m32)
    lo = (ll & m32) | ((mid & m32) << s32)
    hi = hh + (lh >> s32) + (hl >> s32) + (mid >> s32)
    return hi, lo


@numba.njit(cache=True, inline="always")
def _step(s_hi, s_lo, i_hi, i_lo):
    """One PCG step, ``state * MULT + inc`` mod 2^128."""
    hi, lo = _mul64(s_lo, PCG_MULT_LO)
    hi = hi + s_lo * PCG_MULT_HI + s_hi * PCG_MULT_LO
    lo2 = lo + i_lo
    carry = np.uint64(1) if lo2 < lo else np.uint64(0)
    return hi + i_hi + carry, lo2


@numba.njit(cache=True)
def pcg64_state(words):
    """PCG64's (state_hi, state_lo, inc_hi, inc_lo) from its four seed words."""
    one = np.uint64(1)
    i_hi = (words[2] << one) | (words[3] >> np.uint64(63))
    i_lo = (words[3] << one) | one
    s_hi, s_lo = _step(np.uint64(0), np.uint64(0), i_hi, i_lo)
    lo = s_lo + words[1]
    carry = one if lo < s_lo else np.uint64(0)
    s_hi, s_lo = s_hi + words[0] + carry, lo
    s_hi, s_lo = _step(s_hi, s_lo, i_hi, i_lo)
    return s_hi, s_lo, i_hi, i_lo


@numba.njit(cache=True)
def reseed(state_address, root_words, replication, stream, scratch):
    """Give the PCG64 at ``state_address`` (``PCG64().ctypes.state_address``) the state of
    ``PCG64(SeedSequence(root, spawn_key=(replication, stream)))``."""
    s_hi, s_lo, i_hi, i_lo = pcg64_state(seed_words(root_words, replication, stream, scratch))
    head = numba.carray(_uint64_ptr(state_address), 2)  # pcg_state pointer, has_uint32 + cache
    rng = numba.carray(_uint64_ptr(head[0]), 4)  # state, inc: __uint128_t, low word first
    rng[0], rng[1], rng[2], rng[3] = s_lo, s_hi, i_lo, i_hi
    head[1] = np.uint64(0)


def stream_generator() -> tuple[np.random.Generator, int]:
    """A Generator to be reseeded per replication, and its state address."""
    bit = np.random.PCG64(0)
    return np.random.Generator(bit), int(bit.ctypes.state_address)
