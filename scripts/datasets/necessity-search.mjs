// Search: a web search is needed for live or recent facts (weather now, today's prices, last night's results,
// current office holders, latest releases, local opening hours); it is not needed for stable knowledge the model
// already holds, even when the question mentions weather, news, prices or stocks.
import { functionTool, makeDeck } from "./lib.mjs";

export const searchTools = [
  functionTool(
    "web_search",
    "Searches the web and returns the top results with titles, URLs and snippets. Use for current events, live data and anything that may have changed recently.",
    {
      query: { type: "string", minLength: 1, description: "Search terms." },
      max_results: { type: "integer", minimum: 1, maximum: 10, description: "How many results to return; default 5." },
      freshness: { type: "string", enum: ["day", "week", "month", "any"], description: "Only return pages published within this window; default any." },
    },
    ["query"],
  ),
];

const CITIES = ["Oslo", "Lisbon", "Nairobi", "Osaka", "Montréal", "Bogotá", "Kraków", "Hanoi", "Adelaide", "Reykjavík", "Marrakesh", "Denver", "Tallinn", "Chennai", "Valparaíso", "Cork", "Busan", "Tbilisi", "Porto", "Edmonton", "Ljubljana", "Da Nang", "Wrocław", "Cusco", "Leeds", "Zanzibar", "Göteborg", "Austin", "Thessaloniki", "Kyoto"];
const TOPICS = ["the Artemis program", "EU AI regulation", "the teachers' strike in France", "the Rust 2024 edition", "the wildfire near Athens", "the World Cup qualifiers", "semiconductor export controls", "the new James Webb images", "the Boeing 737 MAX investigation", "bird flu in dairy cattle", "the Panama Canal drought", "the Tour de France", "interest rate decisions by the ECB", "the next Nintendo console", "the OpenSSL vulnerability", "the Eurovision results", "lithium prices", "the Japan earthquake", "the UN climate summit", "the Nobel prize in chemistry"];
const TEAMS = ["Arsenal", "the Lakers", "Bayern Munich", "the Chicago Cubs", "Real Madrid", "Boca Juniors", "the All Blacks", "Celtic", "the Toronto Maple Leafs", "Galatasaray", "Ajax", "the Golden State Warriors", "Benfica", "the Kansas City Chiefs", "Napoli"];
const COMPANIES = ["Nvidia", "Tesla", "Siemens", "Toyota", "Spotify", "Airbus", "Shopify", "Nestlé", "ASML", "Samsung", "Unilever", "Rivian", "Novo Nordisk", "Infosys", "Ørsted"];
const TICKERS = ["AAPL", "MSFT", "NVDA", "TSLA", "SAP", "BABA", "SHOP", "NOVO-B", "ASML", "INFY"];
const SOFTWARE = ["Node.js", "Python", "Blender", "PostgreSQL", "Kubernetes", "Firefox", "VS Code", "LibreOffice", "Godot", "TypeScript", "llama.cpp", "Ubuntu"];
const PLACES = ["the Louvre", "the IKEA in Malmö", "Tate Modern", "the Apple Store on Regent Street", "the Prado", "Powell's Books", "the British Library", "the Rijksmuseum", "Central Market in Budapest", "the Tokyo Skytree"];
const COUNTRIES = ["Japan", "Argentina", "Kenya", "the Netherlands", "Canada", "Indonesia", "Poland", "Chile", "South Korea", "Portugal", "Nigeria", "New Zealand"];

const q = (query, extra = {}) => ({ name: "web_search", arguments: { query, ...extra } });

