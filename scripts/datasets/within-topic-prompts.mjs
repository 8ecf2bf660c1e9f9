// Requests to an airline help desk, one generator per tool. `{bk}` names the booking: "booking K7PQ2M" when the
// reference is in the request itself, "my booking" when an earlier turn of the conversation gave it.
import { dateSlot } from "./tool-choice-tools.mjs";
import { AIRPORTS, TRAVELLERS, bookingRef, flightNumber } from "./within-topic-tools.mjs";

const cabinWords = { economy: "economy", premium_economy: "premium economy", business: "business class", first: "first class" };

export const AIRLINE_PROMPTS = {
  search_flights: (r) => {
    const [[fromCity, from], [toCity, to]] = r.sample(AIRPORTS, 2), d = dateSlot(r), back = dateSlot(r), n = r.int(1, 6), cabin = r.pick(["economy", "premium_economy", "business", "first"]);
    return r.pick([
      ["Are there flights from {a} to {b} on {d}?", { a: fromCity, b: toCity, d: d.say }, { origin: from, destination: to, departure_date: d.iso }],
      ["I need to get from {a} to {b} on {d}, {n} of us.", { a: fromCity, b: toCity, d: d.say, n }, { origin: from, destination: to, departure_date: d.iso, passengers: n }],
      ["{ac} → {bc} {d}, {c}, what do you have?", { ac: from, bc: to, d: d.say, c: cabinWords[cabin] }, { origin: from, destination: to, departure_date: d.iso, cabin }],
      ["Show me options {a} to {b}, out {d} and back {e}.", { a: fromCity, b: toCity, d: d.say, e: back.say }, { origin: from, destination: to, departure_date: d.iso, return_date: back.iso }],
      ["what flights do you have {ac}-{bc} on {d}", { ac: from, bc: to, d: d.say }, { origin: from, destination: to, departure_date: d.iso }],
      ["Looking for {c} seats from {a} to {b} for {n} adults on {d}.", { a: fromCity, b: toCity, d: d.say, n, c: cabinWords[cabin] }, { origin: from, destination: to, departure_date: d.iso, passengers: n, cabin }],
      ["Is there anything leaving {a} for {b} on {d}? Cheapest fare is fine.", { a: fromCity, b: toCity, d: d.say }, { origin: from, destination: to, departure_date: d.iso, cabin: "economy" }],
    ]);
  },
  book_flight: (r) => {
    const f = flightNumber(r), d = dateSlot(r), people = r.sample(TRAVELLERS, r.int(1, 3)), cabin = r.pick(["economy", "premium_economy", "business"]);
    const names = people.map(([a, b]) => `${a} ${b}`).join(people.length === 2 ? " and " : ", ");
    const passengers = people.map(([first_name, last_name]) => ({ first_name, last_name }));
    return r.pick([
      ["Please book {f} on {d} for {p}.", { f, d: d.say, p: names }, { flight_number: f, date: d.iso, passengers }],
      ["I'd like to reserve {f}, {d}, in {c}, passengers: {p}", { f, d: d.say, p: names, c: cabinWords[cabin] }, { flight_number: f, date: d.iso, passengers, cabin }],
      ["book it — {f} on {d}, for {p}", { f, d: d.say, p: names }, { flight_number: f, date: d.iso, passengers }],
      ["Go ahead and take {f} on {d}. Names: {p}.", { f, d: d.say, p: names }, { flight_number: f, date: d.iso, passengers }],
      ["Can you put {p} on flight {f} on {d}, {c}?", { f, d: d.say, p: names, c: cabinWords[cabin] }, { flight_number: f, date: d.iso, passengers, cabin }],
      ["Reserve seats on {f} ({d}) for {p}, thanks", { f, d: d.say, p: names }, { flight_number: f, date: d.iso, passengers }],
    ]);
  },
  cancel_booking: (r) => {
    const ref = bookingRef(r), why = r.pick(["my plans changed", "the conference was cancelled", "I booked the wrong month", "family emergency", "we're driving instead"]);
    return r.pick([
      ["Please cancel {bk}.", {}, { booking_reference: ref }],
      ["I need to cancel {bk} — {w}.", { w: why }, { booking_reference: ref, reason: why }],
      ["cancel {bk} entirely please", {}, { booking_reference: ref }],
      ["We won't be travelling after all, {w}. Can you cancel {bk}?", { w: why }, { booking_reference: ref, reason: why }],
      ["How do I cancel {bk}? Actually, just do it for me.", {}, { booking_reference: ref }],
      ["drop {bk}, {w}", { w: why }, { booking_reference: ref, reason: why }],
    ]).concat([ref]);
  },
  change_seat: (r) => {
    const ref = bookingRef(r), seat = `${r.int(1, 45)}${r.pick(["A", "B", "C", "D", "E", "F", "K"])}`, pref = r.pick(["window", "aisle", "exit_row", "front", "together"]);
    const prefWords = { window: "a window seat", aisle: "an aisle seat", exit_row: "an exit-row seat with more legroom", front: "a seat near the front", together: "seats next to each other" }[pref];
    return r.pick([
      ["Can I switch to seat {s} on {bk}?", { s: seat }, { booking_reference: ref, seat }],
      ["I'd like {p} on {bk}.", { p: prefWords }, { booking_reference: ref, preference: pref }],
      ["move me to {s} please, {bk}", { s: seat }, { booking_reference: ref, seat }],
      ["We were split up on {bk}; could we get {p}?", { p: prefWords }, { booking_reference: ref, preference: pref }],
      ["Is {s} free? If so put me there — {bk}.", { s: seat }, { booking_reference: ref, seat }],
      ["For {bk} I'd prefer {p}, I'm tall / get anxious in the middle.", { p: prefWords }, { booking_reference: ref, preference: pref }],
    ]).concat([ref]);
  },
  add_baggage: (r) => {
    const ref = bookingRef(r), n = r.int(1, 4), [what, type] = r.pick([["suitcase", "checked"], ["checked bag", "checked"], ["set of skis", "sports_equipment"], ["golf bag", "sports_equipment"], ["cello", "musical_instrument"], ["surfboard", "oversized"], ["bike box", "oversized"]]);
    const count = n === 1 ? `one ${what}` : `${n} ${what === "set of skis" ? "sets of skis" : what + "s"}`;
    return r.pick([
      ["Add {c} to {bk}.", { c: count }, { booking_reference: ref, bags: n, bag_type: type }],
      ["I need to bring {c} — can you add that to {bk}?", { c: count }, { booking_reference: ref, bags: n, bag_type: type }],
      ["how much to add {c} on {bk}? go ahead and add it", { c: count }, { booking_reference: ref, bags: n, bag_type: type }],
      ["Please put {n} extra checked bag(s) on {bk}.", { n }, { booking_reference: ref, bags: n, bag_type: "checked" }],
      ["{bk}: we're travelling with {c}, please add", { c: count }, { booking_reference: ref, bags: n, bag_type: type }],
    ]).concat([ref]);
  },
  check_in: (r) => {
    const ref = bookingRef(r), [, last] = r.pick(TRAVELLERS);
    return r.pick([
      ["Check me in for {bk}, surname {l}.", { l: last }, { booking_reference: ref, last_name: last }],
      ["I'd like to check in online — {bk}, last name {l}", { l: last }, { booking_reference: ref, last_name: last }],
      ["can you do the check-in for {bk}? name's {l}", { l: last }, { booking_reference: ref, last_name: last }],
      ["Get my boarding pass please: {bk}, {l}", { l: last }, { booking_reference: ref, last_name: last }],
      ["Check-in for {l} on {bk}, please.", { l: last }, { booking_reference: ref, last_name: last }],
    ]).concat([ref]);
  },
  flight_status: (r) => {
    const f = flightNumber(r), d = dateSlot(r);
    return r.pick([
      ["Is {f} on time today?", { f }, { flight_number: f }],
      ["What's the status of {f} on {d}?", { f, d: d.say }, { flight_number: f, date: d.iso }],
      ["has {f} left yet", { f }, { flight_number: f }],
      ["Which gate is {f} departing from?", { f }, { flight_number: f }],
      ["My daughter is arriving on {f} on {d}. Any delays?", { f, d: d.say }, { flight_number: f, date: d.iso }],
      ["{f} delayed?", { f }, { flight_number: f }],
    ]);
  },
  request_refund: (r) => {
    const ref = bookingRef(r), [say, reason] = r.pick([["you cancelled my flight", "cancelled_by_airline"], ["the schedule changed by six hours", "schedule_change"], ["I'm in hospital and can't fly", "medical"], ["I was charged twice for the same trip", "duplicate_booking"], ["I paid for business but sat in economy", "downgrade"], ["the flight was moved to the next day", "schedule_change"]]);
    return r.pick([
      ["I want a refund for {bk} — {s}.", { s: say }, { booking_reference: ref, reason }],
      ["{s}. Refund {bk} please.", { s: say }, { booking_reference: ref, reason, details: say }],
      ["Can I get my money back on {bk}? {s}", { s: say }, { booking_reference: ref, reason }],
      ["please start a refund request for {bk}; {s}", { s: say }, { booking_reference: ref, reason, details: say }],
      ["refund {bk}, reason: {s}", { s: say }, { booking_reference: ref, reason }],
    ]).concat([ref]);
  },
  update_passenger_details: (r) => {
    const ref = bookingRef(r), [first, last] = r.pick(TRAVELLERS), name = `${first} ${last}`;
    const [what, field, value] = r.pick([["email address", "email", `${first.toLowerCase()}.${r.int(10, 99)}@example.com`], ["phone number", "phone", `+${r.int(30, 49)}${r.int(100000000, 999999999)}`], ["passport number", "passport_number", `${r.pick(["C", "P", "X"])}${r.int(1000000, 9999999)}`], ["date of birth", "date_of_birth", `19${r.int(50, 99)}-0${r.int(1, 9)}-1${r.int(0, 9)}`], ["frequent flyer number", "frequent_flyer_number", `${r.pick(["MM", "FB", "EB"])}${r.int(10000000, 99999999)}`], ["name spelling", "name_spelling", `${first} ${last}e`]]);
    return r.pick([
      ["Update the {w} for {n} on {bk} to {v}.", { w: what, n: name, v: value }, { booking_reference: ref, passenger_name: name, field, new_value: value }],
      ["{n}'s {w} on {bk} is wrong, it should be {v}", { w: what, n: name, v: value }, { booking_reference: ref, passenger_name: name, field, new_value: value }],
      ["Please change {w} of passenger {n} ({bk}) to {v}.", { w: what, n: name, v: value }, { booking_reference: ref, passenger_name: name, field, new_value: value }],
      ["I made a typo — the {w} for {n} on {bk} should read {v}", { w: what, n: name, v: value }, { booking_reference: ref, passenger_name: name, field, new_value: value }],
    ]).concat([ref]);
  },
  join_waitlist: (r) => {
    const f = flightNumber(r), d = dateSlot(r), cabin = r.pick(["economy", "business", "first", "premium_economy"]);
    return r.pick([
      ["{f} on {d} is full — can you waitlist me?", { f, d: d.say }, { flight_number: f, date: d.iso }],
      ["Put me on the waiting list for {c} on {f}, {d}.", { f, d: d.say, c: cabinWords[cabin] }, { flight_number: f, date: d.iso, cabin }],
      ["add me to the standby list for {f} {d}", { f, d: d.say }, { flight_number: f, date: d.iso }],
      ["If a seat opens up on {f} on {d}, I want it. Waitlist please.", { f, d: d.say }, { flight_number: f, date: d.iso }],
      ["Is there a waitlist for {c} on {f} ({d})? Add me.", { f, d: d.say, c: cabinWords[cabin] }, { flight_number: f, date: d.iso, cabin }],
    ]);
  },
  request_special_assistance: (r) => {
    const ref = bookingRef(r), [say, assistance] = r.pick([["a wheelchair from check-in to the gate", "wheelchair"], ["someone to guide me through the airport, I'm blind", "visual_impairment"], ["an escort for my 10-year-old, who is flying alone", "unaccompanied_minor"], ["approval for my portable oxygen concentrator", "medical_equipment"], ["space in the cabin for my guide dog", "service_animal"], ["visual boarding alerts, I'm deaf and may miss announcements", "hearing_impairment"]]);
    return r.pick([
      ["I need {s} on {bk}.", { s: say }, { booking_reference: ref, assistance }],
      ["Could you arrange {s} for {bk}?", { s: say }, { booking_reference: ref, assistance }],
      ["For {bk}: we'll need {s}, please note it.", { s: say }, { booking_reference: ref, assistance, notes: say }],
      ["please set up {s}, {bk}", { s: say }, { booking_reference: ref, assistance }],
    ]).concat([ref]);
  },
  report_lost_baggage: (r) => {
    const tag = `${r.pick(["LH", "TP", "SK", "AY", "KL", "BA"])}${r.int(100000, 999999)}`, [city, code] = r.pick(AIRPORTS), desc = r.pick(["a red hard-shell suitcase", "black duffel bag with a yellow ribbon", "a blue Samsonite, medium size", "green hiking backpack", "grey suitcase with stickers", "a purple kids' trolley"]);
    return r.pick([
      ["My bag didn't arrive in {c}. Tag {t}, it's {d}.", { c: city, t: tag, d: desc }, { bag_tag: tag, description: desc, arrival_airport: code }],
      ["lost luggage: tag number {t}, {d}", { t: tag, d: desc }, { bag_tag: tag, description: desc }],
      ["I want to report a missing bag — {d}, tag {t}, landed at {c}.", { t: tag, d: desc, c: city }, { bag_tag: tag, description: desc, arrival_airport: code }],
      ["Our suitcase never showed up on the belt. Receipt says {t}. It's {d}.", { t: tag, d: desc }, { bag_tag: tag, description: desc }],
      ["baggage claim {c}, nothing came out. {d}, tag {t}", { c: city, t: tag, d: desc }, { bag_tag: tag, description: desc, arrival_airport: code }],
    ]);
  },
  upgrade_cabin: (r) => {
    const ref = bookingRef(r), cabin = r.pick(["premium_economy", "business", "first"]), miles = r.chance(0.5);
    return r.pick([
      ["Upgrade {bk} to {c}.", { c: cabinWords[cabin] }, { booking_reference: ref, cabin }],
      ["I'd like to use my miles to move up to {c} on {bk}.", { c: cabinWords[cabin] }, { booking_reference: ref, cabin, use_miles: true }],
      ["can I pay to upgrade {bk} to {c}?", { c: cabinWords[cabin] }, { booking_reference: ref, cabin, use_miles: false }],
      ["Bump {bk} up to {c}, {m}", { c: cabinWords[cabin], m: miles ? "with miles" : "I'll pay the difference" }, { booking_reference: ref, cabin, use_miles: miles }],
    ]).concat([ref]);
  },
};
