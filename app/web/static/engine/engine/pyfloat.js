/**
 * Python's float semantics where they differ from JavaScript's, so that every number an
 * answer shows is the one the server shows.
 */
/** Python's `round(x)`: to the nearest integer, exact halves to the even one. */
export function pyRound(x) {
    const floor = Math.floor(x);
    const diff = x - floor; // exact for every double
    if (diff < 0.5)
        return floor + 0; // + 0: never -0 (Python's round gives an int)
    if (diff > 0.5)
        return floor + 1;
    return floor % 2 === 0 ? floor + 0 : floor + 1;
}
/** Python's `round(x * scale) / scale`, the way answers round scores and weights. */
export function pyRoundScaled(x, scale) {
    return pyRound(x * scale) / scale;
}
/**
 * Python's `round(x, digits)`: correctly rounded from the exact binary value, exact decimal
 * halves to the even digit (`toFixed` takes the larger one there).
 */
export function pyRoundDigits(x, digits) {
    if (!Number.isFinite(x) || x === 0 || Math.abs(x) >= 1e21)
        return x;
    const magnitude = Math.abs(x);
    // The exact expansion far enough to see whether x is exactly half way between two results
    // (a double above 10^-digits / 2 shows any deviation from a half within 25 more digits).
    const exact = magnitude.toFixed(digits + 26);
    const point = exact.indexOf(".");
    const after = exact.slice(point + 1 + digits);
    let result;
    if (/^50*$/.test(after)) {
        const kept = exact.slice(0, point) + exact.slice(point + 1, point + 1 + digits);
        let units = BigInt(kept);
        if (units % 2n === 1n)
            units += 1n;
        // parsed from the decimal text: the double nearest to it, as Python's round gives
        const text = units.toString().padStart(digits + 1, "0");
        result = Number(`${text.slice(0, text.length - digits)}.${text.slice(text.length - digits)}`);
    }
    else {
        result = Number(magnitude.toFixed(digits));
    }
    return x < 0 ? -result : result;
}
/** Python's `max(a, b)` of two numbers: the first unless the second is larger. */
export function pyMax(a, b) {
    return b > a ? b : a;
}
/** Python's `min(a, b)` of two numbers: the first unless the second is smaller. */
export function pyMin(a, b) {
    return b < a ? b : a;
}
