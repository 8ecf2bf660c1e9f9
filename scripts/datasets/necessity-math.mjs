// Math: a calculator is needed for exact arithmetic a small model cannot do in its head (multi-digit products,
// fractional powers, logs, compound growth, long sums); it is not needed for concepts, method questions, symbolic
// one-liners or arithmetic a person does mentally.
import { functionTool, groupDigits, makeDeck } from "./lib.mjs";

export const mathTools = [
  functionTool(
    "calculator",
    "Evaluates an arithmetic expression exactly. Supports + - * / ^ %, parentheses, sqrt, cbrt, ln, log10, log2, sin, cos, tan (radians), pi, e, factorial(n) and comb(n, k).",
    {
      expression: { type: "string", minLength: 1, description: "The expression to evaluate, e.g. \"(17.3 - 4.08) * 2.9\"." },
      decimals: { type: "integer", minimum: 0, maximum: 15, description: "Digits after the decimal point to round to; omit for full precision." },
    },
    ["expression"],
  ),
];

const call = (expression, decimals) => ({ name: "calculator", arguments: decimals === undefined ? { expression } : { expression, decimals } });
const plain = (s) => String(s).replace(/,/g, "");

/** Each entry draws numbers and a phrasing and returns {template, values, expected}; `collect` styles and fills it. */
const NEEDED = [
  (r) => {
    const a = r.int(1200, 989999), b = r.int(130, 99999);
    const f = r.pick(["What's {a} × {b}?", "multiply {a} by {b}", "{a}*{b} = ?", "I need the exact product of {a} and {b}.", "quick: {a} times {b}", "Can you calculate {a} multiplied by {b}? It goes on an invoice so it has to be exact.", "what do you get if you multiply {a} and {b} together", "{a} x {b}, exact please"]);
    return { template: f, values: { a: groupDigits(r, a), b: groupDigits(r, b) }, expected: call(`${a} * ${b}`) };
  },
  (r) => {
    const base = r.decimal(1.1, 9.9, r.int(1, 2)), exp = r.decimal(1.1, 4.9, 1), d = r.pick([4, 5, 6, 8]);
    const f = r.pick(["What is {b}^{e} to {d} decimal places?", "raise {b} to the power of {e}, {d} decimals", "compute {b} ** {e}", "{b} to the {e}th power — I need {d} digits after the point", "How much is {b} raised to {e}? Round to {d} places."]);
    return { template: f, values: { b: base, e: exp, d }, expected: call(`${base}^${exp}`, f.includes("{d}") ? d : undefined) };
  },
  (r) => {
    let n = r.int(200, 99999);
    if (Number.isInteger(Math.sqrt(n))) n += 1;
    const d = r.int(3, 9);
    const f = r.pick(["square root of {n} to {d} decimal places", "What's √{n}? Give me {d} decimals.", "I need sqrt({n}) accurate to {d} places", "Compute the square root of {n}, rounded to {d} digits after the decimal point."]);
    return { template: f, values: { n: groupDigits(r, n), d }, expected: call(`sqrt(${n})`, d) };
  },
  (r) => {
    const n = r.int(1001, 999999);
    const f = r.pick(["cube root of {n}?", "What number cubed gives {n}? Decimals are fine.", "cbrt({n}) please", "Find the cube root of {n} for me."]);
    return { template: f, values: { n: groupDigits(r, n) }, expected: call(`cbrt(${n})`) };
  },
  (r) => {
    const kind = r.pick(["ln", "log10", "log2"]);
    const x = r.pick([r.decimal(0.0001, 0.9, 5), r.decimal(2, 99999, 2), String(r.int(3000, 90000000))]);
    const name = { ln: r.pick(["natural log of {x}", "ln({x})", "What's the natural logarithm of {x}?"]), log10: r.pick(["log base 10 of {x}", "what is log10({x})", "common log of {x}?"]), log2: r.pick(["log base 2 of {x}", "How many doublings is {x}, i.e. log2({x})?", "log₂ of {x}"]) }[kind];
    return { template: name, values: { x }, expected: call(`${kind}(${x})`) };
  },
  (r) => {
    const fn = r.pick(["sin", "cos", "tan"]), deg = r.pick([r.int(1, 89), r.decimal(1, 359, 1)]), d = r.int(3, 6);
    const f = r.pick(["What is {fn} of {deg} degrees, to {d} decimals?", "{fn}({deg}°) = ? ({d} places)", "I need the {fn} of a {deg} degree angle rounded to {d} decimal places", "compute {fn} {deg} deg, {d} dp"]);
    return { template: f, values: { fn, deg, d }, expected: call(`${fn}(${deg} * pi / 180)`, d) };
  },
  (r) => {
    const p = r.int(1000, 250000), rate = r.decimal(0.5, 9.5, 2), years = r.int(2, 40);
    const [label, n] = r.pick([["monthly", 12], ["quarterly", 4], ["annually", 1], ["daily", 365]]);
    const f = r.pick(["If I invest ${p} at {rate}% compounded {label} for {y} years, what do I end up with?", "Future value of {p} EUR at {rate}% per year, compounded {label}, after {y} years?", "my savings account pays {rate}% compounded {label}. I put in {p}. balance after {y} years?", "compound interest: principal {p}, rate {rate}%, {label} compounding, {y} yrs — final amount to the cent"]);
    return { template: f, values: { p: groupDigits(r, p), rate, label, y: years }, expected: call(`${p} * (1 + ${rate} / 100 / ${n})^(${n} * ${years})`, 2) };
  },
  (r) => {
    const p = r.int(40, 900) * 1000, rate = r.decimal(2.5, 8.9, 2), years = r.pick([10, 15, 20, 25, 30]);
    const f = r.pick(["What's the monthly payment on a ${p} mortgage at {rate}% over {y} years?", "loan of {p}, {rate}% APR, {y}-year term. monthly installment?", "Calculate my monthly repayment: {p} borrowed, {rate} percent interest, {y} years."]);
    return { template: f, values: { p: groupDigits(r, p), rate, y: years }, expected: call(`${p} * (${rate} / 1200) / (1 - (1 + ${rate} / 1200)^(-${years * 12}))`, 2) };
  },
  (r) => {
    const pct = r.decimal(1.5, 38.5, r.int(1, 2)), x = r.decimal(101, 99999, 2);
    const f = r.pick(["What is {pct}% of {x}?", "{pct} percent of {x} = ?", "how much is {pct}% of {x} exactly", "Take {pct}% of {x} for me."]);
    return { template: f, values: { pct, x }, expected: call(`${x} * ${pct} / 100`) };
  },
  (r) => {
    const items = Array.from({ length: r.int(5, 10) }, () => r.decimal(1, 4999, 2));
    const layout = r.pick([items.join(", "), items.join("\n"), items.map((x) => `- ${x}`).join("\n"), items.join(" + ")]);
    const f = r.pick(["Add these up:\n{list}", "total of the following expenses please\n{list}", "What's the sum of {list}?", "Can you sum this column for me?\n{list}", "My receipts: {list}. What's the total?"]);
    return { template: f, values: { list: layout }, expected: call(items.join(" + "), 2) };
  },
  (r) => {
    const items = Array.from({ length: r.int(6, 12) }, () => String(r.pick([r.int(11, 999), r.decimal(10, 99, 1)])));
    const f = r.pick(["What's the average of {list}?", "mean of these numbers: {list}", "Compute the arithmetic mean: {list}", "my test scores were {list} — what's my average?"]);
    return { template: f, values: { list: items.join(r.pick([", ", " ", "; "])) }, expected: call(`(${items.join(" + ")}) / ${items.length}`) };
  },
  (r) => {
    const a = r.int(10000, 9999999), b = r.decimal(0.0013, 0.987, 4);
    const f = r.pick(["divide {a} by {b}", "What's {a} / {b}?", "{a} divided by {b}, please", "how many times does {b} go into {a}?"]);
    return { template: f, values: { a: groupDigits(r, a), b }, expected: call(`${a} / ${b}`) };
  },
  (r) => {
    const a = r.int(1000000, 999999999), b = r.int(97, 9973);
    const f = r.pick(["What's the remainder when {a} is divided by {b}?", "{a} mod {b}", "compute {a} % {b}", "If I split {a} items into groups of {b}, how many are left over?"]);
    return { template: f, values: { a, b }, expected: call(`${a} % ${b}`) };
  },
  (r) => {
    const n = r.int(16, 40);
    const f = r.pick(["What's {n} factorial, every digit?", "{n}! exactly", "Give me the exact value of {n}!", "how many ways can {n} people stand in a line?"]);
    return { template: f, values: { n }, expected: call(`factorial(${n})`) };
  },
  (r) => {
    const n = r.int(30, 90), k = r.int(5, 12);
    const f = r.pick(["How many ways are there to choose {k} items from {n}?", "{n} choose {k}", "In a lottery where you pick {k} numbers out of {n}, how many possible tickets are there?", "number of {k}-person committees from a group of {n}?"]);
    return { template: f, values: { n, k }, expected: call(`comb(${n}, ${k})`) };
  },
  (r) => {
    const y = r.decimal(1.1, 9.9, 1);
    const f = r.pick(["How many seconds are there in {y} years, using 365.25-day years?", "{y} years in seconds (365.25 days per year)?", "convert {y} years to seconds, assume 365.25 days/year"]);
    return { template: f, values: { y }, expected: call(`${y} * 365.25 * 24 * 3600`) };
  },
  (r) => {
    const bill = r.decimal(40, 900, 2), tip = r.pick([12, 15, 18, 20, 22]), people = r.int(3, 11);
    const f = r.pick(["Our bill is ${bill}, we want to tip {tip}% and split it {n} ways. How much does each of us pay?", "dinner came to {bill}, +{tip}% tip, {n} people. per person?", "Split {bill} plus a {tip} percent tip evenly among {n} friends."]);
    return { template: f, values: { bill, tip, n: people }, expected: call(`${bill} * (1 + ${tip} / 100) / ${people}`, 2) };
  },
  (r) => {
    const a = r.decimal(100, 5000, 2), b = r.decimal(100, 5000, 2);
    const f = r.pick(["The price went from {a} to {b}. What's the percentage change?", "percent change from {a} to {b}?", "Revenue was {a}k last quarter and {b}k this quarter — by what percent did it change?"]);
    return { template: f, values: { a, b }, expected: call(`(${b} - ${a}) / ${a} * 100`, 2) };
  },
  (r) => {
    const km = r.int(120, 1400), l = r.decimal(8, 95, 1);
    const f = r.pick(["I drove {km} km and used {l} litres of fuel. What's my consumption in L/100 km?", "{l} L over {km} km — how many litres per 100 km is that?", "fuel economy check: {km} kilometres, {l} liters. L/100km?"]);
    return { template: f, values: { km, l }, expected: call(`${l} / ${km} * 100`, 2) };
  },
  (r) => {
    const b = r.pick([2, 3, 7, 11, 13]), e = b === 2 ? r.int(41, 99) : r.int(17, 40);
    const f = r.pick(["What is {b}^{e} exactly?", "Give me every digit of {b} to the power {e}.", "{b}**{e} = ?", "exact value of {b} raised to {e}"]);
    return { template: f, values: { b, e }, expected: call(`${b}^${e}`) };
  },
  (r) => {
    const a = r.decimal(2, 99, 2), b = r.decimal(2, 99, 2);
    const f = r.pick(["A right triangle has legs of {a} and {b} cm. How long is the hypotenuse?", "hypotenuse for sides {a} and {b}?", "What is sqrt({a}^2 + {b}^2)?", "distance between (0,0) and ({a},{b})"]);
    return { template: f, values: { a, b }, expected: call(`sqrt(${a}^2 + ${b}^2)`) };
  },
  (r) => {
    const radius = r.decimal(1.1, 99, 2);
    const f = r.pick(["Area of a circle with radius {x} m?", "what's the area of a pizza {x} inches in radius", "circle, r = {x}. area to 4 decimals?", "How much fabric covers a round table of radius {x} ft? (area)"]);
    return { template: f, values: { x: radius }, expected: call(`pi * ${radius}^2`, f.includes("4 decimals") ? 4 : undefined) };
  },
  (r) => {
    const n1 = r.decimal(1.01, 9.99, 3), e1 = r.int(18, 26), m = r.decimal(0.0011, 0.99, 4);
    const f = r.pick(["What is {n}e{e} times {m}?", "multiply {n} × 10^{e} by {m}", "{n}*10^{e} * {m} in scientific notation?"]);
    return { template: f, values: { n: n1, e: e1, m }, expected: call(`${n1} * 10^${e1} * ${m}`) };
  },
  (r) => {
    const a = r.decimal(1, 60, 2), b = r.decimal(0.1, 9, 2), c = r.decimal(1, 9, 1), d = r.decimal(0.1, 3, 2), e = r.int(2, 4);
    const expr = `(${a} - ${b}) * ${c} / (${d} + 0.77)^${e}`;
    const f = r.pick(["evaluate {x}", "What does {x} come out to?", "can you compute this for me: {x}", "{x} =", "I keep getting different answers for {x} — what's the right value?"]);
    return { template: f, values: { x: expr }, expected: call(expr) };
  },
  (r) => {
    const salary = r.int(28, 190) * 1000, raise = r.decimal(1.5, 12, 1), years = r.int(3, 15);
    const f = r.pick(["I earn {s} a year and get a {p}% raise every year. What will I earn after {y} years?", "salary {s}, {p}% annual raise, {y} years — what's the salary at the end?", "If my pay grows {p}% per year from {s}, what is it in {y} years?"]);
    return { template: f, values: { s: groupDigits(r, salary), p: raise, y: years }, expected: call(`${salary} * (1 + ${raise} / 100)^${years}`, 2) };
  },
  (r) => {
    const w = r.decimal(45, 140, 1), h = r.decimal(1.45, 2.05, 2);
    const f = r.pick(["I weigh {w} kg and I'm {h} m tall. What's my BMI to two decimals?", "BMI for {w}kg, {h}m?", "compute body mass index: weight {w} kg, height {h} m"]);
    return { template: f, values: { w, h }, expected: call(`${w} / ${h}^2`, 2) };
  },
];

