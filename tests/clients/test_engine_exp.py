"""The TypeScript engine's `exp` (clients/engine/src/engine/exp.ts) against the server's
`math.exp`, bit for bit: the heat index (app/rules/derived.py) and the scores' sigmoid
(app/rules/scores.py) go through it, and the engine must give the server's numbers exactly.

The arguments: random 64-bit patterns over the whole range of doubles, the sigmoid's logits,
the heat index's arguments, the edges of exp's paths (2^-54, 512, 1024), the overflow and
underflow thresholds and the subnormal results between, zeros, infinities and NaN. They go to
one node process as 64-bit patterns and come back as 64-bit patterns. Where `math.exp` raises
OverflowError the C function's result is +inf, which the engine must return; a NaN must give
a NaN (JavaScript does not keep a NaN's payload).

The committed size runs in seconds; EXP_SWEEP=<count> makes a bigger sweep (the port was
checked once over several million arguments).
"""

from __future__ import annotations

import json
import math
import os
import random
import struct
from array import array

from tests.clients.engine_harness import built_package, node_filter

COUNT = int(os.environ.get("EXP_SWEEP", "200000"))
SEED = 20260510
BATCH = 20000

LARGEST_FINITE = 709.782712893384  # the largest x with a finite exp(x)
SMALLEST_NORMAL = -708.3964185322641  # about where exp(x) turns subnormal
SMALLEST_NONZERO = -745.1332191019411  # about where exp(x) rounds to 0
# Each with its 64 neighbours on either side: the thresholds, the edges of exp's paths (|x| of
# 2^-54, 512, 1024), and 1.
EDGES = [LARGEST_FINITE, SMALLEST_NORMAL, SMALLEST_NONZERO, 512.0, -512.0, 1024.0, -1024.0]
EDGES += [2.0**-54, -(2.0**-54), 1.0, -1.0]
SPECIALS = [0.0, -0.0, math.inf, -math.inf, math.nan, -math.nan, 5e-324, -5e-324]
SPECIALS += [2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308]


def _bits(x: float) -> int:
    return int(struct.unpack("<Q", struct.pack("<d", x))[0])


def _double(bits: int) -> float:
    return float(struct.unpack("<d", struct.pack("<Q", bits))[0])


def _around(x: float, ulps: int) -> list[float]:
    """x and its `ulps` neighbours on each side (same sign)."""
    b = _bits(x)
    return [_double(b + d) for d in range(-ulps, ulps + 1)]


def arguments(count: int, seed: int = SEED) -> list[float]:
    rng = random.Random(seed)
    part = count // 8
    xs: list[float] = []
    # Any double: random 64-bit patterns.
    xs += [_double(rng.getrandbits(64)) for _ in range(part)]
    # The sigmoid's logits (scores.py: exp(-logit) and exp(logit)).
    xs += [rng.uniform(-50.0, 50.0) for _ in range(part)]
    # The heat index's argument 17.27 t / (237.7 + t), t in [-40, 60] °C: random, and on the
    # 0.01 °C grid that measured temperatures come on.
    for _ in range(part):
        t = rng.uniform(-40.0, 60.0)
        xs.append(17.27 * t / (237.7 + t))
    xs += [17.27 * t / (237.7 + t) for t in (i / 100 for i in range(-4000, 6001))]
    # Near overflow, the subnormal results and underflow to 0, |x| in [512, 1024).
    xs += [rng.uniform(700.0, 710.0) for _ in range(part // 2)]
    xs += [rng.uniform(-745.5, -700.0) for _ in range(part)]
    xs += [rng.uniform(-1024.0, -512.0) for _ in range(part // 2)]
    xs += [rng.uniform(512.0, 710.0) for _ in range(part // 2)]
    # Small arguments, down past 2^-54 where exp(x) rounds to 1, and moderate ones.
    xs += [
        math.ldexp(rng.uniform(1.0, 2.0), rng.randint(-60, 9)) * rng.choice((-1, 1))
        for _ in range(part)
    ]
    xs += [rng.uniform(-20.0, 20.0) for _ in range(count - len(xs))]
    for edge in EDGES:
        xs += _around(edge, 64)
    xs += [*SPECIALS, _double(0x7FF0000000000001)]  # and a NaN with a payload
    return xs


def expected(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf  # what C's exp returned before Python raised


def engine_exp(xs: list[float]) -> list[float]:
    """exp of each argument, computed by the built package in one node process."""
    module = built_package().parent / "engine" / "exp.js"
    runner = os.path.join(os.path.dirname(__file__), "engine_exp_runner.mjs")
    bits = array("Q", array("d", xs).tobytes())
    lines = [
        json.dumps([f"{b:016x}" for b in bits[i : i + BATCH]]) for i in range(0, len(bits), BATCH)
    ]
    answered = node_filter([runner, str(module)], lines)
    out = array("Q", (int(h, 16) for line in answered for h in json.loads(line)))
    assert len(out) == len(xs), (len(out), len(xs))
    return list(array("d", out.tobytes()))


def test_exp_is_math_exp_bit_for_bit() -> None:
    xs = arguments(COUNT)
    got = engine_exp(xs)
    differ = []
    for x, y in zip(xs, got, strict=True):
        want = expected(x)
        same = math.isnan(y) if math.isnan(want) else _bits(y) == _bits(want)
        if not same:
            differ.append((x.hex(), want.hex(), y.hex()))
    assert not differ, f"{len(differ)} of {len(xs)} differ (x, math.exp, engine): {differ[:20]}"
