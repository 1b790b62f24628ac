/**
 * The exponential of the derived heat index and of the scores' sigmoid, bit for bit the
 * server's.
 *
 * The server's is CPython's `math.exp`, which is the C library's `exp`: glibc 2.36 where it was
 * checked (Debian 12, x86_64). JavaScript engines have their own (V8: a port of fdlibm), and
 * the two differ by one unit in the last place for several arguments in a hundred; a heat index
 * or a score exactly at a rounding half, or a heat index exactly on a condition's threshold,
 * would then show one step apart. So this is a port of glibc's `exp`
 * (sysdeps/ieee754/dbl-64/e_exp.c, the algorithm of ARM's optimized-routines: a table of
 * 2^(k/128) and a degree-5 polynomial), and of the way the server's machine runs it.
 *
 * On x86_64 glibc chooses among builds of that one source when the library loads (an ifunc,
 * sysdeps/x86_64/fpu/multiarch/e_exp.c): on a CPU with FMA and AVX2 (the machine it was checked
 * on, and most x86_64 CPUs since 2013-2015) it runs `__exp_fma`, the file compiled with -mfma
 * -mavx2, where GCC (-ffp-contract=fast) fused some `a * b + c` into one fused multiply-add:
 * one rounding instead of two, so those results differ from the unfused ones. Which ones are
 * fused was read off the machine code of the installed libm.so.6 (`objdump -d`, the ifunc's FMA
 * target); each is an `fma(...)` call below, and every other operation is the plain double
 * operation, in the source's order. JavaScript has no fused multiply-add, so `fma` computes one
 * exactly (a*b split exactly into two doubles, added to c with an exact two-sum, the two low
 * parts added with rounding to odd, then one rounding to nearest: Boldo and Melquiond's proven
 * emulation).
 *
 * The result equals `math.exp` bit for bit on every double tried (tests/clients/
 * test_engine_exp.py: random bit patterns over the whole range, the sigmoid's and the heat
 * index's arguments, the overflow and underflow thresholds, subnormal results, zeros,
 * infinities, NaN). Where `math.exp` raises OverflowError this returns Infinity (what the C
 * function returns); a NaN argument gives a NaN (its payload is not kept).
 *
 * The server's numbers depend on its CPU: on one without FMA or AVX2 (or a virtual machine that
 * hides them) glibc runs its unfused build, whose results differ from these in the last place
 * for about 7 arguments in 10,000 of the sigmoid's and the heat index's (measured with
 * GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA). This port matches the FMA build; replacing each
 * `fma(a, b, c)` below by `a * b + c` matches the unfused one (checked the same way).
 *
 * Speed: about 0.1-0.3 microseconds a call in node 20 (Math.exp: about 0.01), which is nothing
 * beside the rest of an answer; almost all of it is the emulated fused multiply-adds.
 */
import { INV_LN2_N_BITS, NEG_LN2_HI_N_BITS, NEG_LN2_LO_N_BITS, POLY_BITS, SHIFT_BITS, TABLE_BITS, } from "./exp_data.js";
// One double seen as two 32-bit words, for reading and writing a double's bits without
// BigInt (which would be slow here). The word order is the platform's.
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
f64[0] = 1.0;
const HI = u32[1] === 0x3ff00000 ? 1 : 0;
const LO = 1 - HI;
/** The double whose bits are `hi` (sign, exponent, top of the fraction) and `lo`. */
function fromWords(hi, lo) {
    u32[HI] = hi;
    u32[LO] = lo;
    return f64[0];
}
/** The double whose 64-bit pattern is the 16 hex digits `bits`. */
function fromHex(bits) {
    return fromWords(parseInt(bits.slice(0, 8), 16), parseInt(bits.slice(8), 16));
}
const INV_LN2_N = fromHex(INV_LN2_N_BITS);
const NEG_LN2_HI_N = fromHex(NEG_LN2_HI_N_BITS);
const NEG_LN2_LO_N = fromHex(NEG_LN2_LO_N_BITS);
const SHIFT = fromHex(SHIFT_BITS);
const C2 = fromHex(POLY_BITS[0]);
const C3 = fromHex(POLY_BITS[1]);
const C4 = fromHex(POLY_BITS[2]);
const C5 = fromHex(POLY_BITS[3]);
const TWO_P1009 = fromWords(0x7f000000, 0); // 0x1p1009
const TWO_M1022 = fromWords(0x00100000, 0); // 0x1p-1022
const N = 128;
/** T[k], the tail of 2^(k/N) (table entry 2k). */
const TAIL = new Float64Array(N);
/** The two words of table entry 2k+1, the bits of the scale before k's whole part is added. */
const SCALE_HI = new Uint32Array(N);
const SCALE_LO = new Uint32Array(N);
for (let k = 0; k < N; k++) {
    TAIL[k] = fromHex(TABLE_BITS[2 * k]);
    SCALE_HI[k] = parseInt(TABLE_BITS[2 * k + 1].slice(0, 8), 16);
    SCALE_LO[k] = parseInt(TABLE_BITS[2 * k + 1].slice(8), 16);
}
/** 2^27 + 1: Veltkamp's constant, splitting a double into two of 26 bits or fewer. */
const SPLITTER = 134217729;
/**
 * a + b rounded to odd: the exact sum if it is a double, else whichever of the two doubles
 * around it has an odd last bit. (The sum rounded to nearest, its exact error by Knuth's
 * two-sum, then one step toward the error when the nearest is even.)
 */
