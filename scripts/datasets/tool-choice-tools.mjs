// The 18 tools of the tool-choice dataset, with realistic JSON schemas, and the slot values their prompts share.
import { functionTool } from "./lib.mjs";

const DATE = { type: "string", format: "date", description: "Calendar date, YYYY-MM-DD." };
const DATE_TIME = { type: "string", format: "date-time", description: "Local date and time, YYYY-MM-DDTHH:MM." };
const EMAILS = { type: "array", items: { type: "string", format: "email" }, minItems: 1 };

/** name → [domain, tool]; the domain groups tools for stratified splits and per-domain statistics. */
export const TOOLS = {
  get_weather: ["information", functionTool("get_weather", "Current conditions or the forecast for a place.", { location: { type: "string", minLength: 1, description: "City or place name." }, date: { ...DATE, description: "Forecast date, YYYY-MM-DD; omit for current conditions." }, units: { type: "string", enum: ["metric", "imperial"] } }, ["location"])],
  web_search: ["information", functionTool("web_search", "Searches the web and returns titles, URLs and snippets.", { query: { type: "string", minLength: 1 }, max_results: { type: "integer", minimum: 1, maximum: 10 } }, ["query"])],
  get_stock_price: ["finance", functionTool("get_stock_price", "Latest traded price of a listed stock.", { symbol: { type: "string", pattern: "^[A-Z][A-Z0-9.-]{0,9}$", description: "Ticker symbol, e.g. AAPL." }, exchange: { type: "string", description: "Exchange code such as NASDAQ or XETRA; optional." } }, ["symbol"])],
  convert_currency: ["finance", functionTool("convert_currency", "Converts an amount between currencies at today's rate.", { amount: { type: "number", exclusiveMinimum: 0 }, from_currency: { type: "string", pattern: "^[A-Z]{3}$", description: "ISO 4217 code." }, to_currency: { type: "string", pattern: "^[A-Z]{3}$", description: "ISO 4217 code." } }, ["amount", "from_currency", "to_currency"])],
  calculator: ["utilities", functionTool("calculator", "Evaluates an arithmetic expression exactly.", { expression: { type: "string", minLength: 1 } }, ["expression"])],
  convert_units: ["utilities", functionTool("convert_units", "Converts a quantity between units of length, mass, volume, temperature or speed.", { value: { type: "number" }, from_unit: { type: "string", minLength: 1 }, to_unit: { type: "string", minLength: 1 } }, ["value", "from_unit", "to_unit"])],
  set_timer: ["utilities", functionTool("set_timer", "Starts a countdown timer on this device.", { duration_seconds: { type: "integer", minimum: 1, maximum: 86400 }, label: { type: "string" } }, ["duration_seconds"])],
  translate_text: ["language", functionTool("translate_text", "Translates text into another language.", { text: { type: "string", minLength: 1 }, target_language: { type: "string", pattern: "^[a-z]{2}$", description: "ISO 639-1 code." }, source_language: { type: "string", pattern: "^[a-z]{2}$" } }, ["text", "target_language"])],
  create_calendar_event: ["productivity", functionTool("create_calendar_event", "Adds an event to the user's calendar.", { title: { type: "string", minLength: 1 }, start: DATE_TIME, duration_minutes: { type: "integer", minimum: 5, maximum: 1440 }, attendees: EMAILS, location: { type: "string" } }, ["title", "start"])],
  create_reminder: ["productivity", functionTool("create_reminder", "Schedules a reminder notification.", { text: { type: "string", minLength: 1 }, remind_at: DATE_TIME, repeat: { type: "string", enum: ["none", "daily", "weekly", "monthly"] } }, ["text", "remind_at"])],
  send_email: ["communication", functionTool("send_email", "Sends an email from the user's account.", { to: EMAILS, subject: { type: "string", minLength: 1 }, body: { type: "string", minLength: 1 }, cc: EMAILS }, ["to", "subject", "body"])],
  send_text_message: ["communication", functionTool("send_text_message", "Sends an SMS to a contact name or phone number.", { recipient: { type: "string", minLength: 1, description: "Contact name or phone number in E.164 form." }, message: { type: "string", minLength: 1 } }, ["recipient", "message"])],
  read_file: ["developer", functionTool("read_file", "Reads a file from the user's workspace.", { path: { type: "string", minLength: 1 }, encoding: { type: "string", enum: ["utf-8", "latin-1", "binary"] }, max_bytes: { type: "integer", minimum: 1 } }, ["path"])],
  run_sql_query: ["developer", functionTool("run_sql_query", "Runs a read-only SQL query against one of the user's databases.", { database: { type: "string", minLength: 1 }, query: { type: "string", minLength: 1 }, max_rows: { type: "integer", minimum: 1, maximum: 10000 } }, ["database", "query"])],
  get_directions: ["travel", functionTool("get_directions", "Route, distance and travel time between two places.", { origin: { type: "string", minLength: 1 }, destination: { type: "string", minLength: 1 }, mode: { type: "string", enum: ["driving", "walking", "cycling", "transit"] } }, ["origin", "destination"])],
  get_flight_status: ["travel", functionTool("get_flight_status", "Departure, arrival, gate and delay information for a flight.", { flight_number: { type: "string", pattern: "^[A-Z0-9]{2}[0-9]{1,4}$" }, date: DATE }, ["flight_number"])],
  book_restaurant: ["travel", functionTool("book_restaurant", "Reserves a table at a restaurant.", { restaurant: { type: "string", minLength: 1 }, party_size: { type: "integer", minimum: 1, maximum: 20 }, date: DATE, time: { type: "string", format: "time", description: "HH:MM, 24-hour." } }, ["restaurant", "party_size", "date", "time"])],
  play_music: ["media", functionTool("play_music", "Plays music on the user's speaker.", { query: { type: "string", minLength: 1 }, kind: { type: "string", enum: ["track", "album", "artist", "playlist"] }, shuffle: { type: "boolean" } }, ["query"])],
};