/** Conceptual questions about math: the model answers from knowledge. */
const CONCEPTS = [
  "What does a derivative measure?", "Explain the difference between mean and median.", "What is the Pythagorean theorem?", "Is zero an even number?",
  "Why can't you divide by zero?", "What is a prime number?", "What's the difference between permutations and combinations?", "Give me an intuition for eigenvectors.",
  "What does standard deviation tell me about a dataset?", "Is pi a rational number?", "What's an integral, in plain words?", "Why does a negative times a negative give a positive?",
  "what is a logarithm actually", "How is a limit different from just plugging in the value?", "What's the fundamental theorem of calculus saying?", "Explain what a matrix determinant is used for.",
  "What does it mean for a function to be continuous?", "What is the difference between a vector and a scalar?", "why is 1 not considered prime", "What is Bayes' theorem in simple terms?",
  "What's the difference between correlation and causation?", "Explain what a p-value is without jargon.", "What is an irrational number? Give an example.", "How does long division work, conceptually?",
  "What is modular arithmetic used for in cryptography?", "What are complex numbers and why do we need them?", "Explain the concept of infinity in set theory, like countable vs uncountable.", "What is a Fourier transform good for?",
  "What's the golden ratio and where does it show up?", "Why do we use radians instead of degrees in calculus?", "What is a geometric series?", "explain big O notation like a math thing not a code thing",
  "What's the difference between discrete and continuous probability distributions?", "What is the law of large numbers?", "In simple terms, what is a group in abstract algebra?", "What does 'orthogonal' mean for two vectors?",
  "Why is the area of a circle pi r squared? Intuition please.", "What is a proof by induction?", "What's the difference between a theorem and a conjecture?", "What does it mean that a series converges?",
  "What's the central limit theorem?", "What is linear regression trying to minimize?", "How do you know if a number is divisible by 3?", "What is Euler's identity and why do people find it beautiful?",
  "What are the axioms of probability?", "What does a second derivative tell you about a graph?", "Explain the difference between variance and standard deviation.", "What's a function's domain vs its range?",
  "Why is the sum of angles in a triangle 180 degrees?", "What is a tangent line?", "How are exponents and logarithms related?", "What's the difference between a permutation matrix and an identity matrix?",
  "What is the quadratic formula and when do you use it?", "Can you explain what e (2.718...) represents?", "What is a Markov chain in plain English?", "Why does 0.999... equal 1?",
  "What is topology about, roughly?", "What is a partial derivative?", "explain what a gradient is", "what does it mean when a matrix is singular",
  "How does compound interest differ from simple interest, in principle?", "What's the Monty Hall problem and why is the answer counterintuitive?", "What's the difference between an expression and an equation?", "What is a vector space?",
  "Why is the harmonic series divergent even though terms shrink?", "What is Gödel's incompleteness theorem about, in a sentence or two?", "what's a sigma in sums", "What is the difference between sine and cosine?",
  "Is every square a rectangle?", "What does 'statistically significant' really mean?", "Explain the birthday paradox intuitively.", "What is the difference between rational and real numbers?",
  "Why do we rationalize denominators?", "What's a confidence interval?", "What is dimensional analysis?", "What's the unit circle?",
  "What are prime factorizations good for?", "What is the difference between an arithmetic and a geometric mean?", "What's a polynomial's degree?", "Why is multiplying matrices not commutative?",
  "Explain what an asymptote is.", "What does 'i' stand for in math?", "How do I think about negative exponents?", "What's the difference between a median and a mode?",
  "What is a bijection?", "ELI5 calculus", "What is a random variable?", "how do fractions and decimals relate",
  "what is the chain rule for derivatives", "Explain what an eigenvalue of zero means.", "What is the difference between a sample and a population in statistics?", "Why do we care about prime numbers at all?",
  "What is the difference between a square root and a cube root?", "What does 'linear' mean in linear algebra?", "Why is the empty set a subset of every set?", "What is a Taylor series used for?",
];

