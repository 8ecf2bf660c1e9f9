// The 13 tools of an airline help desk: one domain whose tools overlap in vocabulary (booking, flight, seat,
// bag), so choosing between them takes more than spotting a topic word.
import { functionTool } from "./lib.mjs";

const REF = { type: "string", pattern: "^[A-Z0-9]{6}$", description: "Six-character booking reference (PNR)." };
const FLIGHT = { type: "string", pattern: "^[A-Z0-9]{2}[0-9]{1,4}$", description: "Carrier code and number, e.g. LH1234." };
const DATE = { type: "string", format: "date", description: "YYYY-MM-DD." };
const IATA = { type: "string", pattern: "^[A-Z]{3}$", description: "IATA airport code." };
const CABIN = { type: "string", enum: ["economy", "premium_economy", "business", "first"] };

export const AIRLINE_TOOLS = [
  functionTool("search_flights", "Finds available flights between two airports.", { origin: IATA, destination: IATA, departure_date: DATE, return_date: DATE, passengers: { type: "integer", minimum: 1, maximum: 9 }, cabin: CABIN }, ["origin", "destination", "departure_date"]),
  functionTool("book_flight", "Books seats on a specific flight for the named passengers.", { flight_number: FLIGHT, date: DATE, passengers: { type: "array", minItems: 1, maxItems: 9, items: { type: "object", properties: { first_name: { type: "string", minLength: 1 }, last_name: { type: "string", minLength: 1 } }, required: ["first_name", "last_name"], additionalProperties: false } }, cabin: CABIN }, ["flight_number", "date", "passengers"]),
  functionTool("cancel_booking", "Cancels a whole booking.", { booking_reference: REF, reason: { type: "string" } }, ["booking_reference"]),
  functionTool("change_seat", "Assigns a specific seat or a seat type on a booked flight.", { booking_reference: REF, seat: { type: "string", pattern: "^[0-9]{1,2}[A-K]$" }, preference: { type: "string", enum: ["window", "aisle", "exit_row", "front", "together"] } }, ["booking_reference"], { anyOf: [{ required: ["seat"] }, { required: ["preference"] }] }),
  functionTool("add_baggage", "Adds checked or special baggage to a booking.", { booking_reference: REF, bags: { type: "integer", minimum: 1, maximum: 5 }, bag_type: { type: "string", enum: ["checked", "sports_equipment", "musical_instrument", "oversized"] } }, ["booking_reference", "bags"]),
  functionTool("check_in", "Checks passengers in online and issues boarding passes.", { booking_reference: REF, last_name: { type: "string", minLength: 1 } }, ["booking_reference", "last_name"]),
  functionTool("flight_status", "Live departure, arrival, gate and delay information.", { flight_number: FLIGHT, date: DATE }, ["flight_number"]),
  functionTool("request_refund", "Requests a refund for a booking or part of it.", { booking_reference: REF, reason: { type: "string", enum: ["cancelled_by_airline", "schedule_change", "medical", "duplicate_booking", "downgrade", "other"] }, details: { type: "string" } }, ["booking_reference", "reason"]),
  functionTool("update_passenger_details", "Corrects or adds a passenger's personal details on a booking.", { booking_reference: REF, passenger_name: { type: "string", minLength: 1 }, field: { type: "string", enum: ["name_spelling", "email", "phone", "passport_number", "date_of_birth", "frequent_flyer_number"] }, new_value: { type: "string", minLength: 1 } }, ["booking_reference", "passenger_name", "field", "new_value"]),
  functionTool("join_waitlist", "Puts the customer on the waitlist of a full flight or cabin.", { flight_number: FLIGHT, date: DATE, cabin: CABIN }, ["flight_number", "date"]),
  functionTool("request_special_assistance", "Arranges assistance at the airport and on board.", { booking_reference: REF, assistance: { type: "string", enum: ["wheelchair", "visual_impairment", "hearing_impairment", "unaccompanied_minor", "medical_equipment", "service_animal"] }, notes: { type: "string" } }, ["booking_reference", "assistance"]),
  functionTool("report_lost_baggage", "Files a report for a bag that did not arrive.", { bag_tag: { type: "string", pattern: "^[A-Z]{2}[0-9]{6}$", description: "Tag number printed on the baggage receipt." }, description: { type: "string", minLength: 1 }, arrival_airport: IATA }, ["bag_tag", "description"]),
  functionTool("upgrade_cabin", "Upgrades a booking to a higher cabin, paid or with miles.", { booking_reference: REF, cabin: { type: "string", enum: ["premium_economy", "business", "first"] }, use_miles: { type: "boolean" } }, ["booking_reference", "cabin"]),
];

export const AIRPORTS = [["Lisbon", "LIS"], ["Frankfurt", "FRA"], ["Oslo", "OSL"], ["New York JFK", "JFK"], ["Nairobi", "NBO"], ["Tokyo Haneda", "HND"], ["Madrid", "MAD"], ["Toronto", "YYZ"], ["Singapore", "SIN"], ["Dublin", "DUB"], ["Helsinki", "HEL"], ["São Paulo", "GRU"], ["Istanbul", "IST"], ["Vienna", "VIE"], ["Sydney", "SYD"], ["Reykjavík", "KEF"], ["Dubai", "DXB"], ["Warsaw", "WAW"]];
export const TRAVELLERS = [["Anna", "Berg"], ["Luis", "Ortega"], ["Mei", "Chen"], ["Kwame", "Mensah"], ["Sophie", "Laurent"], ["Arjun", "Mehta"], ["Olga", "Ivanova"], ["Liam", "O'Brien"], ["Fatima", "Zahra"], ["Jakub", "Dvořák"], ["Emma", "Schulz"], ["Hiroshi", "Sato"], ["Grace", "Adeyemi"], ["Mikael", "Nyström"]];

/** A booking reference without the easily confused 0/O and 1/I. */
export function bookingRef(r) {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  return Array.from({ length: 6 }, () => alphabet[r.int(0, alphabet.length - 1)]).join("");
}

export function flightNumber(r) {
  return `${r.pick(["LH", "TP", "SK", "AY", "KL", "AF", "BA", "TK", "OS", "EI", "QR", "NH"])}${r.int(10, 2999)}`;
}
