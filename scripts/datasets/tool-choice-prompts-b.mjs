// Prompt generators for the productivity, communication, developer, travel and media tools of the tool-choice dataset.
import { CITIES, PEOPLE, dateSlot, timeSlot } from "./tool-choice-tools.mjs";

const EVENTS = ["dentist appointment", "1:1 with my manager", "team retro", "yoga class", "parents' evening", "flat viewing", "budget review", "coffee with an old friend", "car service", "guitar lesson", "design critique", "vaccination"];
const CHORES = ["take the bins out", "call the bank about the card", "water the tomatoes", "renew my passport", "pay the electricity bill", "book the vet for the dog", "send Mum a birthday card", "back up my laptop", "buy oat milk", "submit the expense report"];
const SUBJECTS = [["Q3 report", "Hi, attaching the Q3 report. Let me know if anything's unclear."], ["Standup tomorrow", "I'll be 15 minutes late to standup tomorrow."], ["Lease renewal", "I'd like to renew the lease for another year under the same terms."], ["Dinner on Friday", "Are we still on for dinner on Friday? I can book a table for 8."], ["Broken dishwasher", "The dishwasher in the flat stopped working yesterday; could someone take a look this week?"], ["Conference slides", "Here are my slides for the conference. Feedback welcome before Thursday."], ["Invoice 2231", "Invoice 2231 is still unpaid; could you check with accounting?"], ["Holiday cover", "I'm away 12–16 August; Jonas will cover my tickets."]];
const MESSAGES = ["running 10 minutes late", "can you pick up bread on the way home?", "landed safely!", "the keys are under the mat", "happy birthday!! 🎉", "call me when you're free", "don't forget the match starts at 7", "I left the charger at your place", "we're at table 12, come in", "meeting moved to 4pm"];

