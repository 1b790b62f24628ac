/** Python's float formatting and rounding, where the server's texts and values depend on it. */
/** The number of code points of a string (Python's `len`). */
export function codePoints(text) {
    let count = 0;
    for (let i = 0; i < text.length; i++) {
        const unit = text.charCodeAt(i);
        if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
            const next = text.charCodeAt(i + 1);
            if (next >= 0xdc00 && next <= 0xdfff)
                i++;
        }
        count++;
    }
    return count;
}
/** The first `n` code points of a string (Python's `text[:n]`). */
export function firstCodePoints(text, n) {
    let taken = 0;
    let i = 0;
    while (i < text.length && taken < n) {
        const unit = text.charCodeAt(i);
        i += unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && isLow(text.charCodeAt(i + 1)) ? 2 : 1;
        taken++;
    }
    return text.slice(0, i);
}
function isLow(unit) {
    return unit >= 0xdc00 && unit <= 0xdfff;
}
/** Compare two strings by code point, as Python compares `str`. */
export function compareCodePoints(a, b) {
    const x = Array.from(a);
    const y = Array.from(b);
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) {
        const p = x[i].codePointAt(0);
        const q = y[i].codePointAt(0);
        if (p !== q)
            return p < q ? -1 : 1;
    }
    return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}
/** Decrease a string of decimal digits by one (it is never "0"). */
function decrement(digits) {
    const chars = digits.split("");
    let i = chars.length - 1;
    while (i >= 0 && chars[i] === "0") {
        chars[i] = "9";
        i--;
    }
    chars[i] = String(Number(chars[i]) - 1);
    return chars.join("");
}
/**
 * `x` with `digits` decimals as Python's `format(x, f".{digits}f")` writes it: the exact
 * binary value rounded, an exact tie to the even digit (JavaScript's `toFixed` rounds a tie
 * away from zero).
 */
export function toFixedPy(x, digits) {
    let text = x.toFixed(digits);
    if (!Number.isFinite(x) || Math.abs(x) >= 1e21)
        return text;
    // An exact tie: x = (n + 1/2) / 10^digits, which for a binary number means x * 2^(digits+1)
    // is an odd integer.
    const scaled = x * Math.pow(2, digits + 1);
    if (Number.isInteger(scaled) && Math.abs(scaled % 2) === 1) {
        const negative = text.startsWith("-");
        const body = negative ? text.slice(1) : text;
        const plain = body.replace(".", "");
        if (Number(plain[plain.length - 1]) % 2 === 1) {
            let lowered = decrement(plain);
            if (digits > 0) {
                lowered = lowered.padStart(digits + 1, "0");
                lowered = lowered.slice(0, lowered.length - digits) + "." + lowered.slice(lowered.length - digits);
            }
            text = (negative ? "-" : "") + lowered;
        }
    }
    return text;
}
/** Python's `round(x, digits)` of a float. */
export function roundPy(x, digits) {
    const rounded = Number(toFixedPy(x, digits));
    return rounded === 0 ? (x < 0 || Object.is(x, -0) ? -0 : 0) : rounded;
}
/** Python's `format(x, "g")`. */
export function formatG(x) {
    if (x === 0)
        return Object.is(x, -0) ? "-0" : "0";
    if (!Number.isFinite(x))
        return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
    const [mantissa, exponentText] = x.toExponential(5).split("e");
    const exponent = Number(exponentText);
    const strip = (text) => (text.includes(".") ? text.replace(/\.?0+$/, "") : text);
    if (exponent >= -4 && exponent < 6)
        return strip(toFixedPy(x, 5 - exponent));
    const sign = exponent < 0 ? "-" : "+";
    return `${strip(mantissa)}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
}
/** Python's `format(x, ".0%")`. */
export function formatPercent0(x) {
    return `${toFixedPy(x * 100, 0)}%`;
}
/** A bound as pydantic writes it in a message ("greater than or equal to 0"). */
export function formatBound(x) {
    return String(x);
}
