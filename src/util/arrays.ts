/** Small numeric helpers over typed arrays. */

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d; // NaN propagates as a failure
  }
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** max|a-b| / max(max|b|, tiny): a scale-free closeness measure. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return maxAbsDiff(a, b) / Math.max(maxAbs(b), 1e-12);
}

/** `direction` scaled to the L2 norm of `reference` (a zero direction stays zero). */
export function normMatched(direction: Float32Array, reference: Float32Array): Float32Array {
  const scale = l2Norm(reference) / Math.max(l2Norm(direction), 1e-12);
  return direction.map((x) => x * scale);
}

/** Deterministic pseudo-random vector (xorshift32, uniform in [-scale, scale]). */
export function seededVector(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0 || 0x9e3779b9;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = ((s / 0x100000000) * 2 - 1) * scale;
  }
  return out;
}

export function rowOf(matrix: Float32Array, row: number, width: number): Float32Array {
  return matrix.subarray(row * width, (row + 1) * width);
}

/** Euclidean (L2) norm. */
export function l2Norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}
