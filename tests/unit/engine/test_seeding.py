"""Seeding inside numba against numpy's own SeedSequence and PCG64 (the oracle)."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.engine.chunks import replication_generators
from iadsim.engine.seeding import reseed, seed_words, stream_generator, uint32_words

ROOTS = [0, 1, 7, 20240413, 2**32 - 1, 2**32, 2**63 - 1, 2**100 + 12345]
REPLICATIONS = [0, 1, 2, 999, 2**31, 2**32 + 3]


@pytest.mark.parametrize("root", ROOTS)
def test_seed_words_are_numpys_generate_state(root):
    scratch = np.zeros(16, dtype=np.uint32)
    for r in REPLICATIONS:
        for stream in (0, 1):
            ref = np.random.SeedSequence(root, spawn_key=(r, stream)).generate_state(4, np.uint64)
            words = seed_words(uint32_words(root), r, stream, scratch)
            assert [int(w) for w in words] == ref.tolist()


@pytest.mark.parametrize("root", ROOTS[:4])
def test_reseeded_generator_draws_as_a_fresh_one(root):
    """After reseeding, a used generator has the state and draws (uniform and ziggurat normal)
    of ``Generator(PCG64(SeedSequence(root, spawn_key=(r, k))))``: the layout of numpy's
    ``pcg64_state`` that :func:`reseed` writes through is checked here."""
    g, address = stream_generator()
    scratch = np.zeros(16, dtype=np.uint32)
    for r in REPLICATIONS:
        g.random(3)
        g.integers(0, 10, size=3, dtype=np.uint32)  # leaves a cached 32-bit half behind
        reseed(address, uint32_words(root), r, 1, scratch)
        fresh = replication_generators(root, r)[1]
        assert g.bit_generator.state == fresh.bit_generator.state
        assert g.random(7).tolist() == fresh.random(7).tolist()
        assert g.standard_normal(7).tolist() == fresh.standard_normal(7).tolist()


def test_negative_seed_is_refused():
    with pytest.raises(ValueError):
        uint32_words(-1)