const NEEDED = [
  (r) => { const c = r.pick(CITIES); return [r.pick(["What's the weather in {c} right now?", "is it raining in {c} at the moment", "Current temperature in {c}?", "Do I need an umbrella in {c} this afternoon?", "how windy is it in {c} today"]), { c }, q(`${c} weather now`, { freshness: "day" })]; },
  (r) => { const c = r.pick(CITIES); return [r.pick(["What's the forecast for {c} this weekend?", "Will it snow in {c} tomorrow?", "{c} weather for the next 3 days?"]), { c }, q(`${c} weather forecast`, { freshness: "day" })]; },
  (r) => { const t = r.pick(TOPICS); return [r.pick(["What's the latest news on {t}?", "Any updates today about {t}?", "catch me up on {t}, what happened this week", "What's new with {t}? I've been offline for a few days.", "give me the most recent headlines about {t}"]), { t }, q(`${t} latest news`, { freshness: r.pick(["day", "week"]), ...(r.chance(0.4) ? { max_results: r.int(3, 10) } : {}) })]; },
  (r) => { const t = r.pick(TEAMS); return [r.pick(["Did {t} win last night?", "What was the score of {t}'s last game?", "who did {t} play yesterday and how did it go", "{t} result from the weekend?"]), { t }, q(`${t} last game score`, { freshness: "week" })]; },
  (r) => { const t = r.pick(TICKERS); return [r.pick(["What's {t} trading at right now?", "current price of {t} stock", "How is {t} doing today? Up or down?", "{t} share price this morning?"]), { t }, q(`${t} stock price today`, { freshness: "day" })]; },
  (r) => { const [a, b] = r.sample(["EUR", "USD", "JPY", "GBP", "CHF", "NOK", "BRL", "INR", "PLN", "ZAR"], 2); return [r.pick(["What's today's {a} to {b} exchange rate?", "how many {b} do I get for one {a} today", "current {a}/{b} rate?"]), { a, b }, q(`${a} to ${b} exchange rate today`, { freshness: "day" })]; },
  (r) => { const p = r.pick(PLACES); return [r.pick(["Is {p} open today?", "What are {p}'s opening hours this Sunday?", "is {p} closed for the holiday tomorrow?"]), { p }, q(`${p} opening hours`, { freshness: "week" })]; },
  (r) => { const c = r.pick(COMPANIES); const [f, what] = r.pick([["Who is the current CEO of {c}?", "CEO"], ["Did {c} announce layoffs recently?", "layoffs"], ["What were {c}'s latest quarterly results?", "quarterly results"], ["has {c} released earnings yet this quarter", "earnings date"], ["what's going on with {c} stock this week", "stock news"]]); return [f, { c }, q(`${c} ${what}`, { freshness: r.pick(["week", "month"]) })]; },
  (r) => { const s = r.pick(SOFTWARE); return [r.pick(["What's the latest stable version of {s}?", "Has {s} released a new version this month?", "what changed in the newest {s} release", "Is there a security advisory out for {s} right now?"]), { s }, q(`${s} latest release`, { freshness: "month" })]; },
  (r) => { const c = r.pick(CITIES); return [r.pick(["What events are on in {c} this weekend?", "any concerts in {c} tonight?", "Things happening in {c} next week — festivals, markets?", "Are there any strikes affecting public transport in {c} today?"]), { c }, q(`${c} events this weekend`, { freshness: "week", max_results: r.int(5, 10) })]; },
  (r) => { const k = r.pick(COUNTRIES); const [f, what] = r.pick([["Who is the current prime minister or president of {k}?", "head of government"], ["Were there elections in {k} recently? Who won?", "election results"], ["What's the current inflation rate in {k}?", "inflation rate"], ["latest unemployment figure for {k}?", "unemployment rate"]]); return [f, { k }, q(`${k} ${what}`, { freshness: "month" })]; },
  (r) => { const c = r.pick(CITIES); const f = r.pick(["ramen", "vegan brunch", "Georgian food", "a late-night bakery", "tapas", "pho", "a quiet café to work from"]); return [r.pick(["Best-rated {f} in {c} that's open now?", "Where can I get {f} in {c} tonight?", "recommend {f} near the centre of {c}, recent reviews please"]), { c, f }, q(`${f} ${c} open now reviews`, { freshness: "month" })]; },
  (r) => { const x = r.pick(["Bitcoin", "Ethereum", "gold", "Brent crude", "copper", "wheat futures", "the S&P 500", "the Nikkei"]); return [r.pick(["What's the price of {x} right now?", "how much has {x} moved today", "{x} price this morning?"]), { x }, q(`${x} price now`, { freshness: "day" })]; },
  (r) => { const x = r.pick(["GitHub", "Slack", "AWS us-east-1", "Gmail", "Discord", "Cloudflare", "PlayStation Network", "Steam", "Zoom"]); return [r.pick(["Is {x} down right now?", "{x} outage today?", "anyone else having problems with {x}? is there an incident"]), { x }, q(`${x} outage status`, { freshness: "day" })]; },
  (r) => { const x = r.pick(["the next iPhone", "GTA VI", "the new Dune film", "the Pixel 10", "the next Zelda game", "Windows 12", "the Steam Deck 2"]); return [r.pick(["When is {x} coming out?", "Is there a confirmed release date for {x} yet?", "{x} release date — any news?"]), { x }, q(`${x} release date`, { freshness: "month" })]; },
  (r) => { const [a, b] = r.sample(["LHR", "JFK", "CDG", "FRA", "SIN", "DXB", "AMS", "MAD", "ORD", "NRT"], 2); return [r.pick(["Are there delays at {a} today?", "Are flights out of {a} to {b} running on time today?", "is {a} airport disrupted by weather right now"]), { a, b }, q(`${a} airport delays today`, { freshness: "day" })]; },
  (r) => { const c = r.pick(CITIES); return [r.pick(["What's the air quality in {c} today?", "pollen count in {c} right now?", "Is there a heat warning in {c} this week?"]), { c }, q(`${c} air quality today`, { freshness: "day" })]; },
  (r) => { const x = r.pick(["room-temperature superconductors", "mRNA cancer vaccines", "small language model distillation", "solid-state batteries", "fusion ignition experiments", "Alzheimer's antibody drugs"]); return [r.pick(["What are the newest research results on {x}?", "Find recent papers about {x} from the last month.", "any breakthroughs on {x} lately?"]), { x }, q(`${x} recent research`, { freshness: "month", max_results: r.int(5, 10) })]; },
];

