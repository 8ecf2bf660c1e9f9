import { describe, expect, it } from "vitest";
import { ErrorCodes, SteerError } from "../../src/errors.js";
import {
  cosineReadout,
  crossValidatedAuc,
  fitLogisticProbe,
  fitSoftmaxRouter,
  fitStandardizer,
  meanOfMeans,
  predictProba,
  predictProbaRows,
  rocAuc,
  route,
  routerAccuracy,
  routerProbabilities,
  standardizeRow,
  stratifiedFolds,
  type BinaryFitter,
} from "../../src/probes/index.js";
import { SeededRandom } from "../../src/synthetic/random.js";

function errorOf(f: () => unknown): SteerError {
  try {
    f();
  } catch (e) {
    if (e instanceof SteerError) return e;
    throw e;
  }
  throw new Error("expected a SteerError");
}

/** Two Gaussian blobs in d dimensions, `gap` apart along a fixed random unit direction (same for every sample seed). */
function blobs(n: number, d: number, gap: number, seed: number): { x: Float32Array[]; y: number[] } {
  const direction = new SeededRandom(0, `direction ${d}`);
  const u = Float64Array.from({ length: d }, () => direction.gaussian());
  const r = new SeededRandom(seed, "blobs");
  const norm = Math.hypot(...u);
  const x: Float32Array[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 3 === 0 ? 1 : 0;
    y.push(label);
    x.push(Float32Array.from({ length: d }, (_, j) => r.gaussian() + (label ? (gap * u[j]) / norm : 0)));
  }
  return { x, y };
}

