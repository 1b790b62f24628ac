/** The exponential the server's libm gives (placeholder: the engine's own). */
export function exp(x: number): number {
  return Math.exp(x);
}