/** How-to questions: they ask for the method, not for a number. */
const METHODS = [
  "How do I compute a percentage increase between two numbers?", "What's the method to find the area of a trapezoid?", "How would I find the inverse of a 2x2 matrix by hand?", "Walk me through completing the square.",
  "How do you convert a repeating decimal to a fraction?", "what's the trick for multiplying by 11 in your head", "How do I calculate compound interest? Just the formula, I'll do the numbers.", "Steps to solve a system of two linear equations?",
  "How do I find the median of an even-sized list?", "What's the formula for the volume of a cone?", "How do you calculate a weighted average?", "How do I estimate a square root without a calculator?",
  "How do you find the least common multiple of two numbers?", "explain how to do long multiplication", "How do I compute standard deviation by hand, step by step?", "What's the formula for the sum of the first n integers?",
  "How do you integrate by parts?", "How do I find the slope between two points?", "What's the formula for a loan's monthly payment? No need to plug numbers in.", "How do I check if a number is prime by hand?",
  "How can I convert degrees to radians?", "How do I find the GCD with the Euclidean algorithm?", "How do I figure out the tip on a bill quickly in my head?", "What's the rule for dividing fractions?",
  "How do I calculate the probability of two independent events both happening?", "What's the procedure for simplifying a radical?", "How do I find the vertex of a parabola?", "How would you approach proving the square root of 2 is irrational?",
  "How do you compute a dot product?", "how to get from a percentage to a decimal?", "How do I work out the perimeter of an ellipse approximately?", "How do I set up a proportion to solve a recipe scaling problem?",
];

