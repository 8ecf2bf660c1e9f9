// Code: a Python runner is needed when the answer is the result of executing code (exact output, hashes, big
// loops, dates, simulations, data given inline); it is not needed to explain, write, review or fix code.
import { functionTool, makeDeck } from "./lib.mjs";

export const codeTools = [
  functionTool(
    "run_python",
    "Runs a Python 3.12 snippet in a sandbox without network access and returns its stdout, stderr and the value of the last expression.",
    {
      code: { type: "string", minLength: 1, description: "The Python source to execute." },
      timeout_seconds: { type: "integer", minimum: 1, maximum: 300, description: "Wall-clock limit; default 30." },
    },
    ["code"],
  ),
];

const call = (code, timeout) => ({ name: "run_python", arguments: timeout ? { code, timeout_seconds: timeout } : { code } });
const VAR = ["data", "values", "nums", "xs", "items", "scores", "readings", "arr", "buf", "seq"];
const WORDS = ["banana", "kiwi", "llama", "steer", "hello world", "Zürich", "password123", "tensor", "quokka", "mississippi", "OpenStreetMap", "sunflower"];

/** Snippets to execute; each returns the code with freshly drawn names and values. */
const SNIPPETS = [
  (r) => { const v = r.pick(VAR), n = r.int(5, 40); return `${v} = [i * i % ${r.int(7, 31)} for i in range(${n})]\nprint(sorted(set(${v})))`; },
  (r) => `import hashlib\nprint(hashlib.sha256(${JSON.stringify(r.pick(WORDS))}.encode()).hexdigest())`,
  (r) => `import hashlib\nprint(hashlib.md5(b"${r.pick(["abc", "llama", "2024", "x" + r.int(1, 999)])}").hexdigest()[:${r.int(6, 16)}])`,
  (r) => { const a = r.int(3, 9); return `def f(n):\n    return n if n < 2 else f(n - 1) + f(n - 2)\nprint([f(i) for i in range(${a * 3})])`; },
  (r) => `import random\nrandom.seed(${r.int(0, 9999)})\nprint(random.sample(range(${r.int(50, 500)}), ${r.int(3, 8)}))`,
  (r) => `from datetime import date\nprint(date(${r.int(1950, 2030)}, ${r.int(1, 12)}, ${r.int(1, 28)}).strftime("%A"))`,
  (r) => `from datetime import date\nprint((date(${r.int(2025, 2040)}, ${r.int(1, 12)}, ${r.int(1, 28)}) - date(${r.int(1980, 2024)}, ${r.int(1, 12)}, ${r.int(1, 28)})).days)`,
  (r) => { const s = r.pick(WORDS); return `s = ${JSON.stringify(s)}\nprint({c: s.count(c) for c in sorted(set(s))})`; },
  (r) => `x = ${r.int(2, 9)}\nfor _ in range(${r.int(3, 6)}):\n    x = x ** 2 % ${r.int(1000, 99999)}\nprint(x)`,
  (r) => `print(sum(1 for n in range(2, ${r.int(2, 9) * 10000}) if all(n % d for d in range(2, int(n ** 0.5) + 1))))`,
  (r) => `import re\ntext = "${r.pick(["Order #4411 shipped 2024-03-02, order #9 pending", "call 555-0199 or 555-0142 before 5pm", "v1.2.3 -> v1.10.0 -> v2.0.0-rc1"])}"\nprint(re.findall(r"${r.pick(["\\d+", "[0-9]{3}-[0-9]{4}", "v?\\d+\\.\\d+"])}", text))`,
  (r) => { const v = r.pick(VAR); return `${v} = ${JSON.stringify(Array.from({ length: r.int(6, 12) }, () => r.int(-50, 99)))}\nprint(max(${v}) - min(${v}), sum(${v}) / len(${v}))`; },
  (r) => `a = ${r.int(10, 99)}\nb = a\na += ${r.int(1, 9)}\nprint(a, b, a is b)`,
  (r) => `lst = [[0] * ${r.int(2, 4)}] * ${r.int(2, 4)}\nlst[0][${r.int(0, 1)}] = ${r.int(1, 9)}\nprint(lst)`,
  (r) => `def add(item, bucket=[]):\n    bucket.append(item)\n    return bucket\nprint(add(${r.int(1, 9)}), add(${r.int(10, 99)}))`,
  (r) => `print(${r.pick(["0.1 + 0.2 == 0.3", "round(2.675, 2)", "round(0.5), round(1.5), round(2.5)", "int('0x1F', 16)", "'%.20f' % 0.1", "divmod(-7, 2)", "(-7) // 2, -7 % 2"])})`,
  (r) => `import itertools\nprint(len(list(itertools.permutations(range(${r.int(5, 9)}), ${r.int(2, 4)}))))`,
  (r) => `import math\nprint(math.factorial(${r.int(25, 60)}) % ${r.int(1000003, 9999991)})`,
  (r) => `words = "${r.pick(["the quick brown fox jumps over the lazy dog the end", "to be or not to be that is the question", "a rose is a rose is a rose"])}".split()\nfrom collections import Counter\nprint(Counter(words).most_common(${r.int(2, 4)}))`,
  (r) => `import json\ns = '{"a": [1, 2, {"b": ${r.int(1, 99)}}], "c": null}'\nprint(json.loads(s)["a"][2]["b"] * ${r.int(2, 9)})`,
  (r) => `class Node:\n    def __init__(self, v, nxt=None):\n        self.v, self.nxt = v, nxt\nhead = Node(1, Node(2, Node(${r.int(3, 9)})))\nwhile head:\n    print(head.v, end=" ")\n    head = head.nxt`,
  (r) => `print(sorted(${JSON.stringify(r.sample(["pear", "Apple", "banana", "cherry", "apple", "Date", "fig"], 5))}, key=${r.pick(["str.lower", "len", "lambda s: s[::-1]"])}))`,
  (r) => `print(bin(${r.int(100, 100000)}), hex(${r.int(100, 100000)}), oct(${r.int(8, 4096)}))`,
  (r) => `import statistics\nxs = ${JSON.stringify(Array.from({ length: r.int(7, 15) }, () => r.int(1, 200)))}\nprint(statistics.median(xs), statistics.pstdev(xs))`,
  (r) => `import random\nrandom.seed(${r.int(1, 500)})\nrolls = [random.randint(1, 6) for _ in range(${r.int(1, 9) * 10000})]\nprint(rolls.count(6) / len(rolls))`,
  (r) => `s = ${JSON.stringify(r.pick(["racecar", "A man, a plan, a canal: Panama", "never odd or even", "llama"]))}\nt = "".join(ch.lower() for ch in s if ch.isalnum())\nprint(t == t[::-1], t)`,
  (r) => `gen = (x * ${r.int(2, 5)} for x in range(${r.int(3, 7)}))\nprint(list(gen), list(gen))`,
  (r) => `d = {}\nfor k in ${JSON.stringify(r.pick(["abracadabra", "hello", "steering"]))}:\n    d.setdefault(k, []).append(ord(k))\nprint(d)`,
  (r) => `import numpy as np\nm = np.array([[${r.int(1, 9)}, ${r.int(1, 9)}], [${r.int(1, 9)}, ${r.int(1, 9)}]])\nprint(np.linalg.det(m), np.linalg.eigvals(m))`,
  (r) => `try:\n    print(${JSON.stringify(r.pick(["abc", "12", "x"]))} + ${r.int(1, 9)})\nexcept Exception as e:\n    print(type(e).__name__, e)`,
];