function addRoundToOdd(a, b) {
    const s = a + b;
    const bv = s - a;
    const err = a - (s - bv) + (b - bv);
    if (err === 0)
        return s;
    f64[0] = s;
    let lo = u32[LO];
    if (lo & 1)
        return s;
    // s is not 0 here (a sum rounding to 0 is exact). A step away from 0 is +1 on the bits,
    // toward 0 is -1; the last bit is even, so +1 never carries into the high word.
    if (s > 0 === err > 0) {
        u32[LO] = lo + 1;
    }
    else if (lo === 0) {
        u32[LO] = 0xffffffff;
        u32[HI] = u32[HI] - 1;
    }
    else {
        u32[LO] = lo - 1;
    }
    return f64[0];
}
/**
 * a * b + c with a single rounding to nearest, ties to even (C's `fma`), for finite operands
 * whose product and sum neither overflow nor reach the subnormal range (so in the exact
 * product a*b = p + e below, e is a double): S. Boldo and G. Melquiond, "Emulation of FMA and
 * correctly rounded sums: proved algorithms using rounding to odd", IEEE Transactions on
 * Computers 57(4), 2008 (Algorithm 5.4). All of exp's fused operations stay in that range.
 */
function fma(a, b, c) {
    // a * b = p + e exactly (Dekker's product with Veltkamp's splitting).
    const p = a * b;
    let t = SPLITTER * a;
    const ah = t - (t - a);
    const al = a - ah;
    t = SPLITTER * b;
    const bh = t - (t - b);
    const bl = b - bh;
    const e = ah * bh - p + ah * bl + al * bh + al * bl;
    // c + p = sh + sl exactly (Knuth's two-sum).
    const sh = c + p;
    const bv = sh - c;
    const sl = c - (sh - bv) + (p - bv);
    // The rest rounded to odd keeps the information that the last rounding needs.
    return sh + addRoundToOdd(sl, e);
}
/**
 * Results of exp for |x| >= 512, where 2^(k/N) may not be a double: glibc's `specialcase`.
 * `scaleHi`/`scaleLo` are the words of the scale's bits, whose exponent may have wrapped.
 */
function specialCase(tmp, scaleHi, scaleLo, k) {
    if (k >= 0) {
        // The exponent of the scale may have overflowed by <= 460: take 2^1009 out of it.
        const scale = fromWords((scaleHi - (1009 << 20)) >>> 0, scaleLo);
        return TWO_P1009 * fma(scale, tmp, scale); // fused in __exp_fma
    }
    // k < 0: put 2^-1022 aside, so the sum is rounded once, at the subnormal precision.
    const scale = fromWords((scaleHi + (1022 << 20)) >>> 0, scaleLo);
    const scaleTmp = scale * tmp; // not fused: __exp_fma keeps this product for lo below
    let y = scale + scaleTmp;
    if (y < 1.0) {
        // Round y to the result's precision before scaling it into the subnormal range, so the
        // result is rounded once (glibc: "to avoid double rounding").
        let lo = scale - y + scaleTmp;
        const hi = 1.0 + y;
        lo = 1.0 - hi + y + lo;
        y = hi + lo - 1.0;
        if (y === 0)
            y = 0; // never -0
    }
    return TWO_M1022 * y;
}
/** e^x, the same double as Python's `math.exp(x)` on the server (glibc 2.36, FMA build). */
export function exp(x) {
    f64[0] = x;
    const xHi = u32[HI];
    // abstop: the exponent bits of x. Inside (2^-54, 512) is the common path.
    let abstop = (xHi >>> 20) & 0x7ff;
    const large = abstop >= 0x408;
    if (abstop < 0x3c9 || large) {
        if (abstop < 0x3c9)
            return 1.0 + x; // |x| < 2^-54, and 0: exp(x) rounds to 1
        if (abstop >= 0x409) {
            // |x| >= 1024, infinite or NaN.
            if (x === -Infinity)
                return 0;
            if (abstop === 0x7ff)
                return 1.0 + x; // +Infinity, or NaN
            return xHi >>> 31 ? 0 : Infinity; // __math_uflow: 0x1p-767 * 0x1p-767; __math_oflow
        }
        abstop = 0; // 512 <= |x| < 1024: specialCase below
    }
    // exp(x) = 2^(k/N) * exp(r), with x = k ln2/N + r, k whole and |r| <= ln2/2N.
    // glibc: z = InvLn2N * x; kd = z + Shift: GCC fused the two (one rounding).
    const kdShifted = fma(INV_LN2_N, x, SHIFT);
    const k = kdShifted - SHIFT; // exact: the whole number nearest z, |k| < 2^18
    // glibc: r = x + kd * NegLn2hiN + kd * NegLn2loN, both products fused.
    const r = fma(k, NEG_LN2_LO_N, fma(k, NEG_LN2_HI_N, x));
    // 2^(k/N) ~= scale * (1 + tail). glibc: idx = 2 * (ki % N), top = ki << 45,
    // sbits = T[idx + 1] + top (mod 2^64); top's low 32 bits are 0 and its high word is
    // k << 13, so only the high word changes (mod 2^32).
    const i = k & (N - 1);
    const tail = TAIL[i];
    const scaleHi = (SCALE_HI[i] + (k << 13)) >>> 0;
    const scaleLo = SCALE_LO[i];
    // glibc: tmp = tail + r + r2 * (C2 + r * C3) + r2 * r2 * (C4 + r * C5), which __exp_fma
    // evaluates as below (the r * C products and both outer products fused; r2 * r2 is not).
    const r2 = r * r;
    const tmp = fma(r2 * r2, fma(r, C5, C4), fma(fma(r, C3, C2), r2, tail + r));
    if (abstop === 0)
        return specialCase(tmp, scaleHi, scaleLo, k);
    const scale = fromWords(scaleHi, scaleLo);
    // glibc: scale + scale * tmp, fused.
    return fma(scale, tmp, scale);
}
