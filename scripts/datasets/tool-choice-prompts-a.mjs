// Prompt generators for the information, finance, utilities and language tools of the tool-choice dataset.
// Each returns [template, slot values, arguments]; templates get the surface variation, slot values stay verbatim.
import { CITIES, dateSlot } from "./tool-choice-tools.mjs";

export const PROMPTS_A = {
  get_weather: (r) => {
    const c = r.pick(CITIES), d = dateSlot(r);
    return r.pick([
      ["What's the weather like in {c} right now?", { c }, { location: c }],
      ["Will I need a jacket in {c} today?", { c }, { location: c }],
      ["forecast for {c} on {d}", { c, d: d.say }, { location: c, date: d.iso }],
      ["Is it going to rain in {c} on {d}?", { c, d: d.say }, { location: c, date: d.iso }],
      ["How hot is it in {c} in Fahrenheit?", { c }, { location: c, units: "imperial" }],
      ["Temperature in {c} in celsius please", { c }, { location: c, units: "metric" }],
      ["we're flying to {c} on {d} — what will the weather be?", { c, d: d.say }, { location: c, date: d.iso }],
      ["Check the weather in {c} before my run.", { c }, { location: c }],
      ["any snow expected in {c} on {d}?", { c, d: d.say }, { location: c, date: d.iso }],
      ["wind and humidity in {c} at the moment?", { c }, { location: c }],
      ["Should we move the picnic in {c} indoors? Check the sky for {d}.", { c, d: d.say }, { location: c, date: d.iso }],
      ["{c} weather", { c }, { location: c }],
    ]);
  },
  web_search: (r) => {
    const topic = r.pick(["the best budget mechanical keyboards this year", "reviews of the new Fairphone", "who won the Booker Prize this year", "volunteer programs for retirees in Portugal", "how to get a Japanese working holiday visa", "recent changes to EU roaming rules", "the menu at Noma right now", "open-source alternatives to Notion", "the schedule of the Venice Biennale", "marathons in Europe next spring", "reviews of the latest Kindle", "whether the Oresund bridge is closed today"]);
    const n = r.int(3, 10);
    return r.pick([
      ["Search the web for {t}.", { t: topic }, { query: topic }],
      ["Look up {t} for me", { t: topic }, { query: topic }],
      ["can you google {t}", { t: topic }, { query: topic }],
      ["Find me {n} good links about {t}.", { t: topic, n }, { query: topic, max_results: n }],
      ["I want to read up on {t} — what's out there online?", { t: topic }, { query: topic }],
      ["Do a quick web search: {t}", { t: topic }, { query: topic }],
      ["top {n} results for {t}?", { t: topic, n }, { query: topic, max_results: n }],
      ["Browse around and tell me about {t}.", { t: topic }, { query: topic }],
    ]);
  },
  get_stock_price: (r) => {
    const [company, symbol, exchange] = r.pick([["Apple", "AAPL", "NASDAQ"], ["Microsoft", "MSFT", "NASDAQ"], ["Nvidia", "NVDA", "NASDAQ"], ["SAP", "SAP", "XETRA"], ["Toyota", "TM", "NYSE"], ["Shopify", "SHOP", "NYSE"], ["Siemens", "SIE", "XETRA"], ["Netflix", "NFLX", "NASDAQ"], ["Coca-Cola", "KO", "NYSE"], ["ASML", "ASML", "NASDAQ"], ["Infosys", "INFY", "NYSE"], ["Berkshire Hathaway", "BRK.B", "NYSE"]]);
    return r.pick([
      ["What's {s} trading at?", { s: symbol }, { symbol }],
      ["Current share price of {c}?", { c: company }, { symbol }],
      ["how's {c} stock doing right now", { c: company }, { symbol }],
      ["Get me the latest quote for {s} on {x}.", { s: symbol, x: exchange }, { symbol, exchange }],
      ["{s} price?", { s: symbol }, { symbol }],
      ["Check {c} ({s}) — did it drop today?", { c: company, s: symbol }, { symbol }],
      ["I'm thinking of selling my {c} shares, what's the price now?", { c: company }, { symbol }],
      ["pull up {s} on the {x}", { s: symbol, x: exchange }, { symbol, exchange }],
    ]);
  },
  convert_currency: (r) => {
    const [a, b] = r.sample([["euros", "EUR"], ["US dollars", "USD"], ["yen", "JPY"], ["pounds", "GBP"], ["Swiss francs", "CHF"], ["Norwegian kroner", "NOK"], ["reais", "BRL"], ["rupees", "INR"], ["złoty", "PLN"], ["rand", "ZAR"], ["Canadian dollars", "CAD"], ["pesos", "MXN"]], 2);
    const amount = r.pick([r.int(5, 5000), Number(r.decimal(1, 999, 2))]);
    return r.pick([
      ["How much is {n} {a} in {b}?", { n: amount, a: a[0], b: b[0] }, { amount, from_currency: a[1], to_currency: b[1] }],
      ["Convert {n} {ac} to {bc}.", { n: amount, ac: a[1], bc: b[1] }, { amount, from_currency: a[1], to_currency: b[1] }],
      ["{n} {ac} → {bc}?", { n: amount, ac: a[1], bc: b[1] }, { amount, from_currency: a[1], to_currency: b[1] }],
      ["I'm paying {n} {a} for a hotel; what's that in {b}?", { n: amount, a: a[0], b: b[0] }, { amount, from_currency: a[1], to_currency: b[1] }],
      ["what do {n} {a} get me in {b} today", { n: amount, a: a[0], b: b[0] }, { amount, from_currency: a[1], to_currency: b[1] }],
      ["Exchange {n} {ac} into {b}, roughly", { n: amount, ac: a[1], b: b[0] }, { amount, from_currency: a[1], to_currency: b[1] }],
      ["My friend sent me {n} {a}. How many {b} is that?", { n: amount, a: a[0], b: b[0] }, { amount, from_currency: a[1], to_currency: b[1] }],
    ]);
  },
  calculator: (r) => {
    const a = r.int(120, 99999), b = r.int(13, 9999), c = r.decimal(1.01, 9.99, 2);
    return r.pick([
      ["What's {a} times {b}?", { a, b }, { expression: `${a} * ${b}` }],
      ["calculate {a} / {b} to a few decimals", { a, b }, { expression: `${a} / ${b}` }],
      ["{a} + {b} * {c} = ?", { a, b, c }, { expression: `${a} + ${b} * ${c}` }],
      ["Work out ({a} - {b}) squared.", { a, b }, { expression: `(${a} - ${b})^2` }],
      ["What is {c} to the power of 7?", { c }, { expression: `${c}^7` }],
      ["square root of {a}?", { a }, { expression: `sqrt(${a})` }],
      ["Evaluate {a} mod {b}.", { a, b }, { expression: `${a} % ${b}` }],
      ["If I split {a} across {b} people, how much does each get?", { a, b }, { expression: `${a} / ${b}` }],
      ["crunch this: {a}*{c}-{b}", { a, b, c }, { expression: `${a} * ${c} - ${b}` }],
    ]);
  },
  convert_units: (r) => {
    const [from, to, fromWords, toWords, v] = r.pick([["mile", "kilometer", "miles", "km", r.int(2, 500)], ["kilogram", "pound", "kg", "pounds", r.int(1, 150)], ["fahrenheit", "celsius", "°F", "Celsius", r.int(-10, 110)], ["celsius", "fahrenheit", "degrees C", "Fahrenheit", r.int(-30, 45)], ["liter", "gallon", "litres", "US gallons", r.int(1, 200)], ["foot", "meter", "feet", "metres", r.int(3, 30000)], ["inch", "centimeter", "inches", "cm", r.int(1, 100)], ["ounce", "gram", "ounces", "grams", r.int(1, 64)], ["cup", "milliliter", "cups", "ml", r.pick([0.5, 1.5, 2, 3])], ["mile per hour", "kilometer per hour", "mph", "km/h", r.int(10, 160)], ["square foot", "square meter", "sq ft", "m²", r.int(200, 5000)], ["nautical mile", "kilometer", "nautical miles", "kilometres", r.int(1, 900)]]);
    const args = { value: v, from_unit: from, to_unit: to };
    return r.pick([
      ["Convert {v} {f} to {t}.", { v, f: fromWords, t: toWords }, args],
      ["how many {t} is {v} {f}", { v, f: fromWords, t: toWords }, args],
      ["{v} {f} in {t}?", { v, f: fromWords, t: toWords }, args],
      ["My recipe / spec sheet says {v} {f}. What's that in {t}?", { v, f: fromWords, t: toWords }, args],
      ["Please change {v} {f} into {t}", { v, f: fromWords, t: toWords }, args],
      ["unit conversion: {v} {f} -> {t}", { v, f: fromWords, t: toWords }, args],
      ["I only understand {t} — what is {v} {f}?", { v, f: fromWords, t: toWords }, args],
    ]);
  },
  set_timer: (r) => {
    const [say, secs] = r.pick([["5 minutes", 300], ["ten minutes", 600], ["90 seconds", 90], ["an hour and a half", 5400], ["25 min", 1500], ["three minutes", 180], ["45 seconds", 45], ["2 hours", 7200], ["12 minutes", 720], ["half an hour", 1800], ["8 minutes", 480], ["a minute", 60]]);
    const label = r.pick(["pasta", "tea", "laundry", "pomodoro", "parking meter", "eggs", "bread proofing", "plank", "nap", "oven"]);
    return r.pick([
      ["Set a timer for {s}.", { s: say }, { duration_seconds: secs }],
      ["timer {s} for the {l}", { s: say, l: label }, { duration_seconds: secs, label }],
      ["Start a {s} countdown called {l}", { s: say, l: label }, { duration_seconds: secs, label }],
      ["can you time {s} for me", { s: say }, { duration_seconds: secs }],
      ["Put on a {s} timer, I'm making {l}.", { s: say, l: label }, { duration_seconds: secs, label }],
      ["ping me in {s}, the {l} should be done", { s: say, l: label }, { duration_seconds: secs, label }],
      ["Count down {s}", { s: say }, { duration_seconds: secs }],
    ]);
  },
  translate_text: (r) => {
    const text = r.pick(["Where is the nearest pharmacy?", "Our shop opens at nine and closes at six, except on Sundays.", "Could you please send the invoice again? The first one had the wrong address.", "I'm allergic to peanuts and shellfish.", "Thank you for hosting us, the dinner was wonderful.", "The train to the airport leaves from platform four.", "Please keep the door closed; the cat likes to escape.", "We regret to inform you that the event has been cancelled.", "Is breakfast included in the price of the room?", "Happy birthday! I hope all your wishes come true this year."]);
    const [lang, code] = r.pick([["Japanese", "ja"], ["German", "de"], ["Portuguese", "pt"], ["Korean", "ko"], ["Finnish", "fi"], ["Arabic", "ar"], ["Italian", "it"], ["Turkish", "tr"], ["Vietnamese", "vi"], ["Polish", "pl"], ["Greek", "el"], ["Swahili", "sw"]]);
    return r.pick([
      ["Translate '{x}' into {l}.", { x: text, l: lang }, { text, target_language: code }],
      ["How do I say this in {l}: {x}", { x: text, l: lang }, { text, target_language: code }],
      ["{l} please: \"{x}\"", { x: text, l: lang }, { text, target_language: code }],
      ["I need this sign in {l} — {x}", { x: text, l: lang }, { text, target_language: code }],
      ["Put \"{x}\" into {l} for my host family.", { x: text, l: lang }, { text, target_language: code }],
      ["translate from English to {l}: {x}", { x: text, l: lang }, { text, target_language: code, source_language: "en" }],
    ]);
  },
};