const RUN_FRAMES = [
  "Run this and tell me what it prints:\n{code}", "What's the exact output of this? Please actually execute it, I don't trust guesses.\n{code}", "can you execute:\n```python\n{code}\n```",
  "I get a weird result from this, run it and show me the output\n{code}", "execute the following python and paste the result\n\n{code}", "{code}\n\nwhat does that output when run?",
  "Please run this snippet for me:\n```\n{code}\n```", "Could you run the code below and report stdout?\n{code}", "Test-run this real quick:\n{code}", "Execute this Python 3 code and tell me the result, including any errors:\n{code}",
];

/** Questions whose answer is a computation best done by writing and running code. */
const TASKS = [
  (r) => { const n = r.int(200, 2000); return [`What is the ${n}th Fibonacci number, all digits?`, {}, `a, b = 0, 1\nfor _ in range(${n}):\n    a, b = b, a + b\nprint(a)`]; },
  (r) => { const w = r.pick(WORDS); return [r.pick(["What's the SHA-256 hash of the string \"{w}\"?", "sha256 of '{w}' please", "I need the sha256 hex digest of \"{w}\""]), { w }, `import hashlib\nprint(hashlib.sha256(${JSON.stringify(w)}.encode()).hexdigest())`]; },
  (r) => { const n = r.int(1, 9) * 1000000; return [r.pick([`How many primes are there below ${n}?`, `count the primes under ${n.toLocaleString("en-US")}`]), {}, `n = ${n}\nsieve = bytearray([1]) * n\nsieve[:2] = b"\\x00\\x00"\nfor i in range(2, int(n ** 0.5) + 1):\n    if sieve[i]:\n        sieve[i*i::i] = bytearray(len(sieve[i*i::i]))\nprint(sum(sieve))`]; },
  (r) => { const y = r.int(1900, 2099), m = r.int(1, 12), d = r.int(1, 28); const t = `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`; return [r.pick([`What day of the week was ${t}?`, `which weekday is ${t}`, `Was ${t} a weekend? Check it properly.`]), {}, `from datetime import date\nprint(date(${y}, ${m}, ${d}).strftime("%A"))`]; },
  (r) => { const a = `${r.int(1990, 2015)}-0${r.int(1, 9)}-1${r.int(0, 9)}`, b = `${r.int(2020, 2035)}-1${r.int(0, 2)}-0${r.int(1, 9)}`; return [r.pick([`How many days are there between ${a} and ${b}?`, `days from ${a} until ${b}?`, `exact number of days ${a} → ${b}`]), {}, `from datetime import date\nprint((date.fromisoformat("${b}") - date.fromisoformat("${a}")).days)`]; },
  (r) => { const n = r.int(2, 9) * 10000; return [r.pick([`Simulate ${n} rolls of two dice and tell me how often the sum is 7.`, `monte carlo: probability that two dice sum to 7, ${n} trials`]), {}, `import random\nrandom.seed(0)\nhits = sum(random.randint(1, 6) + random.randint(1, 6) == 7 for _ in range(${n}))\nprint(hits / ${n})`]; },
  (r) => { const k = r.int(1000, 20000); return [r.pick([`What is the ${k}th prime number?`, `find prime number #${k}`]), {}, `count, n = 0, 1\nwhile count < ${k}:\n    n += 1\n    if all(n % d for d in range(2, int(n ** 0.5) + 1)):\n        count += 1\nprint(n)`]; },
  (r) => { const e = r.pick([31, 61, 89, 107, 127]); return [r.pick([`Is 2^${e} - 1 prime? Please verify by computation, not memory.`, `check with code whether 2**${e}-1 is a prime`]), {}, `n = 2 ** ${e} - 1\nprint(n, pow(3, n - 1, n) == 1)`]; },
  (r) => { const xs = Array.from({ length: r.int(18, 30) }, () => r.int(-999, 9999)); return [r.pick([`Sort these numbers and give me the 5 largest and the median: ${xs.join(", ")}`, `here's a list: ${xs.join(" ")} — what are the median and the top five?`]), {}, `xs = sorted([${xs.join(", ")}])\nprint(xs[-5:], xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2)`]; },
  (r) => { const n = r.int(3, 10); return [r.pick([`Generate ${n} random UUIDs for my test fixtures.`, `give me ${n} fresh uuid4 values`]), {}, `import uuid\nfor _ in range(${n}):\n    print(uuid.uuid4())`]; },
  (r) => { const rows = Array.from({ length: r.int(5, 9) }, (_, i) => `${["north", "south", "east", "west", "central"][i % 5]},${r.int(100, 9999)},${r.decimal(0, 1, 2)}`); return [r.pick(["Here's a CSV:\n{csv}\nWhat's total sales per region and the sales-weighted average margin? Run it rather than eyeballing.", "Parse this CSV and compute per-region totals:\n{csv}"]), { csv: `region,sales,margin\n${rows.join("\n")}` }, `import csv, io\nfrom collections import defaultdict\ndata = """region,sales,margin\n${rows.join("\n")}"""\nrows = list(csv.DictReader(io.StringIO(data)))\ntotals = defaultdict(int)\nfor row in rows:\n    totals[row["region"]] += int(row["sales"])\nweighted = sum(int(r["sales"]) * float(r["margin"]) for r in rows) / sum(int(r["sales"]) for r in rows)\nprint(dict(totals), round(weighted, 4))`]; },
  (r) => { const s = r.pick(["The committee met on Tuesday. It decided, after long debate, to postpone the vote until the spring session.", "Llamas are social animals and live with others as a herd. Their wool is soft and contains only a small amount of lanolin.", "Shipping is free over fifty euros. Returns are accepted within thirty days if the item is unused."]); return ["Count the words, sentences and unique words in this text, exactly:\n\"{text}\"", { text: s }, `import re\ntext = ${JSON.stringify(s)}\nwords = re.findall(r"[A-Za-z']+", text)\nprint(len(words), len(re.findall(r"[.!?]", text)), len({w.lower() for w in words}))`]; },
  (r) => { const n = r.int(5, 12); return [r.pick([`Benchmark list.sort() against sorted() on ${n} million random floats on your machine.`, `time how long sorting ${n}M random numbers takes in python`]), {}, `import random, time\nxs = [random.random() for _ in range(${n}_000_000)]\nt = time.perf_counter(); sorted(xs); a = time.perf_counter() - t\nt = time.perf_counter(); xs.sort(); b = time.perf_counter() - t\nprint(f"sorted: {a:.3f}s  list.sort: {b:.3f}s")`]; },
  (r) => { const base = r.int(1000, 99999); return [r.pick([`What is ${base} written in base 36 and base 7?`, `convert ${base} to base 7 and base 36`]), {}, `def to_base(n, b):\n    digits = "0123456789abcdefghijklmnopqrstuvwxyz"\n    out = ""\n    while n:\n        n, d = divmod(n, b)\n        out = digits[d] + out\n    return out\nprint(to_base(${base}, 36), to_base(${base}, 7))`]; },
  (r) => { const yr = r.int(1901, 1990); return [r.pick([`How many months between ${yr} and 2000 started on a Sunday?`, `count the first-of-month Sundays from ${yr} through 2000`]), {}, `from datetime import date\nprint(sum(date(y, m, 1).weekday() == 6 for y in range(${yr}, 2001) for m in range(1, 13)))`]; },
];