export const PROMPTS_B = {
  create_calendar_event: (r) => {
    const e = r.pick(EVENTS), d = dateSlot(r), t = timeSlot(r), mins = r.pick([15, 30, 45, 60, 90, 120]), [name, email] = r.pick(PEOPLE), place = r.pick(["Room 4B", "the Kino café", "Zoom", "the community centre", "HQ lobby", "Dr. Ferreira's clinic"]);
    const start = `${d.iso}T${t.hhmm}`;
    return r.pick([
      ["Put {e} in my calendar for {d} at {t}.", { e, d: d.say, t: t.say }, { title: e, start }],
      ["Schedule a {m}-minute {e} on {d}, {t}.", { e, d: d.say, t: t.say, m: mins }, { title: e, start, duration_minutes: mins }],
      ["add to calendar: {e}, {d} {t}, at {p}", { e, d: d.say, t: t.say, p: place }, { title: e, start, location: place }],
      ["Book {e} with {n} ({em}) on {d} at {t}", { e, n: name, em: email, d: d.say, t: t.say }, { title: e, start, attendees: [email] }],
      ["Create an event '{e}' starting {d} {t}, lasting {m} minutes, and invite {em}.", { e, d: d.say, t: t.say, m: mins, em: email }, { title: e, start, duration_minutes: mins, attendees: [email] }],
      ["I have a {e} on {d} at {t} — block it in my calendar", { e, d: d.say, t: t.say }, { title: e, start }],
      ["new calendar entry {d} {t}: {e} ({m} min)", { e, d: d.say, t: t.say, m: mins }, { title: e, start, duration_minutes: mins }],
    ]);
  },
  create_reminder: (r) => {
    const c = r.pick(CHORES), d = dateSlot(r), t = timeSlot(r), rep = r.pick(["daily", "weekly", "monthly"]);
    const at = `${d.iso}T${t.hhmm}`;
    return r.pick([
      ["Remind me to {c} on {d} at {t}.", { c, d: d.say, t: t.say }, { text: c, remind_at: at }],
      ["reminder: {c}, {d} {t}", { c, d: d.say, t: t.say }, { text: c, remind_at: at }],
      ["Don't let me forget to {c} — {d}, {t}", { c, d: d.say, t: t.say }, { text: c, remind_at: at }],
      ["Set a {rep} reminder to {c}, starting {d} at {t}.", { c, d: d.say, t: t.say, rep }, { text: c, remind_at: at, repeat: rep }],
      ["Nudge me at {t} on {d} to {c}", { c, d: d.say, t: t.say }, { text: c, remind_at: at }],
      ["every {u}, starting {d} {t}, remind me to {c}", { c, d: d.say, t: t.say, u: { daily: "day", weekly: "week", monthly: "month" }[rep] }, { text: c, remind_at: at, repeat: rep }],
    ]);
  },
  send_email: (r) => {
    const [name, email] = r.pick(PEOPLE), [subject, body] = r.pick(SUBJECTS), [, cc] = r.pick(PEOPLE.filter(([, e]) => e !== email));
    return r.pick([
      ["Email {em} with the subject \"{s}\": {b}", { em: email, s: subject, b: body }, { to: [email], subject, body }],
      ["Send an email to {n} at {em}, subject {s}, saying: {b}", { n: name, em: email, s: subject, b: body }, { to: [email], subject, body }],
      ["write to {em} re: {s} — {b}", { em: email, s: subject, b: body }, { to: [email], subject, body }],
      ["Please mail {em} (cc {cc}) with the subject '{s}' and this text: {b}", { em: email, cc, s: subject, b: body }, { to: [email], subject, body, cc: [cc] }],
      ["Shoot {n} an email ({em}), subject line \"{s}\". Body: {b}", { n: name, em: email, s: subject, b: body }, { to: [email], subject, body }],
      ["compose and send: to {em}, subject \"{s}\", message \"{b}\"", { em: email, s: subject, b: body }, { to: [email], subject, body }],
    ]);
  },
  send_text_message: (r) => {
    const [name] = r.pick(PEOPLE), m = r.pick(MESSAGES), phone = `+${r.pick(["44", "49", "1", "351", "47", "81"])}${r.int(100000000, 999999999)}`;
    const to = r.chance(0.5) ? name : phone;
    return r.pick([
      ["Text {to}: {m}", { to, m }, { recipient: to, message: m }],
      ["send an SMS to {to} saying \"{m}\"", { to, m }, { recipient: to, message: m }],
      ["Let {to} know by text: {m}", { to, m }, { recipient: to, message: m }],
      ["Can you text {to} — {m}", { to, m }, { recipient: to, message: m }],
      ["Drop {to} a quick text: \"{m}\"", { to, m }, { recipient: to, message: m }],
      ["sms {to}: {m}", { to, m }, { recipient: to, message: m }],
    ]);
  },
  read_file: (r) => {
    const path = r.pick(["src/index.ts", "README.md", "config/settings.yaml", "data/sales_2024.csv", "logs/server.log", "notes/meeting-03-12.txt", "package.json", "docs/api.md", ".env.example", "scripts/deploy.sh", "test/fixtures/sample.json", "Cargo.toml"]);
    const n = r.pick([1024, 4096, 20000]);
    return r.pick([
      ["Open {p} and show me what's in it.", { p: path }, { path }],
      ["read {p}", { p: path }, { path }],
      ["What does {p} contain?", { p: path }, { path }],
      ["Show me the first {n} bytes of {p}", { p: path, n }, { path, max_bytes: n }],
      ["cat {p} for me", { p: path }, { path }],
      ["Can you load {p}? It's latin-1 encoded.", { p: path }, { path, encoding: "latin-1" }],
      ["Take a look at the file {p} and tell me what's there", { p: path }, { path }],
    ]);
  },
  run_sql_query: (r) => {
    const db = r.pick(["analytics", "shop_prod", "crm", "inventory", "hr"]);
    const [ask, sql] = r.pick([["how many orders we got yesterday", "SELECT COUNT(*) FROM orders WHERE created_at::date = CURRENT_DATE - 1"], ["the top 10 customers by revenue", "SELECT customer_id, SUM(total) AS revenue FROM orders GROUP BY customer_id ORDER BY revenue DESC LIMIT 10"], ["which products are out of stock", "SELECT sku, name FROM products WHERE stock = 0"], ["the average ticket resolution time this month", "SELECT AVG(resolved_at - opened_at) FROM tickets WHERE opened_at >= date_trunc('month', now())"], ["signups per day for the last week", "SELECT created_at::date AS day, COUNT(*) FROM users WHERE created_at > now() - interval '7 days' GROUP BY day ORDER BY day"], ["employees hired in 2023", "SELECT name, hired_on FROM employees WHERE EXTRACT(YEAR FROM hired_on) = 2023"], ["refunds over 500 euros", "SELECT id, amount FROM refunds WHERE amount > 500 ORDER BY amount DESC"], ["duplicate email addresses in users", "SELECT email, COUNT(*) FROM users GROUP BY email HAVING COUNT(*) > 1"]]);
    return r.pick([
      ["Query the {db} database for {a}.", { db, a: ask }, { database: db, query: sql }],
      ["Run this on {db}: {q}", { db, q: sql }, { database: db, query: sql }],
      ["Can you check in the {db} db {a}?", { db, a: ask }, { database: db, query: sql }],
      ["pull {a} from {db}", { db, a: ask }, { database: db, query: sql }],
      ["Execute against {db}, max 100 rows:\n{q}", { db, q: sql }, { database: db, query: sql, max_rows: 100 }],
      ["I need {a} — the data's in {db}", { db, a: ask }, { database: db, query: sql }],
    ]);
  },
  get_directions: (r) => {
    const city = r.pick(CITIES);
    const [a, b] = r.sample(["the central station", "my hotel", "the airport", "the old town", "the university", "the stadium", "the harbour", "the science museum", "the botanical garden", "the conference centre"], 2).map((p) => `${p}, ${city}`);
    const [how, mode] = r.pick([["by car", "driving"], ["on foot", "walking"], ["by bike", "cycling"], ["by public transport", "transit"], ["walking", "walking"], ["by bus or tram", "transit"]]);
    return r.pick([
      ["How do I get from {a} to {b} {h}?", { a, b, h: how }, { origin: a, destination: b, mode }],
      ["Directions from {a} to {b}", { a, b }, { origin: a, destination: b }],
      ["route {a} → {b}, {h}", { a, b, h: how }, { origin: a, destination: b, mode }],
      ["How long does it take to go {h} from {a} to {b}?", { a, b, h: how }, { origin: a, destination: b, mode }],
      ["I'm at {a}. Best way to reach {b}?", { a, b }, { origin: a, destination: b }],
      ["navigate me from {a} to {b} {h}", { a, b, h: how }, { origin: a, destination: b, mode }],
    ]);
  },
  get_flight_status: (r) => {
    const flight = `${r.pick(["LH", "BA", "AF", "KL", "UA", "DL", "SK", "TP", "EK", "QF", "NH", "U2", "FR", "AY"])}${r.int(1, 2999)}`, d = dateSlot(r);
    return r.pick([
      ["Is {f} on time?", { f: flight }, { flight_number: flight }],
      ["status of flight {f} on {d}", { f: flight, d: d.say }, { flight_number: flight, date: d.iso }],
      ["Has {f} landed yet?", { f: flight }, { flight_number: flight }],
      ["what gate does {f} leave from", { f: flight }, { flight_number: flight }],
      ["My mum is on {f} on {d} — any delay?", { f: flight, d: d.say }, { flight_number: flight, date: d.iso }],
      ["check {f} for {d} please", { f: flight, d: d.say }, { flight_number: flight, date: d.iso }],
      ["Is flight {f} delayed or cancelled?", { f: flight }, { flight_number: flight }],
    ]);
  },
  book_restaurant: (r) => {
    const rest = r.pick(["Casa Lucia", "Sushi Kanda", "The Green Fig", "Le Petit Zinc", "Taverna Nikos", "Bombay Brasserie", "Noodle Bar 88", "Trattoria da Gino", "El Fogón", "Smokehouse 21", "Café Oslo", "Pho Saigon"]);
    const n = r.int(1, 12), d = dateSlot(r), t = timeSlot(r);
    const args = { restaurant: rest, party_size: n, date: d.iso, time: t.hhmm };
    return r.pick([
      ["Book a table for {n} at {x} on {d} at {t}.", { n, x: rest, d: d.say, t: t.say }, args],
      ["reserve {x}, {n} people, {d}, {t}", { n, x: rest, d: d.say, t: t.say }, args],
      ["Can you get us a table at {x}? We're {n}, {d} around {t}.", { n, x: rest, d: d.say, t: t.say }, args],
      ["table for {n} please — {x}, {t} on {d}", { n, x: rest, d: d.say, t: t.say }, args],
      ["I'd like to reserve dinner at {x} for {n} on {d}, {t}", { n, x: rest, d: d.say, t: t.say }, args],
      ["{x}: booking for {n} guests, {d} at {t}", { n, x: rest, d: d.say, t: t.say }, args],
    ]);
  },
  play_music: (r) => {
    const [what, kind] = r.pick([["Bohemian Rhapsody", "track"], ["Kind of Blue", "album"], ["Nina Simone", "artist"], ["lo-fi beats to study to", "playlist"], ["Clair de Lune", "track"], ["Rumours by Fleetwood Mac", "album"], ["Burna Boy", "artist"], ["morning jazz", "playlist"], ["Ode to Joy", "track"], ["Radiohead", "artist"], ["OK Computer", "album"], ["90s hip hop", "playlist"], ["Fado classics", "playlist"], ["Björk", "artist"]]);
    return r.pick([
      ["Play {w}.", { w: what }, { query: what }],
      ["put on {w}", { w: what }, { query: what }],
      ["I want to listen to some {w}", { w: what }, { query: what, kind }],
      ["Shuffle {w}", { w: what }, { query: what, kind, shuffle: true }],
      ["can you play the {k} {w} on the speaker", { w: what, k: kind }, { query: what, kind }],
      ["Music please: {w}, in order, no shuffle", { w: what }, { query: what, shuffle: false }],
      ["start playing {w} in the living room", { w: what }, { query: what }],
    ]);
  },
};