const SYMBOLIC = [
  "What's the derivative of x^2?", "Solve 2x + 3 = 7.", "What's the integral of 1/x?", "derivative of sin(x)?", "Simplify (x^2 - 1)/(x - 1).", "Factor x^2 + 5x + 6.",
  "What's the derivative of e^x?", "Solve for y: 3y - 9 = 0", "expand (a + b)^2", "What is the antiderivative of 2x?", "What's log base 10 of 1000?", "What is 2 to the 10th power?",
  "Is 91 prime?", "What's the square root of 144?", "What's 15% of 200?", "Solve x^2 = 49.", "What's the derivative of ln(x)?", "What's cos(0)?", "what's sin(90 degrees)",
  "Simplify 3(x + 4) - 2x.", "What's the limit of 1/x as x goes to infinity?", "Is 1/3 bigger than 0.3?", "Convert 0.75 to a fraction.", "What's 1/4 as a percent?",
];

export function mathNeeded(r) {
  return r.pick(NEEDED)(r);
}

const TOPICS = [
  "eigenvalues", "Bayes' theorem", "the chain rule", "prime factorization", "logarithms", "standard deviation", "matrix multiplication", "the binomial theorem",
  "conditional probability", "vectors", "imaginary numbers", "integration", "limits", "sequences and series", "trigonometric identities", "the normal distribution",
  "set theory", "graph theory", "modular arithmetic", "linear regression", "derivatives", "fractions", "exponential growth", "the Pythagorean theorem",
  "hypothesis testing", "combinatorics", "differential equations", "polar coordinates", "the dot product", "quadratic equations", "Fibonacci numbers", "fractals",
];
const ASPECTS = [
  "What are common mistakes students make with {t}?", "Who first came up with {t}, historically?", "What's a real-world application of {t}?", "How would you explain {t} to a 12-year-old?",
  "Why does {t} matter outside of school?", "What should I learn before tackling {t}?", "Can you recommend a good way to practice {t}?", "What's the single most important idea behind {t}?",
];