const FACTS = [
  "Who wrote Hamlet?", "What's the capital of Australia?", "What causes the seasons on Earth?", "At what temperature does water boil at sea level?", "When did World War II end?", "How do vaccines work?",
  "What's the tallest mountain in the world?", "Summarize the plot of Moby-Dick.", "What's the difference between weather and climate?", "What does a stock market index measure?", "Who painted the Sistine Chapel ceiling?", "What is photosynthesis?",
  "What's the typical weather in Oslo in January?", "Why is the sky blue?", "How many planets are in the solar system?", "What language is spoken in Brazil?", "Who was the first person to walk on the Moon?", "What does DNA stand for?",
  "What is inflation, in economic terms?", "Why do stock prices go up and down in general?", "What's the speed of light?", "How does a bill become law in the US?", "What is the Great Barrier Reef?", "Who discovered penicillin?",
  "what's the largest ocean", "What's the chemical symbol for gold?", "Explain how a rainbow forms.", "Who composed the Four Seasons?", "What's the difference between a virus and a bacterium?", "How long is a marathon?",
  "Why did the Roman Empire fall?", "What is the Magna Carta?", "How does GPS work?", "What causes thunder?", "What's a hurricane and how does it form?", "What is the Krebs cycle?",
  "How do news agencies verify stories, in general?", "What does a central bank do?", "What is a bond, financially speaking?", "Who invented the printing press?", "What's the longest river in Africa?", "What are the primary colors?",
  "How many bones are in the adult human body?", "What is the theory of relativity about?", "What is the boiling point of ethanol?", "What does a meteorologist do?", "How are hurricanes named?", "What is an El Niño year?",
  "What's a leap year and why do we have them?", "How does the electoral college work?", "Who wrote Pride and Prejudice?", "What is the currency of Japan?", "What's the difference between a republic and a democracy?", "What is the Richter scale?",
  "What are the layers of the atmosphere?", "How do tides work?", "what is a black hole", "Who was Ada Lovelace?", "What's the population of the Earth, roughly?", "Why do we have time zones?",
  "What is the Silk Road?", "How do airplanes stay in the air?", "What's the difference between an alligator and a crocodile?", "Who wrote One Hundred Years of Solitude?", "What is the function of the liver?", "What's the Rosetta Stone?",
  "Explain supply and demand.", "What is a recession?", "What is a dividend?", "How do index funds work?", "What's the difference between stocks and bonds?", "What usually happens to prices during a drought, economically?",
  "What's the climate like in the Sahara?", "When is monsoon season in India, typically?", "Does it usually snow in Kyoto in winter?", "What's the rainiest city in Europe on average?", "What's the average summer temperature in Lisbon, roughly?", "What is a weather front?",
  "How did the printing press change news?", "What's the history of the New York Times?", "Who founded Reuters?", "What does 'breaking news' mean in journalism?", "How do opinion polls work?", "What's the difference between a tabloid and a broadsheet?",
  "What's the capital of Mongolia?", "What's the official language of Ethiopia?", "Who was Nelson Mandela?", "What's the Pythagorean comma in music?", "Why do cats purr?", "How far is the Moon from Earth?",
  "What year did the Berlin Wall fall?", "Who wrote The Odyssey?", "What is the speed of sound in air?", "What is the largest desert on Earth?", "What's the difference between a comet and an asteroid?", "How does a refrigerator work?",
];