/** Brute-force AUC over all pairs, ties counted one half. */
function pairAuc(scores: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((s, i) => {
    if (labels[i] !== 1) return;
    scores.forEach((t, j) => {
      if (labels[j] !== 0) return;
      pairs++;
      wins += s > t ? 1 : s === t ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe("rocAuc", () => {
  it("matches known values", () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(rocAuc([1, 2, 3], [0, 1, 1])).toBe(1);
    expect(rocAuc([3, 2, 1], [0, 1, 1])).toBe(0);
    expect(rocAuc([1, 2, 2, 3], [false, false, true, true])).toBe(0.875);
    expect(rocAuc([5, 5, 5, 5], [0, 1, 0, 1])).toBe(0.5);
    expect(rocAuc([-Infinity, Infinity], [0, 1])).toBe(1);
  });

  it("equals the pairwise count with many ties (mid-ranks)", () => {
    const r = new SeededRandom(3, "ties");
    for (let trial = 0; trial < 20; trial++) {
      const scores = Array.from({ length: 40 }, () => Math.floor(r.nextFloat() * 4));
      const labels = Array.from({ length: 40 }, (_, i) => (i < 2 ? i : r.nextFloat() < 0.4 ? 1 : 0));
      expect(rocAuc(scores, labels)).toBeCloseTo(pairAuc(scores, labels), 12);
    }
  });

  it("refuses a missing class, NaN scores and bad labels", () => {
    expect(errorOf(() => rocAuc([1, 2], [1, 1])).message).toBe("labels needs both classes but has 2 positive and 0 negative labels");
    expect(errorOf(() => rocAuc([1, NaN], [0, 1])).code).toBe(ErrorCodes.NOT_FINITE);
    expect(errorOf(() => rocAuc([1, 2], [0, 2])).message).toBe("Expected 0, 1, true or false for labels[1] but received 2 of type number");
    expect(errorOf(() => rocAuc([1, 2, 3], [0, 1])).code).toBe(ErrorCodes.INVALID_ARGUMENT);
  });
});

describe("standardisation", () => {
  it("centres and scales, and maps a constant feature to 0 without NaN", () => {
    const s = fitStandardizer([[1, 5, 0.1], [3, 5, 0.1], [5, 5, 0.1]]);
    expect(Array.from(s.mean.subarray(0, 2))).toEqual([3, 5]);
    expect(s.mean[2]).toBeCloseTo(0.1, 15);
    expect(s.scale[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect(Array.from(s.scale.subarray(1))).toEqual([1, 1]);
    const z = standardizeRow(s, [5, 5, 0.1]);
    expect(z[0]).toBeCloseTo(2 / Math.sqrt(8 / 3), 12);
    expect(z[1]).toBe(0);
    expect(Math.abs(z[2])).toBeLessThan(1e-15);
    expect(errorOf(() => standardizeRow(s, [1, 2])).code).toBe(ErrorCodes.VECTOR_SIZE);
    expect(errorOf(() => fitStandardizer([[1, 2], [1]])).code).toBe(ErrorCodes.VECTOR_SIZE);
  });
});

describe("logistic probe", () => {
  const train = blobs(300, 40, 6, 1);
  const test = blobs(300, 40, 6, 2);

  it("separates separable data (held-out AUC ≈ 1) and is deterministic", () => {
    const { probe, info } = fitLogisticProbe(train.x, train.y);
    expect(info.converged).toBe(true);
    expect(rocAuc(predictProbaRows(probe, test.x), test.y)).toBeGreaterThan(0.99);
    const again = fitLogisticProbe(train.x, train.y).probe;
    expect(Array.from(again.weights)).toEqual(Array.from(probe.weights));
    expect(again.bias).toBe(probe.bias);
    const p = predictProba(probe, test.x[0]);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1);
  });

  it("a stronger penalty shrinks the weights", () => {
    const size = (lambda: number): number => Math.hypot(...fitLogisticProbe(train.x, train.y, { lambda }).probe.weights);
    expect(size(1)).toBeLessThan(size(0.01));
  });

  it("refuses one-class labels, mismatched lengths and unknown options", () => {
    expect(errorOf(() => fitLogisticProbe(train.x, train.y.map(() => 0))).code).toBe(ErrorCodes.INVALID_ARGUMENT);
    expect(errorOf(() => fitLogisticProbe(train.x, train.y.slice(1))).message).toBe("Expected 300 labels (one per row) for y but received an array of length 299");
    expect(errorOf(() => fitLogisticProbe(train.x, train.y, { lamda: 1 } as never)).message).toContain('did you mean "lambda"');
    expect(errorOf(() => fitLogisticProbe([[1, Infinity], [0, 0]], [0, 1])).code).toBe(ErrorCodes.NOT_FINITE);
  });
});

describe("cross-validated AUC", () => {
  const data = blobs(240, 30, 5, 4);

  it("is ≈ 1 on separable data and ≈ 0.5 with shuffled labels", () => {
    const cv = crossValidatedAuc(data.x, data.y, { folds: 5, seed: 7 });
    expect(cv.auc).toBeGreaterThan(0.98);
    expect(cv.foldAucs).toHaveLength(5);
    expect(cv.pooledAuc).toBeGreaterThan(0.97);
    expect(cv.shuffledAuc).toBeGreaterThan(0.3);
    expect(cv.shuffledAuc).toBeLessThan(0.7);
  });

  it("is deterministic across runs and changes with the seed", () => {
    const a = crossValidatedAuc(data.x, data.y, { seed: 1 });
    const b = crossValidatedAuc(data.x, data.y, { seed: 1 });
    expect(b.foldAucs).toEqual(a.foldAucs);
    expect(b.shuffledFoldAucs).toEqual(a.shuffledFoldAucs);
    expect(Array.from(b.scores)).toEqual(Array.from(a.scores));
    expect(Array.from(crossValidatedAuc(data.x, data.y, { seed: 2, shuffledControl: false }).foldOf)).not.toEqual(Array.from(a.foldOf));
  });

  it("stratified folds are balanced per class", () => {
    const labels = Uint8Array.from({ length: 23 }, (_, i) => (i < 8 ? 1 : 0));
    const folds = stratifiedFolds(labels, 4, 0);
    for (let f = 0; f < 4; f++) {
      const members = [...folds.keys()].filter((i) => folds[i] === f);
      const positives = members.filter((i) => labels[i] === 1).length;
      expect(positives).toBe(2);
      expect(members.length).toBeGreaterThanOrEqual(5);
      expect(members.length).toBeLessThanOrEqual(6);
    }
    expect(errorOf(() => stratifiedFolds(labels, 9, 0)).message).toBe("Cannot make 9 stratified folds: the smaller class has only 8 rows (each fold needs one of each class)");
  });

  it("takes any fitter", () => {
    // A mean-difference projection: no optimisation at all.
    const meanDifferenceFitter: BinaryFitter = (x, y) => {
      const w = new Float64Array(x.cols);
      for (let r = 0; r < x.rows; r++) for (let i = 0; i < x.cols; i++) w[i] += (y[r] ? 1 : -1) * x.data[r * x.cols + i];
      return (row) => w.reduce((s, wi, i) => s + wi * row[i], 0);
    };
    const cv = crossValidatedAuc(data.x, data.y, { fit: meanDifferenceFitter, shuffledControl: false });
    expect(cv.auc).toBeGreaterThan(0.95);
    expect(cv.shuffledAuc).toBeUndefined();
  });
});

describe("softmax router", () => {
  /** K clusters around random centres. */
  function clusters(perClass: number, seed: number): { x: Float32Array[]; labels: string[] } {
    const centres = new SeededRandom(99, "centres");
    const means = ["math", "weather", "email", "calendar"].map((name) => ({ name, mean: Float64Array.from({ length: 24 }, () => 2 * centres.gaussian()) }));
    const r = new SeededRandom(seed, "clusters");
    const x: Float32Array[] = [];
    const labels: string[] = [];
    for (let i = 0; i < perClass; i++) {
      for (const { name, mean } of means) {
        x.push(Float32Array.from(mean, (m) => m + r.gaussian()));
        labels.push(name);
      }
    }
    return { x, labels };
  }

  it("routes planted clusters accurately, with probabilities summing to 1", () => {
    const train = clusters(50, 1);
    const test = clusters(50, 2);
    const { router, info } = fitSoftmaxRouter(train.x, train.labels);
    expect(info.converged).toBe(true);
    expect(router.classes).toEqual(["calendar", "email", "math", "weather"]);
    expect(routerAccuracy(router, test.x, test.labels)).toBeGreaterThan(0.97);
    const p = routerProbabilities(router, test.x[0]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(route(router, test.x[0]).label).toBe(test.labels[0]);
  });

  it("honours a class order and refuses classes without rows", () => {
    const train = clusters(10, 3);
    const order = ["weather", "math", "email", "calendar"];
    expect(fitSoftmaxRouter(train.x, train.labels, { classes: order }).router.classes).toEqual(order);
    expect(errorOf(() => fitSoftmaxRouter(train.x, train.labels, { classes: [...order, "travel"] })).message).toBe(
      "A router needs at least two classes, each with at least one row (classes: weather, math, email, calendar, travel; without rows: travel)",
    );
    expect(errorOf(() => fitSoftmaxRouter(train.x, train.labels, { classes: ["math", "email"] })).code).toBe(ErrorCodes.INVALID_ARGUMENT);
  });
});

describe("cosine readout", () => {
  const means = new Map([
    ["a", [1, 0, 0]],
    ["b", [0, 1, 0]],
    ["c", [0, 0, 1]],
  ]);

  it("predicts the closest mean and reports the top-1 − top-2 gap", () => {
    const r = cosineReadout(means, [3, 1, 0]);
    expect(r.predicted).toBe("a");
    expect(r.runnerUp).toBe("b");
    expect(r.scores[0]).toBeCloseTo(3 / Math.sqrt(10), 12);
    expect(r.gap).toBeCloseTo(2 / Math.sqrt(10), 12);
    expect(cosineReadout(means, [1, 1, 0]).gap).toBe(0);
  });

  it("centres row and means when asked", () => {
    const shifted = new Map([...means].map(([k, v]) => [k, v.map((x) => x + 10)]));
    const center = meanOfMeans(shifted);
    expect(cosineReadout(shifted, [10, 10, 11], { center }).predicted).toBe("c");
    expect(errorOf(() => cosineReadout(new Map([["a", [1]]]), [1])).code).toBe(ErrorCodes.INVALID_ARGUMENT);
    expect(errorOf(() => cosineReadout(means, [1, 0])).code).toBe(ErrorCodes.VECTOR_SIZE);
  });
});

describe("at realistic size (2,000 rows × 1,024 features)", () => {
  it("fits a logistic probe that converges and separates the classes", () => {
    const { x, y } = blobs(2000, 1024, 3, 11);
    const { probe, info } = fitLogisticProbe(x, y);
    expect(info.converged).toBe(true);
    expect(rocAuc(predictProbaRows(probe, x), y)).toBeGreaterThan(0.99);
  });
});