export function codeNeeded(r) {
  if (r.chance(0.55)) {
    const code = r.pick(SNIPPETS)(r);
    return { template: r.pick(RUN_FRAMES), values: { code }, expected: call(code, r.chance(0.15) ? r.pick([10, 30, 60]) : undefined) };
  }
  const [question, values, code] = r.pick(TASKS)(r);
  return { template: question, values, expected: call(code, /Benchmark|time how long|million|primes below|prime number\?|#/.test(question) ? r.pick([60, 120, 300]) : undefined) };
}

const CONCEPTS = [
  "What is a Python decorator?", "Explain the difference between a list and a tuple.", "What's the difference between == and is in Python?", "What does the GIL do?", "What is a generator in Python?",
  "When should I use a dict versus a set?", "What is recursion?", "Explain what a closure is.", "What's the difference between a process and a thread?", "What does async/await actually do under the hood?",
  "What is a race condition?", "What is dependency injection?", "What's the difference between git merge and git rebase?", "What does idempotent mean for an HTTP method?", "Explain big O notation.",
  "What's the time complexity of binary search?", "What is a hash table and why are lookups O(1) on average?", "What are Python's dunder methods?", "What is duck typing?", "Why are mutable default arguments a problem in Python?",
  "what's the difference between shallow copy and deep copy", "What is memoization?", "Explain the difference between stack and heap memory.", "What is a virtual environment in Python and why use one?", "What does `if __name__ == '__main__':` do?",
  "What are type hints good for if Python doesn't enforce them?", "What is SQL injection and how do you prevent it?", "What's the difference between REST and GraphQL?", "What's a pure function?", "What does the `yield` keyword do?",
  "what's a lambda in python", "Explain list comprehensions vs generator expressions.", "What is tail recursion and does Python optimize it?", "What are the SOLID principles?", "What's the difference between compiled and interpreted languages?",
  "What is a segmentation fault?", "What does `*args, **kwargs` mean?", "What's an iterator protocol?", "What is garbage collection?", "Explain what a context manager is.",
  "What does Big-Endian mean?", "What is a deadlock?", "Why is floating point arithmetic imprecise?", "What is a linked list good for compared to an array?", "What does the `with` statement guarantee?",
  "What is unit testing versus integration testing?", "What's the difference between `append` and `extend`?", "What is a metaclass?", "What's the point of `__slots__`?", "Explain how Python's import system finds modules.",
  "What is Rust's borrow checker?", "What does `const` mean in JavaScript compared to `let`?", "What's the event loop in Node.js?", "Explain what a monad is without math.", "What is a makefile for?",
  "What is the difference between TCP and UDP?", "What is Docker and why do people use it?", "What's a semaphore?", "What is the difference between `None` and `False`?", "How does Python's `sorted` stay stable?",
  "What's a regular expression lookahead?", "What is CI/CD?", "What is the difference between an abstract class and an interface?", "Why would I use numpy instead of plain lists?", "What is a Bloom filter?",
  "What does `git stash` do?", "What is the difference between `pip` and `conda`?", "What is an ORM?", "What's the difference between `map` and a for loop in Python style terms?", "What is a walrus operator?",
  "What is a dataclass?", "What's an f-string?", "Why does Python have both `list.sort()` and `sorted()`?", "What is the difference between `@staticmethod` and `@classmethod`?", "What does `nonlocal` do?",
];

const WRITE_REQUESTS = [
  "Write a function that checks whether a string is a palindrome.", "How do I reverse a string in Python?", "Write a Python function to flatten a nested list.", "Show me how to read a CSV file with pandas.",
  "Give me a regex that matches US ZIP codes.", "How do I merge two dictionaries in Python 3.9+?", "Write a bash one-liner to count lines in all .py files.", "How do I make an HTTP GET request with requests?",
  "Write a SQL query that finds duplicate emails in a users table.", "Write a JavaScript debounce function.", "How do I remove duplicates from a list while keeping order?", "Show me a minimal Flask app with one route.",
  "Write a binary search in Python.", "How do I sort a list of dicts by a key?", "Write a class for a stack with push, pop and peek.", "How do I parse command-line arguments with argparse?",
  "Write a function that returns the n-th Fibonacci number iteratively.", "How do I open a file and read it line by line?", "Write a unit test for a function add(a, b) using pytest.", "How do I format a float to two decimals in an f-string?",
  "Write a decorator that times a function.", "Show me how to use a ThreadPoolExecutor.", "How do I convert a string to a datetime?", "Write a TypeScript type for a user with optional email.",
  "write a function to check if a number is prime", "How do I create a virtual environment?", "Show me how to use enumerate.", "How do I catch multiple exceptions in one except?",
  "Write a generator that yields chunks of a list.", "How can I write JSON to a file with indentation?", "Write a Go function that reverses a slice.", "Give me a Rust hello world with cargo instructions.",
  "Write a dataclass for a 2D point with a distance method.", "Show me how to use collections.Counter.", "How do I use zip to iterate over two lists?", "Write an async function that fetches three URLs concurrently with aiohttp.",
];

/** Snippets shown for explanation, review or fixing: they carry code but ask for no execution. */
const REVIEW_SNIPPETS = [
  "for i in range(len(items)):\n    print(items[i])", "def avg(xs):\n    return sum(xs) / len(xs)", "try:\n    risky()\nexcept:\n    pass", "if x == True:\n    do_thing()",
  "result = []\nfor row in rows:\n    if row.active:\n        result.append(row.name)", "with open(path) as f:\n    data = f.read().split('\\n')", "while True:\n    line = input()\n    if not line:\n        break", "class Cache(dict):\n    def __missing__(self, key):\n        return key.upper()",
  "def connect(url, retries=3, timeout=None):\n    ...", "SELECT name, COUNT(*) FROM orders GROUP BY name HAVING COUNT(*) > 1;", "const total = items.reduce((acc, x) => acc + x.price, 0);", "for (let i = 0; i <= arr.length; i++) { console.log(arr[i]); }",
  "def fib(n):\n    if n <= 1: return n\n    return fib(n-1) + fib(n-2)", "x = [1, 2, 3]\ny = x\ny.append(4)", "import os\nos.system('rm -rf ' + user_input)", "async def main():\n    await asyncio.sleep(1)\n    return 42",
  "public static void main(String[] args) { System.out.println(\"hi\"); }", "def is_even(n): return n % 2 == 0", "users = {u.id: u for u in load_users()}", "s = ''\nfor w in words:\n    s += w + ' '",
];
const REVIEW_FRAMES = [
  "Explain what this code does:\n{code}", "Is there a bug here?\n{code}", "Can you add type hints to this?\n{code}", "rewrite this more idiomatically\n{code}", "What's the time complexity of this?\n{code}",
  "Code review please, what would you change?\n{code}", "{code}\n\nwhy would a linter complain about this?", "Translate this to JavaScript:\n{code}", "add a docstring to:\n{code}", "Is this thread-safe?\n{code}",
];

const LANGS = ["Python", "JavaScript", "Rust", "Go", "TypeScript", "Java", "C#", "Kotlin", "Haskell", "C++"];
const FEATURES = ["error handling", "generics", "closures", "pattern matching", "async code", "string formatting", "modules", "unit tests", "null safety", "iterators"];
const ASPECTS = ["How does {l} approach {f}?", "What are best practices for {f} in {l}?", "What's a common pitfall with {f} in {l}?", "Is {f} in {l} different from other languages?"];

export function makeCodeNotNeeded(r) {
  const handWritten = makeDeck(r, [...CONCEPTS, ...WRITE_REQUESTS]);
  return () => {
    const base = r.chance(0.6) ? handWritten() : undefined;
    if (base !== undefined) return { template: base, values: {} };
    if (r.chance(0.6)) return { template: r.pick(REVIEW_FRAMES), values: { code: r.pick(REVIEW_SNIPPETS) } };
    return { template: r.pick(ASPECTS), values: { l: r.pick(LANGS), f: r.pick(FEATURES) } };
  };
}
