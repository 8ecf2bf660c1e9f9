/**
 * Limited-memory BFGS with a backtracking (Armijo) line search: deterministic (no randomness, a
 * fixed iteration cap) and O(memory × parameters) per step, so a 1,024-feature probe never forms a
 * 1,024 × 1,024 Hessian. Used for the logistic probe and the softmax router, both smooth and
 * strictly convex with their L2 penalty.
 */

/** Writes the gradient at x into `gradient` and returns the objective's value. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

export interface LbfgsOptions {
  /** Most quasi-Newton steps. Default 200. */
  maxIterations?: number;
  /** Correction pairs kept. Default 10. */
  memory?: number;
  /** Converged when max |gradient| falls to this. Default 1e-6. */
  gradientTolerance?: number;
  /** Converged when one step lowers the objective by less than this × max(1, |value|). Default 1e-12. */
  valueTolerance?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  /** Steps taken. */
  iterations: number;
  /** Objective evaluations (line-search trials included). */
  evaluations: number;
  converged: boolean;
}

const ARMIJO = 1e-4;
const MAX_BACKTRACKS = 50;

export function minimizeLbfgs(objective: Objective, start: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const maxIterations = options.maxIterations ?? 200;
  const memory = options.memory ?? 10;
  const gradientTolerance = options.gradientTolerance ?? 1e-6;
  const valueTolerance = options.valueTolerance ?? 1e-12;
  const n = start.length;
  let x = Float64Array.from(start);
  let g = new Float64Array(n);
  let value = objective(x, g);
  let evaluations = 1;
  const steps: Float64Array[] = [];
  const changes: Float64Array[] = [];
  const rhos: number[] = [];
  let iterations = 0;
  let converged = maxAbs(g) <= gradientTolerance;

  while (!converged && iterations < maxIterations) {
    let direction = twoLoopDirection(g, steps, changes, rhos);
    let slope = dot(direction, g);
    if (!(slope < 0)) {
      // The curvature pairs stopped describing the function: forget them and go downhill.
      steps.length = changes.length = rhos.length = 0;
      direction = g.map((v) => -v);
      slope = -dot(g, g);
    }
    // Without curvature information the first trial moves one unit of length, not one unit of gradient.
    let t = steps.length === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
    let accepted = false;
    let nextX = x;
    let nextG = g;
    let nextValue = value;
    for (let k = 0; k < MAX_BACKTRACKS; k++) {
      nextX = x.map((v, i) => v + t * direction[i]);
      nextG = new Float64Array(n);
      nextValue = objective(nextX, nextG);
      evaluations++;
      if (nextValue <= value + ARMIJO * t * slope) {
        accepted = true;
        break;
      }
      t /= 2;
    }
    if (!accepted) break; // no decrease at machine precision: as good as this method gets
    iterations++;
    const s = nextX.map((v, i) => v - x[i]);
    const y = nextG.map((v, i) => v - g[i]);
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      steps.push(s);
      changes.push(y);
      rhos.push(1 / sy);
      if (steps.length > memory) {
        steps.shift();
        changes.shift();
        rhos.shift();
      }
    }
    const decrease = value - nextValue;
    x = nextX;
    g = nextG;
    value = nextValue;
    converged = maxAbs(g) <= gradientTolerance || decrease <= valueTolerance * Math.max(1, Math.abs(value));
  }
  return { x, value, iterations, evaluations, converged };
}

/** −H g by the two-loop recursion over the stored pairs (H scaled by the newest pair's sᵀy / yᵀy). */
function twoLoopDirection(g: Float64Array, steps: Float64Array[], changes: Float64Array[], rhos: number[]): Float64Array {
  const q = Float64Array.from(g);
  const alphas = new Array<number>(steps.length);
  for (let i = steps.length - 1; i >= 0; i--) {
    alphas[i] = rhos[i] * dot(steps[i], q);
    axpy(-alphas[i], changes[i], q);
  }
  if (steps.length > 0) {
    const last = steps.length - 1;
    const gamma = dot(steps[last], changes[last]) / dot(changes[last], changes[last]);
    for (let i = 0; i < q.length; i++) q[i] *= gamma;
  }
  for (let i = 0; i < steps.length; i++) {
    const beta = rhos[i] * dot(changes[i], q);
    axpy(alphas[i] - beta, steps[i], q);
  }
  for (let i = 0; i < q.length; i++) q[i] = -q[i];
  return q;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += a * x[i];
}

function maxAbs(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}
