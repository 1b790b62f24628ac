/**
 * The exponential of the derived heat index and of the scores' sigmoid.
 *
 * The server's is the C library's `exp` (glibc); JavaScript engines have their own (V8: a
 * port of fdlibm), and the two differ by one unit in the last place for about one argument
 * in ten. What an answer shows is rounded (scores to 3 decimals, a heat index to 2) and no
 * measured answer differs, but an internal value can: a heat index or a score exactly at a
 * rounding half, or a heat index exactly on a condition's threshold, would then show one
 * step apart. Porting glibc's `exp` (its table and its FMA evaluation order) would close it.
 */
export function exp(x) {
    return Math.exp(x);
}