/** Hand-written concepts, methods and symbolic one-liners (each used once), then topic questions and mental arithmetic. */
export function makeMathNotNeeded(r) {
  const handWritten = makeDeck(r, [...CONCEPTS, ...METHODS, ...SYMBOLIC]);
  return () => {
    const base = r.chance(0.75) ? handWritten() : undefined;
    if (base !== undefined) return { template: base, values: {} };
    if (r.chance(0.5)) return { template: r.pick(ASPECTS), values: { t: r.pick(TOPICS) } };
    return { template: mentalArithmetic(r), values: {} };
  };
}

function mentalArithmetic(r) {
  const a = r.int(2, 12), b = r.int(2, 12), c = r.pick([10, 20, 50, 100, 200, 1000]);
  const forms = [
    [`What's ${a} + ${b}?`], [`what is ${a} times ${b}`], [`${a * b} divided by ${b}?`], [`half of ${c}?`], [`What's ${r.pick([10, 25, 50])}% of ${c}?`],
    [`double ${a * 5}`], [`is ${a * b} even or odd?`], [`${c} minus ${a}?`], [`How many minutes are in ${a} hours?`], [`What's ${a} squared?`],
    [`If I have ${a} apples and eat ${Math.min(a, b) - 1}, how many are left?`], [`${a} dozen eggs is how many eggs?`], [`what's ${c} + ${c}`], [`How many days are in ${a} weeks?`],
    [`Which is bigger, ${a}/${b} or ${b}/${a}?`], [`Round ${a}.${b} to the nearest whole number.`], [`what's ${c} divided by ${r.pick([2, 4, 5, 10])}`], [`I had ${c} dollars and spent ${c / 2}. How much is left?`],
  ];
  return r.pick(forms)[0];
}