const WORKS = [["Don Quixote", "Cervantes"], ["War and Peace", "Tolstoy"], ["The Trial", "Kafka"], ["Things Fall Apart", "Achebe"], ["Beloved", "Toni Morrison"], ["The Tale of Genji", "Murasaki Shikibu"], ["Faust", "Goethe"], ["Les Misérables", "Hugo"], ["Frankenstein", "Mary Shelley"], ["The Little Prince", "Saint-Exupéry"], ["Ulysses", "Joyce"], ["The Divine Comedy", "Dante"], ["Crime and Punishment", "Dostoevsky"], ["Middlemarch", "George Eliot"], ["The Master and Margarita", "Bulgakov"]];
const WORK_FRAMES = ["Who wrote {w}?", "When was {w} written, roughly?", "What is {w} about?", "What are the main themes of {w}?", "Is {w} worth reading today?", "What language was {w} originally written in?"];
const CAPITALS = ["Canada", "Peru", "Vietnam", "Morocco", "Finland", "Kazakhstan", "Ghana", "Uruguay", "Nepal", "Croatia", "Bolivia", "Sri Lanka", "Iceland", "Tanzania", "Slovakia"];
const COUNTRY_FRAMES = ["What's the capital of {k}?", "What currency does {k} use?", "Which languages are spoken in {k}?", "What's {k} known for, historically?", "Which continent is {k} in, and what are its neighbours?"];

export function searchNeeded(r) {
  const [template, values, expected] = r.pick(NEEDED)(r);
  return { template, values, expected };
}

export function makeSearchNotNeeded(r) {
  const handWritten = makeDeck(r, FACTS);
  return () => {
    const base = r.chance(0.7) ? handWritten() : undefined;
    if (base !== undefined) return { template: base, values: {} };
    if (r.chance(0.5)) return { template: r.pick(WORK_FRAMES), values: { w: r.pick(WORKS)[0] } };
    return { template: r.pick(COUNTRY_FRAMES), values: { k: r.pick(CAPITALS) } };
  };
}