export const CITIES = ["Lisbon", "Oslo", "Nairobi", "Osaka", "Montreal", "Bogotá", "Kraków", "Hanoi", "Adelaide", "Reykjavík", "Marrakesh", "Denver", "Tallinn", "Chennai", "Cork", "Busan", "Tbilisi", "Edinburgh", "Seville", "Vancouver", "Helsinki", "Cape Town", "Munich", "Kyoto", "Lima"];
export const PEOPLE = [["Priya", "priya.shah@example.com"], ["Jonas", "jonas.weber@example.de"], ["Amara", "amara.okafor@example.org"], ["Mateo", "mateo.ruiz@example.com"], ["Kenji", "k.tanaka@example.jp"], ["Leila", "leila.haddad@example.net"], ["Tomasz", "tomasz.nowak@example.pl"], ["Ingrid", "ingrid.larsen@example.no"], ["Chloé", "chloe.martin@example.fr"], ["Ravi", "ravi.iyer@example.in"], ["Hannah", "hannah.cole@example.com"], ["Diego", "diego.alvarez@example.mx"]];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** A date as a person writes it, and its ISO form. */
export function dateSlot(r) {
  const y = r.pick([2025, 2025, 2026]), m = r.int(1, 12), d = r.int(1, 28);
  const iso = `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
  const ord = d === 1 || d === 21 ? "st" : d === 2 || d === 22 ? "nd" : d === 3 || d === 23 ? "rd" : "th";
  const say = r.pick([`${MONTHS[m - 1]} ${d}, ${y}`, `${d} ${MONTHS[m - 1]} ${y}`, iso, `${MONTHS[m - 1].slice(0, 3)} ${d}${ord} ${y}`, `${String(d).padStart(2, "0")}/${String(m).padStart(2, "0")}/${y}`]);
  return { say, iso };
}

/** A time of day as a person says it, and its 24-hour HH:MM form. */
export function timeSlot(r) {
  const h = r.int(7, 21), m = r.pick([0, 0, 0, 15, 30, 30, 45]);
  const hh = String(h).padStart(2, "0"), mm = String(m).padStart(2, "0");
  const h12 = h > 12 ? h - 12 : h, ampm = h >= 12 ? "pm" : "am";
  const say = r.pick([`${hh}:${mm}`, m === 0 ? `${h12}${ampm}` : `${h12}:${mm} ${ampm}`, m === 0 ? `${h12} o'clock` : `${h12}:${mm}${ampm}`, m === 30 ? `half past ${h12}${ampm === "pm" ? " in the evening" : " in the morning"}` : `${hh}${mm}`]);
  const daypart = h >= 18 ? " tonight" : h > 12 ? " in the afternoon" : h === 12 ? " (noon)" : " in the morning";
  return { say: say.endsWith("o'clock") ? say + daypart : say, hhmm: `${hh}:${mm}` };
}
